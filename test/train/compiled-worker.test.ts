/**
 * The package runs from compiled JavaScript with no TypeScript loader: fitAsync must then start its worker
 * from the compiled worker script. (The other specs run blasnet from its sources, where the worker is
 * started through tsx.)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
// Inside the repository, so the compiled files find node_modules; test-output/ is ignored by git.
const out = path.join(root, 'test-output', 'compiled-worker');

describe('fitAsync from compiled JavaScript', () => {
  beforeAll(() => {
    fs.rmSync(out, { recursive: true, force: true });
    execFileSync(
      path.join(root, 'node_modules', '.bin', 'tsc'),
      ['-p', path.join(root, 'tsconfig.build.json'), '--outDir', out, '--declaration', 'false', '--sourceMap', 'false'],
      { cwd: root },
    );
  });
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('trains in a worker started from the .js files, without tsx, bit-identical to fit', () => {
    // The js backend, since the addon is looked for next to the package's own dist/, not this copy.
    const script = `
      const { Network, Relu, Softmax, CrossEntropy, oneHot } = require(${JSON.stringify(out)});
      const x = Array.from({ length: 60 }, (_, i) => [Math.sin(i), Math.cos(3 * i)]);
      const y = oneHot(x.map((r) => (r[0] > 0 ? 1 : 0)), 2);
      const make = () => new Network([2, 5, 2], [Relu, Softmax], { seed: 3, backend: 'js' });
      const options = { loss: CrossEntropy, epochs: 4, batchSize: 8, learningRate: 0.1, log: null };
      const sync = make();
      sync.fit(x, y, options);
      const async = make();
      async.fitAsync(x, y, options).then(() => {
        const same = Buffer.from(async.parameters.buffer).equals(Buffer.from(sync.parameters.buffer));
        console.log(JSON.stringify({ same, loaders: process.execArgv.filter((a) => /tsx/.test(a)).length }));
      });
    `;
    const file = path.join(out, 'check.js');
    fs.writeFileSync(file, script);
    // A plain node: no tsx anywhere in the process, so a worker started from a .ts file could not load.
    const output = execFileSync(process.execPath, [file], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(JSON.parse(output.trim())).toEqual({ same: true, loaders: 0 });
  });
});
