/**
 * Run by networks.leak.test.ts in a child process with --expose-gc: builds, trains for one epoch, uses and
 * drops networks, and prints RSS and heap after forced collections, before and after, as JSON.
 *
 *   churn-networks.ts <count> [fit|fitAsync]     fitAsync trains each network on a thread of the pool
 */
import { CrossEntropy, Network, Random, Relu, Softmax, oneHot, Matrix, releaseFreeMemory } from '../../lib';

const count = Number(process.argv[2] ?? 1000);
const mode = process.argv[3] ?? 'fit';
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const random = new Random(1);
const x = new Matrix(128, 64);
for (let i = 0; i < x.data.length; i++) x.data[i] = random.normal();
const y = oneHot(
  Array.from({ length: 128 }, () => random.integer(10)),
  10,
);

const fitOptions = { loss: CrossEntropy, epochs: 1, batchSize: 16, learningRate: 0.05 };

function use(net: Network): void {
  net.predict(x);
  net.gradients(x, y, CrossEntropy);
}

function churn(n: number): void {
  for (let i = 0; i < n; i++) {
    const net = new Network([64, 15, 10], [Relu, Softmax], { seed: i });
    net.fit(x, y, { ...fitOptions, log: null });
    use(net);
  }
}

/** As churn, training each network with fitAsync: a pool thread's job, its messages, buffers and port, per run. */
async function churnAsync(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const net = new Network([64, 15, 10], [Relu, Softmax], { seed: i });
    await net.fitAsync(x, y, { ...fitOptions, log: null });
    use(net);
  }
}

/**
 * RSS after full collections and a trim of the C heap, at its lowest over a few rounds. Freed typed-array
 * stores go back to malloc, which by itself returns only the top of its heap to the OS: without the trim the
 * fitAsync churn's growth was bimodal, about 5 or about 20 MB from run to run (freed pages held below a live
 * allocation, docs/design.md), with it 0-4 MB. What is left after the trim is memory the process still holds.
 */
function settle(): { rss: number; heap: number } {
  let rss = Infinity;
  let heap = Infinity;
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 3; i++) gc!();
    releaseFreeMemory();
    rss = Math.min(rss, process.memoryUsage.rss());
    heap = Math.min(heap, process.memoryUsage().heapUsed);
  }
  return { rss, heap };
}

/**
 * With fitAsync, waits until the pool's threads have run the full collection they make once idle for
 * 250 ms (lib/train/pool-worker.ts): until then a thread's heap may still hold its last jobs' objects and
 * buffers (it scavenges after each job and collects fully only when idle or after many bytes), which the
 * main thread's gc() cannot reach. Without the wait the growth over 100 runs was about 0 or 11-15 MB from
 * run to run (6 runs), depending on what the threads still held at each of the two measurements.
 */
async function poolIdle(): Promise<void> {
  if (mode === 'fitAsync') await new Promise((resolve) => setTimeout(resolve, 600));
}

async function main(): Promise<void> {
  const run = mode === 'fitAsync' ? churnAsync : async (n: number) => churn(n);
  // Warm up: JIT, allocator arenas, OpenBLAS buffers (and for fitAsync, worker start-up) reach their
  // steady state.
  await run(mode === 'fitAsync' ? 30 : 1000);
  await poolIdle();
  const before = settle();
  await run(count);
  await poolIdle();
  const after = settle();
  process.stdout.write(JSON.stringify({ count, mode, before, after }));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
