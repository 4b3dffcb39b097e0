/**
 * Issue 14, items 3 and 7. An abort settles fitAsync promptly and ends the worker even when a callback
 * never settles (the worker's last message used to wait behind that callback forever); and no error
 * fitAsync rejects with keeps the worker's copy of the training data alive (an unread stack used to keep
 * the closures that held it: 16 MiB per error here).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { AbortError, CrossEntropy, Matrix, Network, Relu, Softmax } from '../../lib';
import { describeBackends } from '../helpers/backends';

const fixtures = path.join(__dirname, 'fixtures');
const tsx = require.resolve('tsx/cjs');

function runScript(
  script: string,
  args: string[],
  nodeFlags: string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [...nodeFlags, '--require', tsx, path.join(fixtures, script), ...args], {
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describeBackends('abort with a callback that never settles', ({ name: backend }) => {
  it.each(['onEpochEnd', 'onBatchEnd'])(
    '%s: fitAsync rejects with the AbortError and the process exits on its own',
    (which) => {
      const result = runScript('stuck-callback.ts', [backend, which]);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('rejected AbortError ABORT_ERR enough\n');
      // Killed by the timeout (status null) when the promise or the worker hangs.
      expect(result.status).toBe(0);
    },
  );

  it('the network holds the weights of the last report, and the callback’s late result is ignored', async () => {
    const x = new Matrix(
      32,
      4,
      Float64Array.from({ length: 128 }, (_, i) => Math.cos(i)),
    );
    const y = new Matrix(
      32,
      2,
      Float64Array.from({ length: 64 }, (_, i) => (i + (i >> 1)) % 2),
    );
    const net = new Network([4, 6, 2], [Relu, Softmax], { seed: 2, backend });
    const controller = new AbortController();
    let seen: Float64Array | undefined;
    let release: (() => void) | undefined;
    const promise = net.fitAsync(x, y, {
      loss: CrossEntropy,
      epochs: 100,
      batchSize: 8,
      log: null,
      signal: controller.signal,
      onEpochEnd: (epoch) => {
        if (epoch < 3) return undefined;
        seen = net.parameters.slice();
        setTimeout(() => controller.abort(), 10);
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    await expect(promise).rejects.toBeInstanceOf(AbortError);
    expect(net.isTraining).toBe(false);
    expect(net.epochsTrained).toBe(3);
    expect(Array.from(net.parameters)).toEqual(Array.from(seen!));
    release!(); // settling now changes nothing
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(Array.from(net.parameters)).toEqual(Array.from(seen!));
  });
});

describeBackends('errors from fitAsync keep no training data', ({ name: backend }) => {
  it('twelve kept errors (aborts, callback errors, worker errors) hold less than one 16 MiB copy of the rows', () => {
    const result = runScript('error-memory.ts', [backend], ['--expose-gc']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const figures = JSON.parse(result.stdout) as { errors: number; names: string[]; keptMiB: number };
    expect(figures.errors).toBe(12);
    expect(figures.names.sort()).toEqual(['AbortError', 'Error', 'ValueError']);
    expect(figures.keptMiB).toBeLessThan(8);
  });
});
