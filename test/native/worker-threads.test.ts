/**
 * The addon is context-aware: it loads and computes in several worker threads at once.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

// The build under test (the suites load build/Release: test/helpers/global-setup.ts).
const addonFile = path.resolve(__dirname, '..', '..', 'build', 'Release', 'blasnet.node');

// Plain JavaScript, so the worker needs no TypeScript loader.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const addon = require(workerData.addonFile);
const n = 64;
const A = new Float64Array(n * n).map((_, i) => (i % 7) - 3);
const C = new Float64Array(n * n);
for (let round = 0; round < 50; round++) addon.gemm(false, true, n, n, n, 1, A, A, 0, C);
let trace = 0;
for (let i = 0; i < n; i++) trace += C[i * n + i];
parentPort.postMessage(trace);
`;

function runWorker(): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerSource, { eval: true, workerData: { addonFile } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('the addon in worker threads', () => {
  it('loads and runs in four workers at once, each getting the same answer', async () => {
    // trace(A A^T) = sum of squares of A's entries.
    let expected = 0;
    for (let i = 0; i < 64 * 64; i++) expected += ((i % 7) - 3) ** 2;
    const results = await Promise.all([runWorker(), runWorker(), runWorker(), runWorker()]);
    expect(results).toEqual([expected, expected, expected, expected]);
  });
});
