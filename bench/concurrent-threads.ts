/**
 * A diagnostic for workload D (bench/concurrent.ts), not a benchmark: where a warm burst's time goes, per
 * OS thread (Linux only, /proc/self/task/<tid>/schedstat). 32 sequential `fit` calls, then ROUNDS bursts
 * of 32 `fitAsync` calls on the warm pool (round 0 is the cold one). Per round: the wall time and ratio to
 * sequential, the process's CPU in ms, and for each pool thread (a thread with > 60 ms of CPU in the round)
 * its idle time (neither running nor waiting for a core: waiting for its next job) and its run-queue wait
 * (runnable, but the cores were busy: other processes, or the process's own threads); then every thread's
 * CPU in ms (M: the main thread; the others are V8's helper threads and the pool's).
 *
 *   npm run build:ts && ROUNDS=8 OPENBLAS_NUM_THREADS=1 npx tsx bench/concurrent-threads.ts
 * Add `--trace-gc` (after tsx) to see each isolate's collections between the rounds.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled package, as --dist in concurrent.ts
const lib = require('../dist') as typeof import('../lib');
const { CrossEntropy, Matrix, Network, Random, Relu, Softmax } = lib;
const ROUNDS = Number(process.env.ROUNDS ?? 8);
const JOBS = 32;
const ROWS = 2000;
const DIMS = [64, 32, 10];
const SETTINGS = { loss: CrossEntropy, epochs: 5, batchSize: 32, learningRate: 0.05, log: null } as const;

const random = new Random(11);
const x0 = new Matrix(ROWS, 64);
for (let i = 0; i < x0.data.length; i++) x0.data[i] = random.normal();
const y0 = new Matrix(ROWS, 10);
for (let i = 0; i < ROWS; i++) y0.data[i * 10 + (Math.abs(Math.floor(x0.data[i * 64]! * 3)) % 10)] = 1;
const x = Matrix.shared(x0);
const y = Matrix.shared(y0);
const network = (seed: number) => new Network(DIMS, [Relu, Softmax], { seed });

/** Per thread id: CPU ms and run-queue wait ms. */
function sample(): Map<string, { cpu: number; wait: number }> {
  const threads = new Map<string, { cpu: number; wait: number }>();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const [cpu, wait] = fs.readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ');
      threads.set(tid, { cpu: Number(cpu) / 1e6, wait: Number(wait) / 1e6 });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

function report(label: string, ms: number, before: ReturnType<typeof sample>, after: ReturnType<typeof sample>): void {
  const used = [...after].map(([tid, now]) => {
    const then = before.get(tid) ?? { cpu: 0, wait: 0 };
    return { tid, cpu: now.cpu - then.cpu, wait: now.wait - then.wait };
  });
  const total = used.reduce((sum, thread) => sum + thread.cpu, 0);
  const main = String(process.pid);
  const pool = used
    .filter((thread) => thread.tid !== main && thread.cpu > 60)
    .map((thread) => `idle ${(ms - thread.cpu - thread.wait).toFixed(0)} wait ${thread.wait.toFixed(0)}`);
  const each = used
    .filter((thread) => thread.cpu >= 1)
    .map((thread) => `${thread.tid === main ? 'M' : thread.tid}:${thread.cpu.toFixed(0)}`);
  process.stdout.write(
    `${label} ${ms.toFixed(0)} ms, CPU ${total.toFixed(0)} [${pool.join('; ')}] ${each.join(' ')}\n`,
  );
}

async function main(): Promise<void> {
  network(0).fit(x, y, { ...SETTINGS, epochs: 1 });
  let before = sample();
  let started = performance.now();
  for (let i = 1; i <= JOBS; i++) network(i).fit(x, y, SETTINGS);
  const sequentialMs = performance.now() - started;
  report('sequential', sequentialMs, before, sample());
  for (let round = 0; round <= ROUNDS; round++) {
    before = sample();
    started = performance.now();
    await Promise.all(Array.from({ length: JOBS }, (_, i) => network(i + 1).fitAsync(x, y, SETTINGS)));
    const ms = performance.now() - started;
    report(`round ${round} (${(sequentialMs / ms).toFixed(2)}x)`, ms, before, sample());
  }
  process.stdout.write(
    `load average ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')}\n`,
  );
}

void main();
