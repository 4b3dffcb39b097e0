/**
 * The memory probe, one fresh process per measurement (forked by bench/run.ts with --expose-gc):
 *
 *   tsx bench/memory.ts A|B <threads>     then one IPC message: { spec, data } in, the figures out
 *
 * A: JS heap allocated by A's whole fit (the heap's growth plus what every GC that ran during it
 *    freed, from v8.GCProfiler): the median of 5 fits, after one more fit that lets V8 compile the hot
 *    code first (compiled code lives on the heap too). Per step: that figure over the steps, an upper
 *    bound (what a fit allocates once is in it). Then the heap still held after forced GCs, and RSS
 *    growth, over the 5 fits.
 * B: peak RSS (getrusage's maxRSS) against the budget: this process's RSS once blasnet is loaded
 *    ("node's own baseline") plus the data's bytes plus 3x the parameters' bytes.
 */
import * as v8 from 'node:v8';

import { blasInfo, Matrix, MSE, Network, Relu, setNumThreads, Sigmoid } from '../lib';
import { lossChunkWorkspace, type DataFiles, type TrainSpec } from './config';
import { loadData, median } from './workers/kit';

const MB = 1024 * 1024;
const ACTIVATIONS = { relu: Relu, sigmoid: Sigmoid };

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
}

function fitOnce(spec: TrainSpec, data: DataFiles): { net: Network; x: Matrix; y: Matrix } {
  const { x: xs, y: ys } = loadData(data);
  const x = new Matrix(spec.rows, data.inputs, xs.subarray(0, spec.rows * data.inputs));
  const y = new Matrix(spec.rows, data.outputs, ys.subarray(0, spec.rows * data.outputs));
  const net = new Network(
    spec.dims,
    spec.activations.map((name) => ACTIVATIONS[name]),
    { seed: spec.seed },
  );
  return { net, x, y };
}

function fitOptions(spec: TrainSpec) {
  const ignore = (): void => {};
  return {
    loss: MSE,
    epochs: spec.epochs,
    batchSize: spec.batchSize,
    learningRate: spec.learningRate,
    logEvery: spec.logEvery,
    log: ignore,
  };
}

/** JS heap bytes allocated by one fit: the heap's growth plus what the GCs that ran during it freed. */
function allocatedBy(run: () => void): { bytes: number; gcs: number } {
  collect();
  const before = process.memoryUsage().heapUsed;
  const profiler = new v8.GCProfiler();
  profiler.start();
  run();
  const after = process.memoryUsage().heapUsed;
  const gcs = profiler.stop()?.statistics ?? [];
  const freed = gcs.reduce(
    (sum, gc) => sum + gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize,
    0,
  );
  return { bytes: after - before + freed, gcs: gcs.length };
}

function probeA(spec: TrainSpec, data: DataFiles) {
  const { net, x, y } = fitOnce(spec, data);
  net.fit(x, y, fitOptions(spec)); // warm-up: V8 compiles the hot code (code is heap too) before we count
  collect();
  const before = process.memoryUsage();
  const fits = Array.from({ length: 5 }, () => allocatedBy(() => net.fit(x, y, fitOptions(spec))));
  collect();
  const after = process.memoryUsage();
  const allocated = fits.map((fit) => fit.bytes);
  const steps = spec.epochs * Math.ceil(spec.rows / spec.batchSize);
  return {
    heapAllocatedMB: median(allocated) / MB,
    heapAllocatedMinMB: Math.min(...allocated) / MB,
    heapAllocatedMaxMB: Math.max(...allocated) / MB,
    gcsDuringFit: Math.max(...fits.map((fit) => fit.gcs)),
    bytesPerStep: median(allocated) / steps,
    heapRetainedMB: (after.heapUsed - before.heapUsed) / MB,
    rssGrowthMB: (after.rss - before.rss) / MB,
    externalGrowthMB: (after.external - before.external) / MB,
  };
}

function probeB(spec: TrainSpec, data: DataFiles) {
  collect();
  const baseline = process.memoryUsage().rss;
  const { net, x, y } = fitOnce(spec, data);
  const dataBytes = x.data.byteLength + y.data.byteLength;
  const parameterBytes = net.parameters.byteLength;
  net.fit(x, y, fitOptions(spec));
  const peak = process.resourceUsage().maxRSS * 1024;
  const budget = baseline + dataBytes + 3 * parameterBytes;
  // Where the rest goes, from the workspace sizes blasnet's layout reports (an internal API, hence the
  // guard): the training step's workspace, the loss report's (the library's own rule, lossChunkWorkspace:
  // none of its own when the training step's serves) and the gradient vector.
  const layout = (net as unknown as { layout?: { workspaceSize?: (rows: number) => number } }).layout;
  const workspaceMB = (rows: number) => (layout?.workspaceSize ? (layout.workspaceSize(rows) * 8) / MB : undefined);
  const lossChunks = lossChunkWorkspace(spec);
  return {
    trainingWorkspaceMB: workspaceMB(Math.min(spec.batchSize, spec.rows)),
    evaluationWorkspaceMB: lossChunks.shared ? 0 : workspaceMB(lossChunks.rows),
    gradientsMB: parameterBytes / MB,
    peakRssMB: peak / MB,
    baselineRssMB: baseline / MB,
    dataMB: dataBytes / MB,
    parametersMB: parameterBytes / MB,
    budgetMB: budget / MB,
    overBaselineMB: (peak - baseline) / MB,
  };
}

const [workload, threads] = [process.argv[2], Number(process.argv[3] ?? '1')];
process.once('message', (message: { spec: TrainSpec; data: DataFiles }) => {
  try {
    setNumThreads(threads);
    const core = blasInfo().core;
    const result = workload === 'A' ? probeA(message.spec, message.data) : probeB(message.spec, message.data);
    process.send!({ ok: true, result: { ...result, core, threads } }, () => process.exit(0));
  } catch (error) {
    process.send!({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, () =>
      process.exit(1),
    );
  }
});
