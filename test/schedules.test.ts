import * as fs from 'node:fs';
import * as path from 'node:path';

import { CrossEntropy, MSE, Network, Relu, schedules, SGD, Sigmoid, Softmax } from '../lib';
import { describeBackends } from './helpers/backends';

interface ScheduleCase {
  kind: string;
  options: Record<string, number>;
  rates: number[];
}
const reference = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'schedule-reference.json'), 'utf8')) as {
  cases: ScheduleCase[];
};

describe('learning-rate schedules, as PyTorch defines them', () => {
  it('step: initial * gamma^floor(epoch / stepSize)', () => {
    const s = schedules.step({ initial: 0.1, stepSize: 3, gamma: 0.5 });
    expect([0, 1, 2, 3, 5, 6, 9].map(s)).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
  });

  it('exponential: initial * gamma^epoch', () => {
    const s = schedules.exponential({ initial: 1, gamma: 0.9 });
    expect(s(0)).toBe(1);
    expect(s(2)).toBeCloseTo(0.81, 15);
  });

  it('cosine: from initial to minimum over `epochs`', () => {
    const s = schedules.cosine({ initial: 0.1, epochs: 10, minimum: 0.01 });
    expect(s(0)).toBe(0.1);
    // Halfway: cos(pi / 2) = 0, so the mean of the two ends.
    expect(s(5)).toBeCloseTo(0.055, 15);
    expect(s(10)).toBeCloseTo(0.01, 15);
    // Exactly 0 at `epochs` with the default minimum: cos(pi) is exactly -1.
    expect(schedules.cosine({ initial: 0.1, epochs: 50 })(50)).toBe(0);
  });

  // PyTorch's numbers: a real torch.optim.SGD stepped with its scheduler once per epoch
  // (test/fixtures/make-schedule-fixtures.py). Past T_max, CosineAnnealingLR keeps following the cosine
  // (back up to the initial rate at 2 T_max); blasnet's closed form does the same.
  describe("PyTorch's schedulers, epoch by epoch (test/fixtures/schedule-reference.json)", () => {
    const make = {
      cosine: schedules.cosine,
      step: schedules.step,
      exponential: schedules.exponential,
    } as Record<string, (options: never) => (epoch: number) => number>;
    for (const c of reference.cases) {
      it(`${c.kind}(${JSON.stringify(c.options)}) for ${c.rates.length} epochs`, () => {
        const s = make[c.kind]!(c.options as never);
        c.rates.forEach((rate, epoch) => {
          // torch's CosineAnnealingLR is recursive (each rate from the last), so it drifts from the closed
          // form by rounding; 1e-15 absolute on rates of at most 1 is a few ulps.
          expect(Math.abs(s(epoch) - rate)).toBeLessThan(1e-15);
        });
      });
    }
  });

  it('reject bad settings, and fit rejects a schedule that returns a bad rate', () => {
    expect(() => schedules.step({ initial: 0, stepSize: 1 })).toThrow(/options.initial/);
    expect(() => schedules.cosine({ initial: 0.1, epochs: 0 })).toThrow(/options.epochs/);
    expect(() => schedules.cosine({ initial: 0.1, epochs: 5, minimum: 1 })).toThrow(/options.minimum/);
  });
});

// The README's API block ran fit with cosine({ epochs: 50 }) on a network that had trained 130 epochs, and
// fit rejected the rate 0 it met at epoch 50 (issue 13). A rate of 0 is legal; a negative or non-finite one
// is not.
describeBackends('a schedule in fit', (backend) => {
  const x = [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
    [0.5, 0.2],
    [0.3, 0.9],
  ];
  const y = [
    [1, 0],
    [0, 1],
    [0, 1],
    [1, 0],
    [1, 0],
    [0, 1],
  ];

  it('trains through a rate of 0 (cosine at T_max) and past it, as the README block does', () => {
    const net = new Network([2, 4, 2], [Relu, Softmax], { seed: 3, backend });
    net.fit(x, y, { loss: CrossEntropy, epochs: 130, batchSize: 2, learningRate: 0.05, log: null });
    const history = net.fit(x, y, {
      loss: CrossEntropy,
      optimizer: new SGD({ momentum: 0.9 }),
      schedule: schedules.cosine({ initial: 0.1, epochs: 50 }),
      log: null,
    });
    expect(history.loss.every(Number.isFinite)).toBe(true);
    expect(net.epochsTrained).toBe(140);
    // A fresh network, more epochs than the cosine's: epoch 50's rate is 0.
    const fresh = new Network([2, 4, 2], [Relu, Softmax], { seed: 3, backend });
    fresh.fit(x, y, {
      loss: CrossEntropy,
      epochs: 60,
      schedule: schedules.cosine({ initial: 0.1, epochs: 50 }),
      log: null,
    });
    expect(fresh.epochsTrained).toBe(60);
  });

  it('fitAsync takes the same rates, 0 included, and trains bit for bit as fit', async () => {
    const options = {
      loss: CrossEntropy,
      epochs: 8,
      batchSize: 2,
      optimizer: new SGD({ momentum: 0.9 }),
      schedule: schedules.cosine({ initial: 0.1, epochs: 5 }),
      log: null,
    };
    const sync = new Network([2, 4, 2], [Relu, Softmax], { seed: 6, backend });
    sync.fit(x, y, options);
    const async = new Network([2, 4, 2], [Relu, Softmax], { seed: 6, backend });
    await async.fitAsync(x, y, { ...options, optimizer: new SGD({ momentum: 0.9 }) });
    expect(Array.from(async.parameters)).toEqual(Array.from(sync.parameters));
    expect(async.epochsTrained).toBe(8);
  });

  it("an epoch at rate 0 leaves plain SGD's weights exactly as they were", () => {
    const net = new Network([2, 3, 1], [Relu, Sigmoid], { seed: 4, backend });
    net.fit(
      x,
      y.map((r) => [r[0]!]),
      { loss: MSE, epochs: 2, learningRate: 0.1, log: null },
    );
    const before = Float64Array.from(net.parameters);
    net.fit(
      x,
      y.map((r) => [r[0]!]),
      { loss: MSE, epochs: 1, schedule: () => 0, log: null },
    );
    expect(Array.from(net.parameters)).toEqual(Array.from(before));
    expect(net.epochsTrained).toBe(3);
  });

  it("rejects a negative, NaN or infinite rate: the first epoch's before training, changing nothing; a later one when its epoch starts", () => {
    for (const [rate, shown] of [
      [-0.01, '-0.01'],
      [NaN, 'NaN'],
      [Infinity, 'Infinity'],
    ] as const) {
      const net = new Network([2, 3, 2], [Relu, Softmax], { seed: 5, backend });
      const before = Float64Array.from(net.parameters);
      expect(() =>
        net.fit(x, y, { loss: CrossEntropy, epochs: 3, schedule: (e) => (e === 0 ? rate : 0.1), log: null }),
      ).toThrow(
        new RegExp(`options\\.schedule\\(0\\) to be a finite learning rate of 0 or more but received ${shown}`),
      );
      expect(Array.from(net.parameters)).toEqual(Array.from(before));
      expect(net.epochsTrained).toBe(0);
      // Rates are asked for as epochs arrive (issue 14: never a whole run up front), so epoch 2's bad
      // rate stops training there, with the weights of the two epochs before it.
      expect(() =>
        net.fit(x, y, { loss: CrossEntropy, epochs: 3, schedule: (e) => (e === 2 ? rate : 0.1), log: null }),
      ).toThrow(
        new RegExp(`options\\.schedule\\(2\\) to be a finite learning rate of 0 or more but received ${shown}`),
      );
      expect(net.epochsTrained).toBe(2);
      const twoEpochs = new Network([2, 3, 2], [Relu, Softmax], { seed: 5, backend });
      twoEpochs.fit(x, y, { loss: CrossEntropy, epochs: 2, schedule: () => 0.1, log: null });
      expect(Array.from(net.parameters)).toEqual(Array.from(twoEpochs.parameters));
    }
  });
});
