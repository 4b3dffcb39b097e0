/**
 * The benchmark worker for blasnet itself, through its public API only:
 *
 *   tsx bench/workers/blasnet.ts <native|js> <threads> [float64|float32] [predictor]   (forked by bench/run.ts)
 *
 * train: `new Network(...)` then the time of `fit` alone (its loss report every logEvery epochs included,
 * logged to a no-op function rather than the console). predict: `net.predict(matrix)` on a prebuilt Matrix,
 * or with `predictor`, `run(matrix)` of a `net.predictor({ rows })` prepared beforehand.
 */
import { blasInfo, Matrix, MSE, Network, Relu, setNumThreads, Sigmoid } from '../../lib';
import type { DataFiles, TrainSpec } from '../config';
import { loadData, now, serve, timeCalls, type WorkerMessage } from './kit';

const backend = process.argv[2] === 'js' ? 'js' : 'native';
const threads = Number(process.argv[3] ?? '1');
const dtype = process.argv[4] === 'float32' ? 'float32' : 'float64';
const prepared = process.argv[5] === 'predictor';
const ACTIVATIONS = { relu: Relu, sigmoid: Sigmoid };

function makeNetwork(spec: TrainSpec): Network<'float64' | 'float32'> {
  return new Network(
    spec.dims,
    spec.activations.map((name) => ACTIVATIONS[name]),
    { seed: spec.seed, backend, dtype },
  );
}

function leadingRows(data: DataFiles, rows: number): { x: Matrix; y: Matrix } {
  const { x, y } = loadData(data);
  return {
    x: new Matrix(rows, data.inputs, x.subarray(0, rows * data.inputs)),
    y: new Matrix(rows, data.outputs, y.subarray(0, rows * data.outputs)),
  };
}

function train(message: WorkerMessage) {
  const spec = message.spec as TrainSpec;
  const { x, y } = leadingRows(message.data as DataFiles, spec.rows);
  const net = makeNetwork(spec);
  const ignore = (): void => {};
  const start = now();
  const history = net.fit(x, y, {
    loss: MSE,
    epochs: spec.epochs,
    batchSize: spec.batchSize,
    learningRate: spec.learningRate,
    logEvery: spec.logEvery,
    log: ignore,
  });
  const seconds = now() - start;
  return { seconds, loss: history.loss[history.loss.length - 1], samples: spec.rows * spec.epochs };
}

const networks = new Map<string, Network<'float64' | 'float32'>>();
function predict(message: WorkerMessage) {
  const spec = message.spec as TrainSpec;
  const rows = message.rows as number;
  const key = spec.dims.join('-');
  if (!networks.has(key)) networks.set(key, makeNetwork(spec));
  const net = networks.get(key)!;
  const { x } = leadingRows(message.data as DataFiles, rows);
  if (prepared) {
    const run = net.predictor({ rows });
    return timeCalls(() => run(x), message.batches as number, message.batchSeconds as number);
  }
  return timeCalls(() => net.predict(x), message.batches as number, message.batchSeconds as number);
}

serve(() => {
  const info: Record<string, unknown> = { library: `blasnet (${backend} backend)`, node: process.version };
  if (backend === 'native') {
    setNumThreads(threads);
    const blas = blasInfo();
    Object.assign(info, {
      blas: `OpenBLAS ${blas.version}`,
      core: blas.core,
      coreSource: blas.coreSource,
      threads: blas.threads,
      smallGemm: blas.smallGemm,
    });
  } else {
    info.threads = 1;
  }
  return { info, handlers: { train, predict } };
});
