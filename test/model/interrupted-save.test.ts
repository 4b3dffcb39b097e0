/**
 * A save that dies half-way must leave the previous model intact: the process is killed (SIGKILL, no
 * cleanup) in the middle of writing, once at a chosen point and once at an arbitrary moment.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Network, Relu, Sigmoid } from '../../lib';
import { sameBits } from '../helpers/training';

const root = path.resolve(__dirname, '..', '..');
// Node itself with tsx's require hook, not the tsx command, which would run the script in a grandchild that a
// kill of the child would miss.
const tsxHook = require.resolve('tsx/cjs');
const lib = JSON.stringify(path.join(root, 'lib'));

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'blasnet-kill-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Runs a TypeScript script in a child process; resolves with the signal that ended it (or null). */
async function runChild(
  source: string,
  args: string[],
  killAfter?: (child: ReturnType<typeof spawn>) => void,
): Promise<NodeJS.Signals | null> {
  const script = path.join(dir, `child-${Math.random().toString(36).slice(2)}.ts`);
  await fs.writeFile(script, source);
  const child = spawn(process.execPath, ['--require', tsxHook, script, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  killAfter?.(child);
  // Never leave a child behind, whatever happens to the test.
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      resolve(signal);
    }),
  );
}

const bigNetwork = `new Network([300, 400, 10], [Relu, Sigmoid], { seed: Number(process.argv[3] ?? 5) })`;

describe('an interrupted save', () => {
  it('killed in the middle of writing the new file, leaves the previous file intact', async () => {
    const file = path.join(dir, 'model.bnet');
    const previous = new Network([4, 3, 2], [Relu, Sigmoid], { seed: 1 });
    await previous.save(file);
    // The child makes its file handles write half of what they are given, then kills the process.
    const signal = await runChild(
      `
      import { promises as fs } from 'node:fs';
      import * as os from 'node:os';
      import { Network, Relu, Sigmoid } from ${lib};
      (async () => {
        const probe = await fs.open(os.devNull, 'r');
        const FileHandle = Object.getPrototypeOf(probe);
        await probe.close();
        const write = FileHandle.write;
        FileHandle.write = async function (buffer: Uint8Array, offset: number, length: number, position: number) {
          await write.call(this, buffer, offset, Math.floor(length / 2), position);
          process.kill(process.pid, 'SIGKILL');
        };
        await ${bigNetwork}.save(process.argv[2]);
      })();
      `,
      [file],
    );
    expect(signal).toBe('SIGKILL');
    const loaded = await Network.load(file);
    expect(sameBits(loaded.parameters, previous.parameters)).toBe(true);
    // The half-written file is the temporary one beside it, never the model.
    const leftovers = (await fs.readdir(dir)).filter(
      (name) => name.startsWith('.model.bnet.') && name.endsWith('.tmp'),
    );
    expect(leftovers).toHaveLength(1);
    const full = new Network([300, 400, 10], [Relu, Sigmoid], { seed: 5 }).toBuffer().length;
    expect((await fs.stat(path.join(dir, leftovers[0]!))).size).toBe(Math.floor(full / 2));
  });

  it('killed at an arbitrary moment of saving over and over, leaves a whole model every time', async () => {
    const file = path.join(dir, 'busy.bnet');
    await new Network([300, 400, 10], [Relu, Sigmoid], { seed: 0 }).save(file);
    const signal = await runChild(
      `
      import { Network, Relu, Sigmoid } from ${lib};
      (async () => {
        const net = ${bigNetwork};
        process.stdout.write('ready\\n');
        for (let round = 1; ; round++) {
          net.layers[0]!.biases[0] = round;
          await net.save(process.argv[2]);
        }
      })();
      `,
      [file, '6'],
      (child) => {
        // Saving is under way once the child says so; kill it a few saves later, wherever it is.
        child.stdout!.once('data', () => setTimeout(() => child.kill('SIGKILL'), 150));
      },
    );
    expect(signal).toBe('SIGKILL');
    const loaded = await Network.load(file);
    expect(loaded.dims).toEqual([300, 400, 10]);
  });
});
