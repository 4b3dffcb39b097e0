'use strict';
/**
 * The benchmark worker for TensorFlow.js, installed into bench/peers by `npm run bench:peers`:
 *
 *   node bench/workers/tfjs.js <cpu|wasm>       (forked by bench/run.ts)
 *
 * What a tfjs user writes: tf.sequential of dense layers, compile with tf.train.sgd and
 * 'meanSquaredError', then model.fit with the batch size, epochs and shuffle, and model.evaluate for the
 * loss report. Limits, noted in the table: tfjs computes in float32 (no float64 kernels); both backends
 * run on one thread in Node (the wasm backend's threaded build needs a browser's cross-origin isolation);
 * `yieldEvery: 'never'` spares fit its default pauses for the event loop between batches.
 * @tensorflow/tfjs-node (libtensorflow) cannot be installed offline: its install script downloads it.
 */
const path = require('node:path');
const { createRequire } = require('node:module');
const { loadData, now, serve, timeCalls } = require('./kit');

const backend = process.argv[2] === 'wasm' ? 'wasm' : 'cpu';
const peers = createRequire(path.join(__dirname, '..', 'peers', 'package.json'));

serve(async () => {
  // tfjs greets Node users on the console; the orchestrator discards worker output unless the worker fails.
  const tf = peers('@tensorflow/tfjs');
  if (backend === 'wasm') peers('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not initialise`);
  await tf.ready();

  const tensors = new Map();
  /** x and y of the leading rows as float32 tensors, made once (data preparation, not training). */
  function tensorsOf(data, rows) {
    const key = `${data.x}|${rows}`;
    if (!tensors.has(key)) {
      const { x, y } = loadData(data);
      tensors.set(key, {
        x: tf.tensor2d(Float32Array.from(x.subarray(0, rows * data.inputs)), [rows, data.inputs]),
        y: tf.tensor2d(Float32Array.from(y.subarray(0, rows * data.outputs)), [rows, data.outputs]),
      });
    }
    return tensors.get(key);
  }

  function makeModel(spec) {
    const model = tf.sequential();
    spec.activations.forEach((activation, i) => {
      model.add(
        tf.layers.dense({ units: spec.dims[i + 1], activation, inputShape: i === 0 ? [spec.dims[0]] : undefined }),
      );
    });
    return model;
  }

  async function train(message) {
    const { spec, data } = message;
    const { x, y } = tensorsOf(data, spec.rows);
    const model = makeModel(spec);
    model.compile({ optimizer: tf.train.sgd(spec.learningRate), loss: 'meanSquaredError' });
    let loss;
    const report = async (epoch) => {
      if (epoch % spec.logEvery === 0 || epoch === spec.epochs) {
        const value = model.evaluate(x, y, { batchSize: 1024 });
        loss = (await value.data())[0];
        value.dispose();
      }
    };
    const start = now();
    await model.fit(x, y, {
      batchSize: spec.batchSize,
      epochs: spec.epochs,
      shuffle: true,
      verbose: 0,
      yieldEvery: 'never',
      callbacks: { onEpochEnd: (epoch) => report(epoch + 1) },
    });
    const seconds = now() - start;
    model.dispose();
    return { seconds, loss, samples: spec.rows * spec.epochs };
  }

  const models = new Map();
  function predict(message) {
    const { spec, data, rows } = message;
    const key = spec.dims.join('-');
    if (!models.has(key)) models.set(key, makeModel(spec));
    const model = models.get(key);
    const { x } = tensorsOf(data, rows);
    return timeCalls(
      () => {
        const out = model.predict(x);
        out.dataSync();
        out.dispose();
      },
      message.batches,
      message.batchSeconds,
    );
  }

  const info = {
    library: `@tensorflow/tfjs ${tf.version.tfjs} (${backend} backend)`,
    threads: 1,
    precision: 'float32',
  };
  if (backend === 'wasm') {
    const wasm = peers('@tensorflow/tfjs-backend-wasm');
    info.threads = wasm.getThreadsCount();
    info.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  }
  return { info, handlers: { train, predict } };
});
