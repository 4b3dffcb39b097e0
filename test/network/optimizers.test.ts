/**
 * Optimizers through fit: PyTorch's numbers for two full-batch updates (SGD with momentum, Nesterov and
 * weight decay, Adam, AdamW, and Adam in float32), two steps worked out by hand, and the rules of use.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import {
  Adam,
  AdamW,
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
  Softmax,
  splitColumn,
  Standardizer,
  takeLabels,
  takeRows,
  trainTestSplit,
  NonFiniteLossError,
  Random,
  ValueError,
  type Optimizer,
} from '../../lib';
import { describeBackends } from '../helpers/backends';
import { normwiseError } from '../helpers/numbers';

interface OptimizerCase {
  name: string;
  optimizer: 'sgd' | 'adam' | 'adamw';
  options: {
    lr: number;
    momentum?: number;
    nesterov?: boolean;
    weight_decay?: number;
    betas?: [number, number];
    eps?: number;
  };
  dtype: 'float64' | 'float32';
  steps: number;
  dims: number[];
  x: number[][];
  y: number[][];
  weights: number[][];
  biases: number[][];
  after: { weights: number[][]; biases: number[][] };
}

const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'pytorch-reference.json'), 'utf8'),
) as {
  torch: string;
  optimizers: OptimizerCase[];
};

/** The blasnet optimizer with the same hyper-parameters as the fixture's torch.optim one. */
function optimizerFor(c: OptimizerCase): Optimizer {
  const o = c.options;
  if (c.optimizer === 'sgd')
    return new SGD({
      learningRate: o.lr,
      momentum: o.momentum ?? 0,
      nesterov: o.nesterov ?? false,
      weightDecay: o.weight_decay ?? 0,
    });
  const options = {
    learningRate: o.lr,
    beta1: o.betas?.[0] ?? 0.9,
    beta2: o.betas?.[1] ?? 0.999,
    epsilon: o.eps ?? 1e-8,
  };
  // torch's AdamW defaults weight_decay to 0.01, as ours does.
  return c.optimizer === 'adam'
    ? new Adam({ ...options, weightDecay: o.weight_decay ?? 0 })
    : new AdamW({ ...options, weightDecay: o.weight_decay ?? 0.01 });
}

describeBackends(`optimizers agree with PyTorch ${fixture.torch}`, (backend) => {
  it.each(fixture.optimizers.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const net = new Network(c.dims, [Relu, Softmax], { seed: 0, backend: backend.name, dtype: c.dtype });
    net.layers.forEach((layer, i) => {
      layer.weights.set(c.weights[i]!);
      layer.biases.set(c.biases[i]!);
    });
    // Full-batch steps in order: what torch.optim's loop did.
    net.fit(c.x, c.y, {
      loss: CrossEntropy,
      optimizer: optimizerFor(c),
      epochs: c.steps,
      batchSize: c.x.length,
      shuffle: false,
      log: null,
    });
    const tolerance = c.dtype === 'float64' ? 1e-12 : 2e-6;
    net.layers.forEach((layer, i) => {
      expect(normwiseError(layer.weights, c.after.weights[i]!)).toBeLessThanOrEqual(tolerance);
      expect(normwiseError(layer.biases, c.after.biases[i]!)).toBeLessThanOrEqual(tolerance);
    });
  });
});

describeBackends('two optimizer steps by hand', (backend) => {
  // One weight w = 1, one bias b = 0, identity output, squared error, x = 1, target 0: the output is w + b
  // and both gradients are 2 (w + b).
  function trainTwice(optimizer: Optimizer): [number, number] {
    const net = new Network([1, 1], [Identity], { seed: 0, backend: backend.name });
    net.parameters.set([1, 0]);
    net.fit([[1]], [[0]], { loss: MSE, optimizer, epochs: 2, batchSize: 1, log: null });
    return [net.parameters[0]!, net.parameters[1]!];
  }

  it('SGD with momentum 0.9', () => {
    // Step 1: g = 2, v = 2, w = 1 - 0.1 * 2 = 0.8, b = -0.2. Step 2: output 0.6, g = 1.2, v = 0.9 * 2 + 1.2
    // = 3, w = 0.8 - 0.3 = 0.5, b = -0.2 - 0.3 = -0.5.
    const [w, b] = trainTwice(new SGD({ learningRate: 0.1, momentum: 0.9 }));
    expect(w).toBeCloseTo(0.5, 14);
    expect(b).toBeCloseTo(-0.5, 14);
  });

  it('Adam', () => {
    // Step 1: g = 2, m = 0.2, v = 0.004; m / (1 - 0.9) = 2, v / (1 - 0.999) = 4, so w and b move by
    // 0.1 * 2 / (2 + 1e-8): w = 0.9, b = -0.1 (to 1e-9).
    // Step 2: output 0.8 (0.80000001), g = 1.6, m = 0.9 * 0.2 + 0.1 g = 0.34, v = 0.999 * 0.004 + 0.001 g^2
    // = 0.006556; the move is (0.1 / 0.19) * m / (sqrt(v) / sqrt(1 - 0.999^2) + 1e-8).
    const stepOne = (0.1 * 2) / (2 + 1e-8);
    const g = 2 * (1 - stepOne - stepOne);
    const m = 0.9 * 0.2 + 0.1 * g;
    const v = 0.999 * 0.004 + 0.001 * g * g;
    const stepTwo = ((0.1 / 0.19) * m) / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** 2) + 1e-8);
    const [w, b] = trainTwice(new Adam({ learningRate: 0.1 }));
    expect(w).toBeCloseTo(1 - stepOne - stepTwo, 13);
    expect(b).toBeCloseTo(0 - stepOne - stepTwo, 13);
  });

  it('AdamW with decay 0.5 shrinks the weights before each step', () => {
    // Step 1: w = 1 * (1 - 0.1 * 0.5) - 0.1 = 0.85 (Adam's first move is lr, to 1e-9); b = -0.1 (its decay
    // acts on b = 0). Step 2: output 0.75, g = 1.5, m = 0.18 + 0.15 = 0.33, v = 0.003996 + 0.00225.
    const stepOne = (0.1 * 2) / (2 + 1e-8);
    const w1 = 1 * (1 - 0.05) - stepOne;
    const b1 = 0 - stepOne;
    const g2 = 2 * (w1 + b1);
    const m2 = 0.9 * 0.2 + 0.1 * g2;
    const v2 = 0.999 * 0.004 + 0.001 * g2 * g2;
    const move = ((0.1 / 0.19) * m2) / (Math.sqrt(v2) / Math.sqrt(1 - 0.999 ** 2) + 1e-8);
    const [w, b] = trainTwice(new AdamW({ learningRate: 0.1, weightDecay: 0.5 }));
    expect(w).toBeCloseTo(w1 * 0.95 - move, 12);
    expect(b).toBeCloseTo(b1 * 0.95 - move, 12);
  });
});

describe('optimizer rules', () => {
  const x = [[1, 2]];
  const y = [[1]];

  it('keeps its state across fit calls: two fits of one epoch equal one fit of two', () => {
    const once = new Network([2, 1], [Identity], { seed: 3 });
    const twice = new Network([2, 1], [Identity], { seed: 3 });
    once.fit(x, y, { loss: MSE, optimizer: new Adam({ learningRate: 0.05 }), epochs: 2, log: null });
    const adam = new Adam({ learningRate: 0.05 });
    twice.fit(x, y, { loss: MSE, optimizer: adam, epochs: 1, log: null });
    twice.fit(x, y, { loss: MSE, optimizer: adam, epochs: 1, log: null });
    expect(twice.parameters).toEqual(once.parameters);
    expect(adam.steps).toBe(2);
  });

  it("is the network's default afterwards, until fit is given another", () => {
    const net = new Network([2, 1], [Identity], { seed: 3 });
    const adam = new Adam();
    net.fit(x, y, { loss: MSE, optimizer: adam, epochs: 1, log: null });
    expect(net.optimizer).toBe(adam);
    net.fit(x, y, { loss: MSE, epochs: 1, log: null });
    expect(adam.steps).toBe(2);
    net.fit(x, y, { loss: MSE, learningRate: 0.1, epochs: 1, log: null });
    expect(net.optimizer).toBeInstanceOf(SGD);
  });

  it('refuses a second network, both an optimizer and a learningRate, and bad hyper-parameters', () => {
    const adam = new Adam();
    new Network([2, 1], [Identity], { seed: 1 }).fit(x, y, { loss: MSE, optimizer: adam, log: null });
    expect(() =>
      new Network([2, 1], [Identity], { seed: 2 }).fit(x, y, { loss: MSE, optimizer: adam, log: null }),
    ).toThrow(expect.objectContaining({ code: 'ERR_OPTIMIZER_IN_USE' }));
    expect(() => new Network([2, 1], [Identity]).fit(x, y, { optimizer: new Adam(), learningRate: 0.1 })).toThrow(
      /optimizer or options.learningRate but received both/,
    );
    expect(() => new SGD({ nesterov: true })).toThrow(/Nesterov momentum needs options.momentum > 0/);
    expect(() => new Adam({ beta1: 1 })).toThrow(ValueError);
    expect(() => new Adam({ learningRate: -1 })).toThrow(/options.learningRate to be a finite number greater than 0/);
    expect(() => new SGD({ momentun: 0.9 } as never)).toThrow(/did you mean momentum/);
    expect(() => new Network([2, 1], [Identity]).fit(x, y, { optimizer: {} as never })).toThrow(
      /options.optimizer to be an optimizer/,
    );
  });
});

describe('Adam on the digits', () => {
  // The demo's network and split, with Adam at 2e-3 and a small L2 decay. (Over seeds 1-10 this reaches
  // 0.967-0.978 held-out at 30 epochs, 0.9735 on average; the demo's seed, 1, gives 0.9721.)
  it('reaches held-out accuracy >= 0.97 within 30 epochs on the demo network', () => {
    const { data } = readCsv(path.join(__dirname, '..', '..', 'examples', 'data', 'digits.csv.gz'));
    const { features, labels } = splitColumn(data);
    const split = trainTestSplit(features.rows, { testFraction: 0.2, seed: 1, stratify: labels });
    const scaler = Standardizer.fit(takeRows(features, split.train));
    const xTrain = scaler.transform(takeRows(features, split.train));
    const xTest = scaler.transform(takeRows(features, split.test));
    const net = new Network([64, 15, 10], [Relu, Softmax], { seed: 1 });
    net.fit(xTrain, oneHot(takeLabels(labels, split.train), 10), {
      loss: CrossEntropy,
      optimizer: new Adam({ learningRate: 2e-3, weightDecay: 5e-3 }),
      epochs: 30,
      batchSize: 15,
      log: null,
    });
    expect(accuracy(takeLabels(labels, split.test), argmaxRows(net.predict(xTest)))).toBeGreaterThanOrEqual(0.97);
  });
});

describe('divergence with a stateful optimizer', () => {
  it('rolls back the weights and the momentum together, to the last finite update', () => {
    // Unscaled inputs and a large step: SGD with momentum overflows after some updates.
    const random = new Random(3);
    const x = Array.from({ length: 64 }, () => Array.from({ length: 4 }, () => random.normal() * 30));
    const y = Array.from({ length: 64 }, () => [random.normal()]);
    const net = new Network([4, 8, 1], [Relu, Identity], { seed: 2 });
    const sgd = new SGD({ learningRate: 0.05, momentum: 0.9 });
    let thrown: unknown;
    try {
      net.fit(x, y, { loss: MSE, optimizer: sgd, epochs: 50, batchSize: 8, log: null });
    } catch (error) {
      thrown = error;
    }
    const error = thrown as NonFiniteLossError;
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect(error.epoch * 8 + error.batch).toBeGreaterThan(8); // it did train for a while first
    expect(net.parameters.every(Number.isFinite)).toBe(true);
    expect(sgd.exportState()!.buffers[0]!.every(Number.isFinite)).toBe(true);
    // 8 batches per epoch: the kept state holds exactly the updates before the failed batch, no more.
    expect(sgd.steps).toBe((error.epoch - 1) * 8 + error.batch);
  });
});
