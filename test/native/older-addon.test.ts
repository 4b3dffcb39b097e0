/**
 * An addon built before the shuffle kernel existed (an older build named by BLASNET_ADDON, to time a change
 * against it) must still train, shuffling with the js kernel, the same orders: lib/backend/native.ts,
 * SAME_DRAWS. The older addon is the real one seen through a module that leaves `permutation` out, loaded
 * in a fresh process (the addon is loaded once per process); its fit must give the bits of a fit on the
 * full addon.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { loadAddon } from '../../lib/backend/native';

const ROOT = path.resolve(__dirname, '..', '..');

describe('an addon without the permutation kernel', () => {
  it('trains with the js shuffle, giving the full addon bits', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'blasnet-older-addon-'));
    try {
      const older = path.join(folder, 'older-addon.js');
      fs.writeFileSync(
        older,
        `const { permutation, ...rest } = require(${JSON.stringify(loadAddon().file)});\nmodule.exports = rest;\n`,
      );
      const script = `
        const { Network, Matrix, Relu, Sigmoid, MSE, backends } = require(${JSON.stringify(path.join(ROOT, 'lib'))});
        const { loadAddon } = require(${JSON.stringify(path.join(ROOT, 'lib', 'backend', 'native'))});
        const x = new Matrix(40, 12, Float64Array.from({ length: 480 }, (_, i) => Math.sin(i)));
        const y = new Matrix(40, 10, Float64Array.from({ length: 400 }, (_, i) => (i % 7 === 0 ? 1 : 0)));
        const net = new Network([12, 15, 10], [Relu, Sigmoid], { seed: 3 });
        const history = net.fit(x, y, { loss: MSE, epochs: 6, batchSize: 8, learningRate: 0.1, log: () => {} });
        process.stdout.write(JSON.stringify({
          hasKernel: typeof loadAddon().addon.permutation === 'function',
          backend: backends.native.permutation !== undefined,
          loss: history.loss,
          parameters: Array.from(net.parameters),
        }));
      `;
      const run = (addon: string | undefined) => {
        const env = { ...process.env };
        if (addon === undefined) delete env.BLASNET_ADDON;
        else env.BLASNET_ADDON = addon;
        const output = execFileSync(process.execPath, ['-r', require.resolve('tsx/cjs'), '-e', script], {
          cwd: ROOT,
          env,
          encoding: 'utf8',
        });
        return JSON.parse(output) as { hasKernel: boolean; backend: boolean; loss: number[]; parameters: number[] };
      };
      const full = run(loadAddon().file);
      const lacking = run(older);
      expect(full.hasKernel).toBe(true);
      expect(lacking.hasKernel).toBe(false);
      expect(lacking.backend).toBe(true);
      expect(lacking.loss).toEqual(full.loss);
      expect(lacking.parameters).toEqual(full.parameters);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
