/**
 * fit's training options beyond plain SGD: validation rows, early stopping, and the divergence guard. The
 * same loop runs fitAsync, so these hold there too (fit-async.test.ts checks that the two agree).
 */
import {
  CrossEntropy,
  Identity,
  Matrix,
  MSE,
  Network,
  NonFiniteLossError,
  Relu,
  SGD,
  Softmax,
  ValueError,
} from '../../lib';
import { classification, replayBatches, rowsOf, sameBits } from '../helpers/training';
import { describeBackends } from '../helpers/backends';

const settings = { loss: CrossEntropy, batchSize: 10, learningRate: 0.1, log: null };
const network = () => new Network([6, 8, 3], [Relu, Softmax], { seed: 4 });

describe('validation rows', () => {
  const { x, y, labels } = classification(100, 6, 3, 1);

  it('validationSplit holds out the last rows: training equals fit on the first rows, bit for bit', () => {
    const split = network();
    const history = split.fit(x, y, { ...settings, epochs: 4, validationSplit: 0.25, logEvery: 2 });
    const plain = network();
    plain.fit(rowsOf(x, 0, 75), rowsOf(y, 0, 75), { ...settings, epochs: 4, logEvery: 2 });
    expect(sameBits(split.parameters, plain.parameters)).toBe(true);
    expect(history.epoch).toEqual([2, 4]);
    expect(history.valLoss).toHaveLength(2);
    expect(history.valAccuracy).toHaveLength(2);
    // The last entry describes the final weights.
    expect(history.valLoss![1]).toBeCloseTo(
      split.gradients(rowsOf(x, 75, 100), rowsOf(y, 75, 100), CrossEntropy).loss,
      12,
    );
    expect(history.valAccuracy![1]).toBe(split.evaluate(rowsOf(x, 75, 100), labels.slice(75)).accuracy);
  });

  it('validationData is measured after every epoch and logged with the loss', () => {
    const lines: string[] = [];
    const net = network();
    const history = net.fit(rowsOf(x, 0, 80), rowsOf(y, 0, 80), {
      ...settings,
      epochs: 3,
      logEvery: 1,
      log: (line) => lines.push(line),
      validationData: [rowsOf(x, 80, 100), rowsOf(y, 80, 100)],
    });
    expect(history.valLoss).toHaveLength(3);
    expect(lines[2]).toMatch(/^epoch 3\/3 {2}loss \d\.\d{5}\d* {2}val loss \d\.\d+ {2}val accuracy \d\.\d{4}$/);
  });

  it.each([
    [
      'both kinds',
      { validationSplit: 0.2, validationData: [x, y] },
      /validationSplit or options.validationData but received both/,
    ],
    ['a split of 1', { validationSplit: 1 }, /options.validationSplit to be a number between 0 and 1/],
    [
      'a split that leaves no training row',
      { validationSplit: 0.995 },
      /0.995 of 100 rows leaves 0 for training and 100 for validation/,
    ],
    ['a single matrix as validationData', { validationData: x }, /options.validationData to be a pair \[x, y\]/],
    [
      'validationData of the wrong width',
      { validationData: [rowsOf(y, 0, 5), rowsOf(y, 0, 5)] },
      /validationData\[0\] to have 6 columns/,
    ],
    [
      'NaN in validationData',
      { validationData: [[[0, 0, 0, NaN, 0, 0]], [[1, 0, 0]]] },
      /validationData\[0\] to hold finite numbers but row 0, column 3 is NaN/,
    ],
  ])('rejects %s', (_title, options, message) => {
    expect(() => network().fit(x, y, { ...settings, ...(options as object) })).toThrow(message);
  });
});

describe('early stopping', () => {
  const { x, y } = classification(60, 6, 3, 2);
  // Validation targets that disagree with the training ones, so the validation loss soon rises.
  const wrong = classification(60, 6, 3, 2);
  for (let i = 0; i < wrong.y.data.length; i += 3)
    wrong.y.data.set([wrong.y.data[i + 2]!, wrong.y.data[i]!, wrong.y.data[i + 1]!], i);

  it('stops once the validation loss has not improved for more than `patience` epochs', () => {
    const net = network();
    const epochs: number[] = [];
    const history = net.fit(x, y, {
      ...settings,
      epochs: 50,
      logEvery: 1,
      validationData: [x, wrong.y],
      earlyStopping: { patience: 2 },
      log: (line) => epochs.push(Number(/epoch +(\d+)/.exec(line)![1])),
    });
    expect(history.stoppedEpoch).toBeDefined();
    const best = history.bestEpoch!;
    expect(history.stoppedEpoch).toBe(best + 3);
    expect(history.epoch.at(-1)).toBe(history.stoppedEpoch);
    expect(epochs.at(-1)).toBe(history.stoppedEpoch);
    const bestLoss = history.valLoss![history.epoch.indexOf(best)]!;
    expect(Math.min(...history.valLoss!)).toBe(bestLoss);
  });

  it('restoreBest ends with the best epoch weights, exactly those of a run that stopped there', () => {
    const net = network();
    const history = net.fit(x, y, {
      ...settings,
      epochs: 50,
      validationData: [x, wrong.y],
      earlyStopping: { restoreBest: true },
    });
    const replay = network();
    replay.fit(x, y, { ...settings, epochs: history.bestEpoch! });
    expect(history.stoppedEpoch).toBe(history.bestEpoch! + 1);
    expect(sameBits(net.parameters, replay.parameters)).toBe(true);
  });

  it('watches the mean minibatch loss without validation data, and runs to the end while it improves', () => {
    const history = network().fit(x, y, { ...settings, epochs: 5, learningRate: 0.01, earlyStopping: { minDelta: 0 } });
    expect(history.stoppedEpoch).toBeUndefined();
    expect(history.bestEpoch).toBe(5);
  });

  it('rejects unknown and bad early-stopping options', () => {
    expect(() => network().fit(x, y, { ...settings, earlyStopping: { patient: 2 } as never })).toThrow(
      /Unknown option options.earlyStopping.patient \(did you mean patience\?\)/,
    );
    expect(() => network().fit(x, y, { ...settings, earlyStopping: { patience: -1 } })).toThrow(
      /options.earlyStopping.patience to be an integer >= 0/,
    );
    expect(() => network().fit(x, y, { ...settings, earlyStopping: { minDelta: NaN } })).toThrow(ValueError);
  });
});

describe('divergence', () => {
  // Targets far from anything an identity network starts near, and a learning rate far too large: the
  // loss grows geometrically until it overflows.
  const { x } = classification(40, 4, 2, 3);
  const y = { rows: 40, cols: 1, data: new Float64Array(40).fill(1e3) };
  const diverging = { loss: MSE, batchSize: 4, learningRate: 5, shuffle: false, log: null };
  const makeNet = () => new Network([4, 6, 1], [Identity, Identity], { seed: 8 });

  it('stops at the first non-finite loss, naming epoch and batch, with the weights of the last finite step', () => {
    const net = makeNet();
    let thrown: unknown;
    try {
      net.fit(x, y, { ...diverging, epochs: 100 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NonFiniteLossError);
    const error = thrown as NonFiniteLossError;
    expect(error.code).toBe('ERR_NON_FINITE_LOSS');
    // Plain SGD refuses the update that would overflow the weights (reported as an infinite loss) before
    // the loss itself overflows.
    expect(error.message).toMatch(
      new RegExp(
        `^(The loss became (NaN|Infinity)|The loss, or the update it implied, became infinite) at epoch ${error.epoch}, batch ${error.batch}, so training stopped`,
      ),
    );
    expect(Number.isFinite(error.loss)).toBe(false);
    expect(net.parameters.every(Number.isFinite)).toBe(true);
    // Replaying the steps before the failing one gives exactly these weights.
    const completed = (error.epoch - 1) * 10 + error.batch;
    const replay = makeNet();
    const found = replayBatches(
      replay,
      x,
      new Matrix(40, 1, y.data),
      diverging,
      completed,
      (steps) => steps === completed,
    );
    expect(found).toBe(completed);
    expect(sameBits(replay.parameters, net.parameters)).toBe(true);
  });

  // Inputs near 1e150 through identity layers: the cross-entropy of the huge logits stays finite (it is
  // computed from them stably), but the first update overflows the weights to infinity.
  const huge = { rows: 2, cols: 2, data: Float64Array.from([1e150, -1e150, 3e149, 2e150]) };
  // Targets opposite to the saturated outputs, so the output deltas are of order 1.
  const labels = { rows: 2, cols: 2, data: Float64Array.from([0, 1, 1, 0]) };
  const overflowing = { loss: CrossEntropy, epochs: 3, batchSize: 2, log: null };

  describeBackends('refuses a plain SGD update that would overflow while its loss was finite', ({ name: backend }) => {
    it('refuses a plain SGD update that would overflow while its loss was finite', () => {
      const net = new Network([2, 3, 2], [Identity, Softmax], { seed: 5, backend });
      const before = net.parameters.slice();
      let thrown: unknown;
      try {
        net.fit(huge, labels, { ...overflowing, learningRate: 1e160 });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(NonFiniteLossError);
      expect((thrown as NonFiniteLossError).message).toMatch(
        /^The loss, or the update it implied, became infinite at epoch 1, batch 0, so training stopped; the weights are those from the start of epoch 1/,
      );
      expect((thrown as NonFiniteLossError).loss).toBe(Infinity);
      expect(sameBits(net.parameters, before)).toBe(true);
    });
  });

  it('rolls back an overflowing update of a stateful optimizer by replaying the epoch', () => {
    const net = new Network([2, 3, 2], [Identity, Softmax], { seed: 5 });
    const before = net.parameters.slice();
    const optimizer = new SGD({ learningRate: 1e160, momentum: 0.5 });
    expect(() => net.fit(huge, labels, { ...overflowing, optimizer })).toThrow(
      /The update of epoch 1, batch 0 made some weights non-finite, so training stopped; the weights are those from the start of epoch 1/,
    );
    expect(sameBits(net.parameters, before)).toBe(true);
  });

  it('trains on regardless with stopOnNonFinite: false', () => {
    const net = makeNet();
    const history = net.fit(x, y, { ...diverging, epochs: 100, logEvery: 100, stopOnNonFinite: false });
    expect(Number.isNaN(history.loss[0])).toBe(true);
  });
});

describe('fit-only options', () => {
  it('names fitAsync when given one of its callbacks', () => {
    const { x, y } = classification(10, 6, 3, 1);
    expect(() => network().fit(x, y, { onEpochEnd: () => {} } as never)).toThrow(
      /Unknown option options.onEpochEnd for fit: callbacks, signal and yieldEvery are options of fitAsync/,
    );
  });
});
