'use strict';
/**
 * The benchmark worker for brain.js (the `latest` release on npm), installed into bench/peers by
 * `npm run bench:peers`:
 *
 *   node bench/workers/brainjs.js        (forked by bench/run.ts)
 *
 * Its limits, noted in the table rather than bent around: NeuralNetwork trains one row at a time (no
 * minibatches), in data order (no reshuffle), with momentum (0.1 by default; it rejects 0), and one
 * activation for every layer (sigmoid here: the workloads' output activation); it measures its training
 * error while it trains, every iteration, instead of a separate loss pass every 10 epochs. One
 * iteration is one epoch. Inputs are plain arrays (brain.js treats typed arrays as key-value objects).
 */
const path = require('node:path');
const { createRequire } = require('node:module');
const { loadData, now, serve, timeCalls } = require('./kit');

const peers = createRequire(path.join(__dirname, '..', 'peers', 'package.json'));

serve(() => {
  const brain = peers('brain.js');
  const version = peers('brain.js/package.json').version;

  const rowsCache = new Map();
  function samples(data, rows) {
    const key = `${data.x}|${rows}`;
    if (!rowsCache.has(key)) {
      const { x, y } = loadData(data);
      const list = [];
      for (let r = 0; r < rows; r++) {
        list.push({
          input: Array.from(x.subarray(r * data.inputs, (r + 1) * data.inputs)),
          output: Array.from(y.subarray(r * data.outputs, (r + 1) * data.outputs)),
        });
      }
      rowsCache.set(key, list);
    }
    return rowsCache.get(key);
  }

  function makeNetwork(spec) {
    return new brain.NeuralNetwork({ hiddenLayers: spec.dims.slice(1, -1), activation: 'sigmoid' });
  }

  function train(message) {
    const { spec, data } = message;
    const rows = samples(data, spec.rows);
    const net = makeNetwork(spec);
    const start = now();
    const result = net.train(rows, {
      iterations: spec.epochs,
      errorThresh: 1e-12,
      learningRate: spec.learningRate,
      log: false,
    });
    const seconds = now() - start;
    return { seconds, loss: result.error, samples: spec.rows * spec.epochs };
  }

  const networks = new Map();
  function predict(message) {
    const { spec, data } = message;
    const key = spec.dims.join('-');
    if (!networks.has(key)) {
      // brain.js sizes and initialises a network on its first training run: one iteration on one row.
      const net = makeNetwork(spec);
      net.train(samples(data, 1), { iterations: 1, log: false });
      networks.set(key, net);
    }
    const net = networks.get(key);
    const inputs = samples(data, message.rows).map((row) => row.input);
    // brain.js has no batch call: 64 rows are 64 calls of run().
    const call = inputs.length === 1 ? () => net.run(inputs[0]) : () => inputs.forEach((input) => net.run(input));
    return timeCalls(call, message.batches, message.batchSeconds);
  }

  return { info: { library: `brain.js ${version}`, threads: 1 }, handlers: { train, predict } };
});
