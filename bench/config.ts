/**
 * The workloads of issue 4, in one place: every implementation (blasnet, numpy, PyTorch, tfjs, brain.js)
 * and the dgemm-only bound receive these descriptions, so they cannot drift apart.
 */
import { ActivationCode } from '../lib/backend/kernels';
import { NetworkLayout } from '../lib/backend/layout';
import { evaluationCapacity, trainingWorkspaceServesEvaluation } from '../lib/train/workspace';

/** What every training implementation is told: the same shapes, batch, loss, step size and schedule. */
export interface TrainSpec {
  /** Layer sizes, inputs first. */
  dims: number[];
  /** One per non-input layer. */
  activations: ('relu' | 'sigmoid')[];
  /** Always mean squared error (PyTorch's MSELoss, mean over every element). */
  loss: 'mse';
  batchSize: number;
  epochs: number;
  learningRate: number;
  /** The loss over the whole training set is computed every this many epochs, and after the last. */
  logEvery: number;
  /** Rows trained on (the leading rows of the data set). */
  rows: number;
  /** Seed of weights and shuffling (each library's own generator). */
  seed: number;
}

/** A data set on disk, as raw little-endian float64, row-major (written by bench/data.ts). */
export interface DataFiles {
  x: string;
  y: string;
  rows: number;
  inputs: number;
  outputs: number;
}

export interface Workload {
  id: 'A' | 'B';
  title: string;
  train: TrainSpec;
  data: DataFiles;
}

/** A `predict` latency case: rows per call on one of the networks. */
export interface LatencyCase {
  id: string;
  network: 'A' | 'B';
  rows: number;
}

export interface Suite {
  smoke: boolean;
  A: Omit<Workload, 'data'>;
  B: Omit<Workload, 'data'>;
  /** Rows and epochs of B for the implementations too slow for all of it (samples/s is a rate). */
  reducedB: { rows: number; epochs: number };
  latency: LatencyCase[];
  /** Each latency figure: the median over this many timed batches of calls... */
  latencyBatches: number;
  /** ...each batch lasting at least this long. */
  latencyBatchSeconds: number;
  /** Runs per figure (the median of them is reported). */
  runs: number;
  /** Runs for implementations whose first run took longer than slowSeconds. */
  slowRuns: number;
  slowSeconds: number;
  /** Repeats of each product set inside one run of the dgemm program. */
  dgemmRepeats: number;
}

/**
 * Rows per forward pass when blasnet measures the loss of a whole data set during fit: the library's own
 * rule (evaluationCapacity: within 1024 rows and a 4 MiB workspace, or the minibatch's rows when the
 * training workspace serves), asked rather than copied so the two cannot drift apart.
 */
export function lossChunkRows(spec: TrainSpec): number {
  return lossChunkWorkspace(spec).rows;
}

/** As lossChunkRows, and whether those passes share the training step's workspace. */
export function lossChunkWorkspace(spec: TrainSpec): { rows: number; shared: boolean } {
  const layout = new NetworkLayout(
    spec.dims,
    spec.dims.slice(1).map(() => ActivationCode.relu),
  );
  const batchRows = Math.min(spec.batchSize, spec.rows);
  if (trainingWorkspaceServesEvaluation(layout, 'float64', batchRows, spec.rows))
    return { rows: batchRows, shared: true };
  return { rows: evaluationCapacity(layout, 'float64', spec.rows), shared: false };
}

const DIGITS_ROWS = 1797;

export function makeSuite(options: { smoke: boolean; runs?: number }): Suite {
  const { smoke } = options;
  const A = {
    id: 'A' as const,
    title: 'digits 64-15-10, ReLU/sigmoid, MSE, batch 15, 100 epochs, 1797 rows',
    train: {
      dims: [64, 15, 10],
      activations: ['relu', 'sigmoid'] as ('relu' | 'sigmoid')[],
      loss: 'mse' as const,
      batchSize: 15,
      epochs: smoke ? 2 : 100,
      learningRate: 0.1,
      logEvery: smoke ? 1 : 10,
      rows: smoke ? 300 : DIGITS_ROWS,
      seed: 1,
    },
  };
  const B = {
    id: 'B' as const,
    title: 'synthetic 784-512-512-10, ReLU/ReLU/sigmoid, MSE, batch 256, 10,000 rows, 3 epochs',
    train: {
      dims: smoke ? [64, 32, 32, 10] : [784, 512, 512, 10],
      activations: ['relu', 'relu', 'sigmoid'] as ('relu' | 'sigmoid')[],
      loss: 'mse' as const,
      batchSize: smoke ? 64 : 256,
      epochs: smoke ? 1 : 3,
      learningRate: 0.1,
      logEvery: 10,
      rows: smoke ? 512 : 10000,
      seed: 1,
    },
  };
  if (smoke) {
    A.title = `smoke: ${A.train.dims.join('-')}, ${A.train.rows} digits rows, ${A.train.epochs} epochs`;
    B.title = `smoke: ${B.train.dims.join('-')}, ${B.train.rows} rows, ${B.train.epochs} epoch`;
  }
  return {
    smoke,
    A,
    B,
    reducedB: smoke ? { rows: 128, epochs: 1 } : { rows: 512, epochs: 1 },
    latency: [
      { id: 'C A 1 row', network: 'A', rows: 1 },
      { id: 'C A 64 rows', network: 'A', rows: 64 },
      { id: 'C B 1 row', network: 'B', rows: 1 },
      { id: 'C B 64 rows', network: 'B', rows: 64 },
    ],
    latencyBatches: smoke ? 2 : 7,
    latencyBatchSeconds: smoke ? 0.002 : 0.03,
    runs: options.runs ?? (smoke ? 1 : 5),
    slowRuns: smoke ? 1 : 3,
    slowSeconds: 10,
    dgemmRepeats: smoke ? 2 : 15,
  };
}

/** One cblas_dgemm call: C (m x n) = op(A) (m x k) * op(B) (k x n), row-major. */
export interface GemmShape {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
}

/**
 * The products of one training step on `rows` rows, in the order blasnet's network kernel makes them
 * (native/kernels/network.h). Weights are stored inputs x outputs, so z = a W:
 *   forward of layer i:        z_i (rows x out)  = a_{i-1} (rows x in) * W_i (in x out)        N, N
 *   weight gradient of layer i: dW_i (in x out)  = a_{i-1}^T (in x rows) * delta_i (rows x out) T, N
 *   delta below layer i > 1:   d_{i-1} (rows x in) = delta_i (rows x out) * W_i^T (out x in)    N, T
 * (no delta is needed below the first layer).
 */
export function stepShapes(dims: readonly number[], rows: number): GemmShape[] {
  const shapes: GemmShape[] = forwardShapes(dims, rows);
  for (let i = dims.length - 2; i >= 0; i--) {
    const inputs = dims[i]!;
    const outputs = dims[i + 1]!;
    shapes.push({ transA: true, transB: false, m: inputs, n: outputs, k: rows });
    if (i > 0) shapes.push({ transA: false, transB: true, m: rows, n: inputs, k: outputs });
  }
  return shapes;
}

/** The forward products over `rows` rows: what predict and the loss report make. */
export function forwardShapes(dims: readonly number[], rows: number): GemmShape[] {
  const shapes: GemmShape[] = [];
  for (let i = 0; i + 1 < dims.length; i++)
    shapes.push({ transA: false, transB: false, m: rows, n: dims[i + 1]!, k: dims[i]! });
  return shapes;
}

/** Floating-point operations of a list of products (2 m n k each). */
export function flops(shapes: readonly GemmShape[]): number {
  return shapes.reduce((sum, s) => sum + 2 * s.m * s.n * s.k, 0);
}

/** How many times fit measures the loss of the whole training set. */
export function lossReports(spec: Pick<TrainSpec, 'epochs' | 'logEvery'>): number {
  let reports = 0;
  for (let epoch = 1; epoch <= spec.epochs; epoch++)
    if (epoch % spec.logEvery === 0 || epoch === spec.epochs) reports++;
  return reports;
}

/**
 * Everything fit multiplies, as (shape set, how many times): the full batches and the shorter last batch
 * of every epoch, and the chunked forward passes of every loss report.
 */
export function fitProducts(spec: TrainSpec): { label: string; shapes: GemmShape[]; count: number }[] {
  const sets: { label: string; shapes: GemmShape[]; count: number }[] = [];
  const fullBatches = Math.floor(spec.rows / spec.batchSize);
  const lastBatch = spec.rows % spec.batchSize;
  sets.push({
    label: `step of ${spec.batchSize} rows`,
    shapes: stepShapes(spec.dims, spec.batchSize),
    count: fullBatches * spec.epochs,
  });
  if (lastBatch > 0)
    sets.push({ label: `step of ${lastBatch} rows`, shapes: stepShapes(spec.dims, lastBatch), count: spec.epochs });
  const reports = lossReports(spec);
  const chunk = lossChunkRows(spec);
  const fullChunks = Math.floor(spec.rows / chunk);
  const lastChunk = spec.rows % chunk;
  if (fullChunks > 0) {
    sets.push({
      label: `loss forward of ${chunk} rows`,
      shapes: forwardShapes(spec.dims, chunk),
      count: fullChunks * reports,
    });
  }
  if (lastChunk > 0)
    sets.push({
      label: `loss forward of ${lastChunk} rows`,
      shapes: forwardShapes(spec.dims, lastChunk),
      count: reports,
    });
  return sets;
}
