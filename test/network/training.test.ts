/**
 * Training: a step worked out by hand, parity between backends, bit-for-bit determinism, and learning on
 * the digits set.
 */
import * as path from 'node:path';

import {
  argmaxRows,
  accuracy,
  CrossEntropy,
  Identity,
  MSE,
  Network,
  oneHot,
  readCsv,
  Relu,
  SGD,
  Sigmoid,
  Softmax,
  splitColumn,
  Standardizer,
  takeLabels,
  takeRows,
  trainTestSplit,
} from '../../lib';
import { Random } from '../../lib/random';
import { normwiseError } from '../helpers/numbers';
import { describeBackends } from '../helpers/backends';

describe('one SGD step on a 2-3-1 network, by hand', () => {
  describeBackends('a 2-3-1 network', ({ name: backend }) => {
    it('gives the loss and weights computed by hand', () => {
      const net = new Network([2, 3, 1], [Relu, Identity], { seed: 0, backend });
      net.layers[0]!.weights.set([1, 0, -1, 0, 1, 1]); // rows: input 0, input 1
      net.layers[0]!.biases.set([0, 0, 0]);
      net.layers[1]!.weights.set([1, 1, -1]);
      net.layers[1]!.biases.set([0.5]);
      // x = [1, 2]: z1 = [1, 2, 1], a1 = relu(z1) = [1, 2, 1]; z2 = 1 + 2 - 1 + 0.5 = 2.5 = output.
      // y = 1: loss = (2.5 - 1)^2 = 2.25; d(loss)/dz2 = 2 (2.5 - 1) = 3.
      // dW2 = a1^T 3 = [3, 6, 3], db2 = 3; delta1 = 3 W2^T * relu'(z1) = [3, 3, -3];
      // dW1 = x^T delta1 = [[3, 3, -3], [6, 6, -6]], db1 = [3, 3, -3].
      // With learning rate 0.1: W1 -= 0.1 dW1, and so on.
      const history = net.fit([[1, 2]], [[1]], { loss: MSE, epochs: 1, batchSize: 1, learningRate: 0.1, log: null });
      const close = (actual: Float64Array, expected: number[]) =>
        expected.forEach((v, i) => expect(actual[i]).toBeCloseTo(v, 14));
      close(net.layers[0]!.weights, [0.7, -0.3, -0.7, -0.6, 0.4, 1.6]);
      close(net.layers[0]!.biases, [-0.3, -0.3, 0.3]);
      close(net.layers[1]!.weights, [0.7, 0.4, -1.3]);
      close(net.layers[1]!.biases, [0.2]);
      // After the step: a1 = relu([0.7 - 1.2, -0.3 + 0.8, -0.7 + 3.2] + [-0.3, -0.3, 0.3]) = relu([-0.8, 0.2, 2.8])
      // = [0, 0.2, 2.8]; output = 0.4 * 0.2 - 1.3 * 2.8 + 0.2 = -3.36; loss = (-3.36 - 1)^2 = 19.0096.
      expect(history.epoch).toEqual([1]);
      expect(history.loss[0]).toBeCloseTo(19.0096, 12);
    });
  });
});

function syntheticData(rows: number, inputs: number, classes: number, seed: number) {
  const random = new Random(seed);
  const x = Array.from({ length: rows }, () => Array.from({ length: inputs }, () => random.normal()));
  const labels = x.map((row) => Math.abs(Math.floor(row.reduce((s, v) => s + v, 0) * 2)) % classes);
  return { x, y: oneHot(labels, classes) };
}

describe('training', () => {
  const { x, y } = syntheticData(203, 12, 4, 5); // 203 rows: the last batch of 16 is short

  it('gives the same weights and loss history on native and js after one epoch (1e-9)', () => {
    const nets = (['native', 'js'] as const).map(
      (backend) => new Network([12, 9, 7, 4], [Relu, Sigmoid, Softmax], { seed: 42, backend }),
    );
    const histories = nets.map((net) =>
      net.fit(x, y, { loss: CrossEntropy, epochs: 1, batchSize: 16, learningRate: 0.1, log: null }),
    );
    nets[0]!.layers.forEach((layer, i) => {
      expect(normwiseError(layer.weights, nets[1]!.layers[i]!.weights)).toBeLessThanOrEqual(1e-9);
      expect(normwiseError(layer.biases, nets[1]!.layers[i]!.biases)).toBeLessThanOrEqual(1e-9);
    });
    expect(histories[0]!.epoch).toEqual(histories[1]!.epoch);
    expect(Math.abs(histories[0]!.loss[0]! - histories[1]!.loss[0]!)).toBeLessThanOrEqual(1e-9);
  });

  describeBackends('is bit-for-bit reproducible from the seed', ({ name: backend }) => {
    it('is bit-for-bit reproducible from the seed', () => {
      const run = () => {
        const net = new Network([12, 9, 4], [Relu, Softmax], { seed: 9, backend });
        const history = net.fit(x, y, {
          loss: CrossEntropy,
          epochs: 5,
          batchSize: 10,
          learningRate: 0.1,
          logEvery: 1,
          log: null,
        });
        return { weights: net.layers.map((l) => Array.from(l.weights)), history };
      };
      expect(run()).toEqual(run());
    });
  });

  it('trains the last, shorter batch instead of dropping it', () => {
    // Three rows, batch size 2, no shuffling: the second batch holds only the third row.
    const net = new Network([1, 1], [Identity], { seed: 0, backend: 'js' });
    net.layers[0]!.weights.set([0]);
    net.fit([[1], [1], [2]], [[0], [0], [2]], {
      loss: MSE,
      epochs: 1,
      batchSize: 2,
      learningRate: 0.25,
      shuffle: false,
      log: null,
    });
    // Batch 1: outputs 0, targets 0: no change. Batch 2: output 0, target 2: d(loss)/dz = 2 (0 - 2) = -4,
    // so w = 0 + 0.25 * 4 * 2 = 2 and b = 0 + 0.25 * 4 = 1. Had the batch been dropped, both would be 0.
    expect(net.layers[0]!.weights[0]).toBe(2);
    expect(net.layers[0]!.biases[0]).toBe(1);
  });

  it('reports the loss every logEvery epochs and after the last, to the log function', () => {
    const lines: string[] = [];
    const net = new Network([12, 4], [Softmax], { seed: 1 });
    const history = net.fit(x, y, {
      loss: CrossEntropy,
      epochs: 25,
      batchSize: 50,
      logEvery: 10,
      log: (l) => lines.push(l),
    });
    expect(history.epoch).toEqual([10, 20, 25]);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^epoch 10\/25 {2}loss \d\.\d+/);
    // The logged loss is the full-data loss, as gradients() computes it.
    expect(history.loss[2]).toBeCloseTo(net.gradients(x, y, CrossEntropy).loss, 12);
  });

  it('accepts a batch size larger than the data (one batch of all rows)', () => {
    const net = new Network([12, 4], [Softmax], { seed: 1 });
    const before = net.parameters.slice();
    const { weights, biases } = net.gradients(x, y, CrossEntropy);
    net.fit(x, y, { loss: CrossEntropy, epochs: 1, batchSize: 10_000, log: null });
    // One plain SGD step (rate 0.01, the default) on the gradient of all rows.
    expect(net.optimizer!.steps).toBe(1);
    const step = [...weights[0]!, ...biases[0]!];
    net.parameters.forEach((value, i) => expect(value).toBeCloseTo(before[i]! - 0.01 * step[i]!, 12));
  });

  it('predicts in chunks: 2500 rows give the same outputs as row by row (to rounding)', () => {
    const net = new Network([12, 6, 4], [Relu, Softmax], { seed: 3 });
    const random = new Random(1);
    const many = Array.from({ length: 2500 }, () => Array.from({ length: 12 }, () => random.normal()));
    const all = net.predict(many);
    expect(all.rows).toBe(2500);
    for (const i of [0, 1023, 1024, 2047, 2048, 2499]) {
      // OpenBLAS takes a different kernel for a single row, so the last bits may differ.
      expect(normwiseError(net.predict([many[i]!]).data, all.row(i))).toBeLessThanOrEqual(1e-14);
    }
  });
});

describe('learning the digits (the demo settings)', () => {
  it('reaches held-out accuracy >= 0.97 and training accuracy >= 0.99', () => {
    const { data } = readCsv(path.join(__dirname, '..', '..', 'examples', 'data', 'digits.csv.gz'));
    const { features, labels } = splitColumn(data);
    const split = trainTestSplit(features.rows, { testFraction: 0.2, seed: 1, stratify: labels });
    const scaler = Standardizer.fit(takeRows(features, split.train));
    const xTrain = scaler.transform(takeRows(features, split.train));
    const xTest = scaler.transform(takeRows(features, split.test));
    const net = new Network([64, 15, 10], [Relu, Softmax], { seed: 1 });
    net.fit(xTrain, oneHot(takeLabels(labels, split.train), 10), {
      loss: CrossEntropy,
      epochs: 100,
      batchSize: 15,
      optimizer: new SGD({ learningRate: 0.1, weightDecay: 5e-3 }),
      log: null,
    });
    const test = accuracy(takeLabels(labels, split.test), argmaxRows(net.predict(xTest)));
    const train = accuracy(takeLabels(labels, split.train), argmaxRows(net.predict(xTrain)));
    expect(test).toBeGreaterThanOrEqual(0.97);
    expect(train).toBeGreaterThanOrEqual(0.99);
    expect(net.evaluate(xTest, takeLabels(labels, split.test)).accuracy).toBe(test);
  });
});
