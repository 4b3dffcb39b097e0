/**
 * Numerical robustness: sigmoid, softmax and the cross-entropies are computed in forms that neither
 * overflow nor take log(0), so extreme logits (|z| up to 1e4) give finite, correct losses and gradients;
 * and unscaled inputs either train or stop with the divergence error, never leaving NaN in the weights.
 */
import * as path from 'node:path';

import {
  ActivationCode as Act,
  Adam,
  BinaryCrossEntropy,
  CrossEntropy,
  Identity,
  LossCode as Loss,
  Matrix,
  MSE,
  Network,
  NonFiniteLossError,
  oneHot,
  readCsv,
  Relu,
  SGD,
  Sigmoid,
  Softmax,
  splitColumn,
  takeRows,
} from '../../lib';
import { describeBackends } from '../helpers/backends';

/** A 1-input network whose output logits are exactly `logits` for input 1 (weights = logits, bias 0). */
function networkWithLogits(logits: number[], output: typeof Sigmoid, backend: 'native' | 'js'): Network {
  const net = new Network([1, logits.length], [output], { seed: 0, backend });
  net.layers[0]!.weights.set(logits);
  net.layers[0]!.biases.fill(0);
  return net;
}

describeBackends('extreme logits', (b) => {
  const backend = b.name;

  it('binary cross-entropy of sigmoid outputs at z = +-1e4 is exact and finite, with bounded gradients', () => {
    // y = 0 at z = 1e4: -log(1 - sigmoid(1e4)) = 1e4 (to rounding); y = 1 at z = -1e4 likewise; the two
    // confident-and-right outputs contribute log1p(e^-1e4) = 0. Mean over 4 elements: (1e4 + 1e4) / 4.
    const net = networkWithLogits([1e4, -1e4, 1e4, -1e4], Sigmoid, backend);
    const { loss, weights, biases } = net.gradients([[1]], [[0, 1, 1, 0]], BinaryCrossEntropy);
    expect(loss).toBe(5000);
    // d(loss)/dz = (sigmoid(z) - y) / 4: +-0.25 where wrong, 0 where right.
    expect(Array.from(biases[0]!)).toEqual([0.25, -0.25, 0, 0]);
    expect(Array.from(weights[0]!)).toEqual([0.25, -0.25, 0, 0]);
  });

  it('cross-entropy of softmax outputs at logits 1e4 apart is exact and finite', () => {
    // Row [1e4, -1e4, 0] with target class 1: -log softmax = logsumexp - z_1 = 1e4 - (-1e4) = 2e4.
    const net = networkWithLogits([1e4, -1e4, 0], Softmax, backend);
    const { loss, biases } = net.gradients([[1]], [[0, 1, 0]], CrossEntropy);
    expect(loss).toBe(2e4);
    // d/dz = softmax(z) - y = [1, -1, 0] (softmax puts all mass on the first class).
    expect(Array.from(biases[0]!)).toEqual([1, -1, 0]);
    expect(net.predict([[1]]).toArray()).toEqual([[1, 0, 0]]);
  });

  it('sigmoid and softmax saturate cleanly at +-1e4 (no NaN from exp overflow)', () => {
    const Z = new Float64Array([1e4, -1e4, 745, -745, 1e308, -1e308]);
    const A = new Float64Array(6);
    b.activationForward(Act.sigmoid, 1, 6, Z, A);
    expect([A[0], A[1], A[2], A[4], A[5]]).toEqual([1, 0, 1, 1, 0]);
    // sigmoid(-745) = e^-745 / (1 + e^-745): the smallest subnormal, not 0 and not NaN.
    expect(A[3]).toBe(5e-324);
    b.activationForward(Act.softmax, 2, 3, Z, A);
    expect(A.every(Number.isFinite)).toBe(true);
    expect(A[0]! + A[1]! + A[2]!).toBeCloseTo(1, 15);
  });

  it('the losses equal their exact values for logits of 1e150 (no exp, no log(0) on the way)', () => {
    // The values themselves are representable, so they must come out exactly: BCE of z = 1e150 with
    // y = 0 is 1e150 (mean of one element); CE of [1e150, -1e150] with y = [0, 1] is 2e150.
    const Z = new Float64Array([1e150, -1e150]);
    const A = new Float64Array(2);
    b.activationForward(Act.sigmoid, 1, 1, Z, A);
    expect(b.lossValue(Loss.binaryCrossEntropy, Act.sigmoid, 1, 1, Z, A, new Float64Array([0]))).toBe(1e150);
    b.activationForward(Act.softmax, 1, 2, Z, A);
    expect(b.lossValue(Loss.crossEntropy, Act.softmax, 1, 2, Z, A, new Float64Array([0, 1]))).toBe(2e150);
  });

  it('squared error of a huge identity output is large but exact, not NaN', () => {
    const net = networkWithLogits([1e150], Identity, backend);
    const { loss } = net.gradients([[1]], [[0]], MSE);
    expect(loss).toBe(1e150 * 1e150);
  });
});

describeBackends('unscaled inputs', ({ name: backend }) => {
  // The digits' raw 0..16 pixels, and the same times 100 (values in the thousands), unstandardised.
  const { data } = readCsv(path.join(__dirname, '..', '..', 'examples', 'data', 'digits.csv.gz'));
  const rows = takeRows(
    data,
    Array.from({ length: 300 }, (_, i) => i),
  );
  const { features: pixels, labels } = splitColumn(rows);
  const targets = oneHot(labels, 10);
  const thousands = new Matrix(
    pixels.rows,
    pixels.cols,
    pixels.data.map((v) => v * 100),
  );

  // ReLU networks mostly survive large steps (units die rather than overflow); linear ones (identity
  // layers, squared error) overflow, which is the other outcome the check must meet.
  type Case = [string, Matrix, () => ReturnType<typeof optimizerOf>, typeof MSE, 'relu' | 'linear'];
  const cases: Case[] = [];
  for (const [name, x] of [
    ['0..16', pixels],
    ['0..1600', thousands],
  ] as const) {
    for (const learningRate of [0.01, 1, 100]) {
      cases.push([
        `${name}, SGD ${learningRate}, cross-entropy`,
        x,
        () => optimizerOf('sgd', learningRate),
        CrossEntropy,
        'relu',
      ]);
      cases.push([
        `${name}, SGD ${learningRate}, squared error`,
        x,
        () => optimizerOf('sgd', learningRate),
        MSE,
        'relu',
      ]);
      cases.push([
        `${name}, SGD ${learningRate}, linear network`,
        x,
        () => optimizerOf('sgd', learningRate),
        MSE,
        'linear',
      ]);
    }
    cases.push([`${name}, SGD momentum 0.9 at 1`, x, () => optimizerOf('momentum', 1), CrossEntropy, 'relu']);
    cases.push([`${name}, SGD momentum 0.9 at 1, linear network`, x, () => optimizerOf('momentum', 1), MSE, 'linear']);
    cases.push([`${name}, Adam 0.5`, x, () => optimizerOf('adam', 0.5), CrossEntropy, 'relu']);
    cases.push([`${name}, Adam 0.5, linear network`, x, () => optimizerOf('adam', 0.5), MSE, 'linear']);
  }

  let trained = 0;
  let diverged = 0;
  it.each(cases)(
    '%s: trains, or stops with NonFiniteLossError; the weights stay finite either way',
    (_name, x, optimizer, loss, kind) => {
      const activations = kind === 'linear' ? [Identity, Identity] : [Relu, loss === CrossEntropy ? Softmax : Sigmoid];
      const net = new Network([64, 32, 10], activations, { seed: 3, backend });
      try {
        const history = net.fit(x, targets, { loss, optimizer: optimizer(), epochs: 5, batchSize: 16, log: null });
        expect(history.loss.every(Number.isFinite)).toBe(true);
        expect(net.predict(x).data.every(Number.isFinite)).toBe(true);
        trained++;
      } catch (error) {
        // The weights are the last finite ones; they may be large enough that predictions overflow, but the
        // error said so.
        expect(error).toBeInstanceOf(NonFiniteLossError);
        diverged++;
      }
      expect(net.parameters.every(Number.isFinite)).toBe(true);
    },
  );

  it('saw both outcomes above', () => {
    expect(trained).toBeGreaterThan(0);
    expect(diverged).toBeGreaterThan(0);
  });
});

function optimizerOf(kind: 'sgd' | 'momentum' | 'adam', learningRate: number): SGD | Adam {
  if (kind === 'adam') return new Adam({ learningRate });
  return new SGD({ learningRate, momentum: kind === 'momentum' ? 0.9 : 0 });
}
