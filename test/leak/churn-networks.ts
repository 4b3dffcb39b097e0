/**
 * Run by networks.leak.test.ts in a child process with --expose-gc: builds, trains for one epoch, uses and
 * drops networks, and prints RSS and heap after forced collections, before and after, as JSON.
 */
import { CrossEntropy, Network, Random, Relu, Softmax, oneHot, Matrix } from '../../lib';

const count = Number(process.argv[2] ?? 1000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const random = new Random(1);
const x = new Matrix(128, 64);
for (let i = 0; i < x.data.length; i++) x.data[i] = random.normal();
const y = oneHot(Array.from({ length: 128 }, () => random.integer(10)), 10);

function churn(n: number): void {
  for (let i = 0; i < n; i++) {
    const net = new Network([64, 15, 10], [Relu, Softmax], { seed: i });
    net.fit(x, y, { loss: CrossEntropy, epochs: 1, batchSize: 16, learningRate: 0.05, log: null });
    net.predict(x);
    net.gradients(x, y, CrossEntropy);
  }
}

/**
 * RSS after full collections, at its lowest over a few rounds: freed typed-array stores go back to malloc,
 * which returns pages to the OS in its own time, so a single reading wanders by megabytes either way.
 */
function settle(): { rss: number; heap: number } {
  let rss = Infinity;
  let heap = Infinity;
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 3; i++) gc!();
    rss = Math.min(rss, process.memoryUsage.rss());
    heap = Math.min(heap, process.memoryUsage().heapUsed);
  }
  return { rss, heap };
}

churn(1000); // warm up: JIT, allocator arenas, OpenBLAS buffers reach their steady state
const before = settle();
churn(count);
const after = settle();
process.stdout.write(JSON.stringify({ count, before, after }));
