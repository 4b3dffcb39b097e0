/**
 * Workload D (issue 16): many small trainings at once, as a server that trains per customer would run
 * them. 32 networks of 64-32-10 (ReLU, softmax; cross-entropy, batches of 32, 5 epochs) on the same 2,000
 * synthetic rows, each with its own seed:
 *   sequential   the 32 `fit` calls one after another, on the main thread
 *   concurrent   the 32 `fitAsync` calls started at once, on the process-wide pool (default size: the
 *                cores): first on a cold pool (its threads start during the burst), then again on the
 *                same, now warm, threads (a long-lived server's case)
 * For each: wall time, the process's CPU time (all threads: on a shared machine, what the work cost
 * apart from waiting for the cores), event-loop delay p99 (monitorEventLoopDelay, 1 ms resolution), the most OS threads
 * the process had (/proc/self/task, sampled every 5 ms) and peak RSS over the phase (sampled likewise).
 * Every concurrent network must equal its `fit` twin bit for bit: the program exits 1 if one does not.
 *
 *   OPENBLAS_NUM_THREADS=1 npx tsx bench/concurrent.ts [--smoke] [--json FILE] [--dist] [--nice N]
 *
 * Sequential runs first, at the OpenBLAS thread count the process started with; the pool then lowers the
 * process-wide count so that size x threads fits the cores (see README, "Many models at once").
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import type { FitOptions, Matrix as MatrixType, Network as NetworkType } from '../lib';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    json: { type: 'string' },
    nice: { type: 'string' },
    dist: { type: 'boolean', default: false },
  },
});
// --dist: blasnet as the package runs it (dist/, `npm run build:ts` first), whose pool threads start in
// tens of milliseconds; from the sources, each thread first loads tsx and compiles lib/ (about a second).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- which build to load is the --dist flag's choice
const lib = (values.dist ? require('../dist') : require('../lib')) as typeof import('../lib');
const { configurePool, CrossEntropy, getNumThreads, Matrix, Network, poolInfo, Random, Relu, Softmax } = lib;
if (values.nice !== undefined) configurePool({ niceIncrement: Number(values.nice) });
const smoke = values.smoke ?? false;
const JOBS = smoke ? 6 : 32;
const ROWS = smoke ? 200 : 2_000;
const DIMS = [64, 32, 10];
const SETTINGS: FitOptions = {
  loss: CrossEntropy,
  epochs: smoke ? 2 : 5,
  batchSize: 32,
  learningRate: 0.05,
  log: null,
};

function data(): { x: MatrixType; y: MatrixType } {
  const random = new Random(11);
  const x = new Matrix(ROWS, DIMS[0]!);
  for (let i = 0; i < x.data.length; i++) x.data[i] = random.normal();
  const y = new Matrix(ROWS, DIMS[2]!);
  for (let i = 0; i < ROWS; i++)
    y.data[i * DIMS[2]! + (Math.abs(Math.floor(x.data[i * DIMS[0]!]! * 3)) % DIMS[2]!)] = 1;
  return { x, y };
}

const network = (seed: number): NetworkType => new Network(DIMS, [Relu, Softmax], { seed });

function osThreads(): number {
  try {
    return fs.readdirSync('/proc/self/task').length;
  } catch {
    return NaN; // not Linux
  }
}

interface Phase {
  name: string;
  seconds: number;
  p99Ms: number;
  maxMs: number;
  maxThreads: number;
  peakRssMb: number;
  /** CPU time of the whole process (every thread) over the phase: on a shared machine, what the work cost. */
  cpuSeconds: number;
}

/** Runs `work` while sampling the event loop, the thread count and RSS. */
async function measure(name: string, work: () => Promise<void> | void): Promise<Phase> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let maxThreads = osThreads();
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    maxThreads = Math.max(maxThreads, osThreads());
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 5);
  histogram.enable();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  histogram.disable();
  clearInterval(sampler);
  maxThreads = Math.max(maxThreads, osThreads());
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  return {
    name,
    seconds,
    p99Ms: histogram.percentile(99) / 1e6,
    maxMs: histogram.max / 1e6,
    maxThreads,
    peakRssMb: peakRss / 2 ** 20,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
}

function sameBits(a: Float64Array | Float32Array, b: Float64Array | Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

async function main(): Promise<void> {
  // On shared memory, as a server that trains many models on the same rows keeps them (Matrix.shared):
  // each fitAsync then shares them with its thread instead of copying them.
  const { x, y } = (({ x, y }) => ({ x: Matrix.shared(x), y: Matrix.shared(y) }))(data());
  const startThreads = getNumThreads();
  const baselineThreads = osThreads();
  // One fit first, so neither phase pays for loading the addon or compiling the hot code.
  network(0).fit(x, y, { ...SETTINGS, epochs: 1 });

  const twins: NetworkType[] = [];
  const sequential = await measure('sequential fit', () => {
    for (let i = 1; i <= JOBS; i++) {
      const net = network(i);
      net.fit(x, y, SETTINGS);
      twins.push(net);
    }
  });
  const burst = async (): Promise<NetworkType[]> => {
    const nets = Array.from({ length: JOBS }, (_, i) => network(i + 1));
    await Promise.all(nets.map((net) => net.fitAsync(x, y, SETTINGS)));
    return nets;
  };
  let coldNets: NetworkType[] = [];
  const cold = await measure('fitAsync, cold pool', async () => void (coldNets = await burst()));
  let warmNets: NetworkType[] = [];
  const warm = await measure('fitAsync, warm pool', async () => void (warmNets = await burst()));

  const mismatches = [...coldNets, ...warmNets].filter(
    (net, i) => !sameBits(net.parameters, twins[i % JOBS]!.parameters),
  ).length;
  const pool = poolInfo();
  const result = {
    workload: { jobs: JOBS, rows: ROWS, dims: DIMS, epochs: SETTINGS.epochs, batchSize: SETTINGS.batchSize },
    cores: os.availableParallelism(),
    openblasThreads: { sequential: startThreads, pool: getNumThreads() },
    pool: { size: pool.size, threadsPerWorker: pool.threadsPerWorker },
    baselineThreads,
    loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
    phases: [sequential, cold, warm],
    speedup: { cold: sequential.seconds / cold.seconds, warm: sequential.seconds / warm.seconds },
    bitIdentical: mismatches === 0,
  };
  const f = (v: number, d = 2) => v.toFixed(d);
  const lines = [
    `workload D: ${JOBS} x ${DIMS.join('-')} on ${ROWS} rows, ${SETTINGS.epochs} epochs; ${result.cores} cores; OpenBLAS threads ${startThreads} (sequential), ${getNumThreads()} (pool of ${pool.size}); load average ${result.loadAverage.join(' ')}`,
    '| phase | seconds | vs sequential | CPU s | loop p99 ms | loop max ms | threads (baseline ' +
      baselineThreads +
      ') | peak RSS MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...result.phases.map(
      (p) =>
        `| ${p.name} | ${f(p.seconds, 3)} | ${f(sequential.seconds / p.seconds)}x | ${f(p.cpuSeconds, 3)} | ${p.name.startsWith('sequential') ? '(blocked)' : f(p.p99Ms)} | ${f(p.maxMs, 1)} | ${p.maxThreads} | ${f(p.peakRssMb, 0)} |`,
    ),
    `every concurrent network bit-identical to its fit twin: ${result.bitIdentical ? 'yes' : `NO (${mismatches} differ)`}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (values.json) fs.writeFileSync(values.json, `${JSON.stringify(result, null, 1)}\n`);
  if (!result.bitIdentical) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
