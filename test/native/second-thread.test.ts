/**
 * blasnet's second thread (native/kernels/second_thread.h) is one per process, made on first use and
 * joined when the addon is unloaded or the process exits. Here, in a fresh node process that never loads
 * the addon on its main thread: worker threads load it, run large updates at 2 OpenBLAS threads at the
 * same time (one of them gets the thread, the others run their whole loop alone: the same bits) and exit
 * (node then unloads the addon, whose destructor joins the thread); then a later worker loads the addon
 * again and makes a thread of its own. Every result must equal the one-thread update's, and the process
 * must exit by itself with status 0 (a thread left running, or one joined twice, would hang or abort).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import { ActivationCode as Act } from '../../lib';
import { NetworkLayout } from '../../lib/backend/layout';

const addonFile = path.resolve(__dirname, '..', '..', 'build', 'Release', 'blasnet.node');
// 67,587 parameters: the whole-vector update is split (from 32,768 elements at several threads).
const layout = new NetworkLayout([260, 256, 3], [Act.identity, Act.identity]);

// Plain JavaScript, run with `node -e`: the main thread only starts workers.
const script = `
const { Worker } = require('node:worker_threads');
const addonFile = ${JSON.stringify(addonFile)};
const code = ${JSON.stringify(Array.from(layout.encode()))};
const parameters = ${layout.parameterCount};
const workspaceSize = ${layout.workspaceSize(2)};
const body = \`
const { parentPort, workerData } = require('node:worker_threads');
const addon = require(workerData.addonFile);
addon.setNumThreads(workerData.threads);
const layout = Int32Array.from(workerData.code);
let seed = 1;
const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
const params = new Float64Array(workerData.parameters).map(() => next() * 0.1);
const X = new Float64Array(2 * 260).map(() => next());
const Y = new Float64Array(2 * 3).map(() => next());
const g = new Float64Array(workerData.parameters);
const workspace = new Float64Array(workerData.workspaceSize);
const order = Uint32Array.from([0, 1]);
for (let step = 0; step < 200; step++) addon.networkGradients(layout, params, g, workspace, 2, 0, X, Y, order, 0, 2, 0.01);
parentPort.postMessage(Buffer.from(params.buffer).toString('base64'));
\`;
function run(threads) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(body, { eval: true, workerData: { addonFile, code, parameters, workspaceSize, threads } });
    let result;
    worker.once('message', (m) => (result = m));
    worker.once('error', reject);
    worker.once('exit', (status) => (status === 0 ? resolve(result) : reject(new Error('worker exit ' + status))));
  });
}
(async () => {
  const reference = await run(1);
  const together = await Promise.all([run(2), run(2), run(2)]);
  const later = await run(2);
  const same = [...together, later].every((r) => r === reference);
  process.stdout.write(same ? 'same' : 'different');
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe("blasnet's second thread", () => {
  it('serves workers that load and unload the addon, with the one-thread bits, and lets the process exit', () => {
    const output = execFileSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
    });
    expect(output).toBe('same');
  });
});
