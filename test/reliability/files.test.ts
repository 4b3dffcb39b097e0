/**
 * Issue 14, items 5 and 10 (the library side). Model and CSV files are read only when they are regular
 * files, and never beyond what they can hold: Network.load('/dev/zero') and readCsv('/dev/zero') used to
 * grow ~1.3 GB/s until the process aborted; a model longer than its header says is refused without
 * reading its tail; a gzip bomb is stopped by the ratio limit. Saves name their temporary files so that
 * the next save of the same file removes those its killed predecessors left.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

import { ModelFormatError, Network, readCsv, Relu, Sigmoid, ValueError } from '../../lib';
import { describeBackends } from '../helpers/backends';
import { sameBits } from '../helpers/training';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'blasnet-files-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describeBackends('Network.load of what is not a model file', (backend) => {
  it.each(['/dev/zero', '/dev/urandom', os.tmpdir()])('%s: ERR_MODEL_NOT_A_FILE at once', async (file) => {
    const error = await Network.load(file, { backend }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFormatError);
    expect(error).toMatchObject({ code: 'ERR_MODEL_NOT_A_FILE', message: expect.stringMatching(/not a regular file/) });
  });

  it('a model followed by 512 MiB (a sparse file) is ERR_MODEL_LENGTH without reading them', async () => {
    const file = path.join(dir, `long-${backend.name}.bnet`);
    const net = new Network([3, 4, 1], [Relu, Sigmoid], { seed: 1, backend });
    const bytes = net.toBuffer();
    await fs.writeFile(file, bytes);
    await fs.truncate(file, bytes.length + 512 * 2 ** 20);
    const before = process.memoryUsage().arrayBuffers;
    const error = await Network.load(file, { backend }).catch((e: unknown) => e);
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(error).toMatchObject({
      code: 'ERR_MODEL_LENGTH',
      message: expect.stringMatching(/536870912 unexpected bytes at the end/),
    });
    expect(grown).toBeLessThan(64 * 2 ** 20);
    // The same bytes without the tail load, bit for bit.
    await fs.truncate(file, bytes.length);
    expect(sameBits((await Network.load(file, { backend })).parameters, net.parameters)).toBe(true);
  });

  it('a file of more than 4 GiB (sparse) is ERR_MODEL_TOO_LARGE, naming the limit', async () => {
    const file = path.join(dir, `huge-${backend.name}.bnet`);
    await fs.writeFile(file, '');
    await fs.truncate(file, 2 ** 32 + 1);
    await expect(Network.load(file, { backend })).rejects.toMatchObject({
      code: 'ERR_MODEL_TOO_LARGE',
      message: expect.stringMatching(/more than the 4294967296 bytes/),
    });
    await fs.rm(file);
  });
});

describe('readCsv of what is not a CSV file', () => {
  it.each(['/dev/zero', os.tmpdir()])('%s: ERR_NOT_A_FILE at once', (file) => {
    expect(() => readCsv(file)).toThrow(ValueError);
    expect(() => readCsv(file)).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_A_FILE', message: expect.stringMatching(/not a regular file/) }),
    );
  });

  it('a gzip bomb (100 MB of rows in ~100 kB) is ERR_FILE_TOO_LARGE; an ordinary .gz reads', async () => {
    const bomb = path.join(dir, 'bomb.csv.gz');
    await fs.writeFile(bomb, gzipSync(Buffer.alloc(100 * 2 ** 20, '1,2\n'), { level: 9 }));
    expect(() => readCsv(bomb)).toThrow(
      expect.objectContaining({ code: 'ERR_FILE_TOO_LARGE', message: expect.stringMatching(/gzip bomb/) }),
    );
    const fine = path.join(dir, 'fine.csv.gz');
    await fs.writeFile(fine, gzipSync(Buffer.from('a,b\n1,2\n3,4\n')));
    expect(readCsv(fine).data.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});

describe('temporary files of interrupted saves', () => {
  it('are named .<name>.blasnet-<pid>-<random>.tmp, and the next save of that file removes those of dead processes', async () => {
    const file = path.join(dir, 'model.bnet');
    const dead = 2 ** 22 + 12345; // above Linux's default pid_max: no such process
    const stale = [`.model.bnet.blasnet-${dead}-0123456789ab.tmp`, `.model.bnet.${dead}.0123456789ab.tmp`];
    // A live process's (perhaps saving right now), another file's, and a name that only looks similar.
    const kept = [
      `.model.bnet.blasnet-${process.ppid}-0123456789ab.tmp`,
      `.other.bnet.blasnet-${dead}-0123456789ab.tmp`,
      '.model.bnet.notes.tmp',
    ];
    for (const name of [...stale, ...kept]) await fs.writeFile(path.join(dir, name), 'half a model');
    await new Network([2, 1], [Sigmoid], { seed: 1 }).save(file);
    const left = (await fs.readdir(dir)).filter((name) => name.endsWith('.tmp')).sort();
    expect(left).toEqual([...kept].sort());
    expect((await Network.load(file)).dims).toEqual([2, 1]);
  });
});
