/**
 * k-fold splits, crossValidate and tune. Scores are checked against models trained independently with
 * `fit` on the same rows and scored by hand; splits against hand-counted sizes and class proportions.
 */
import {
  CrossEntropy,
  crossValidate,
  kFolds,
  Matrix,
  MSE,
  Network,
  Relu,
  Identity,
  Softmax,
  Adam,
  ShapeError,
  ValueError,
  tune,
  sampleCandidates,
  argmaxRows,
} from '../../lib';
import { takeRows } from '../../lib/data';
import { classification, sameBits } from '../helpers/training';

describe('kFolds', () => {
  it('puts every row in exactly one test part, parts differing in size by at most one (10 rows, 3 folds: 4, 3, 3)', () => {
    const folds = kFolds(10, 3, 1);
    expect(folds.map((f) => f.test.length)).toEqual([4, 3, 3]);
    const seen = [...folds.flatMap((f) => [...f.test])].sort((a, b) => a - b);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const fold of folds) expect(fold.train.length + fold.test.length).toBe(10);
    expect(kFolds(10, 3, 1)).toEqual(folds);
    expect(kFolds(10, 3, 2)).not.toEqual(folds);
  });

  it('stratifies: each fold holds each class in the whole set’s proportion, give or take one row', () => {
    const labels = [...Array(30).fill(0), ...Array(12).fill(1), ...Array(6).fill(2)];
    for (const fold of kFolds(labels.length, 3, 7, labels)) {
      const counts = [0, 1, 2].map((c) => [...fold.test].filter((i) => labels[i] === c).length);
      expect(Math.abs(counts[0]! - 10)).toBeLessThanOrEqual(1);
      expect(Math.abs(counts[1]! - 4)).toBeLessThanOrEqual(1);
      expect(Math.abs(counts[2]! - 2)).toBeLessThanOrEqual(1);
    }
  });

  it('rejects folds outside 2..rows', () => {
    expect(() => kFolds(5, 1, 0)).toThrow(/options\.folds to be an integer from 2 to 5 .* received 1/);
    expect(() => kFolds(5, 6, 0)).toThrow(ValueError);
  });
});

describe('crossValidate', () => {
  const { x, y, labels } = classification(150, 5, 3, 8);
  const settings = { hidden: [8], learningRate: 0.01, batchSize: 16, epochs: 6 };

  it('scores each fold as a model trained with fit on that fold’s other rows, scored by hand', async () => {
    const cv = await crossValidate(x, y, settings, { folds: 3, seed: 4 });
    expect(cv.metric).toBe('accuracy');
    const folds = kFolds(150, 3, 4, labels);
    folds.forEach((fold, i) => {
      const net = new Network([5, 8, 3], [Relu, Softmax], { seed: 4, initializer: 'he' });
      net.fit(takeRows(x, fold.train), takeRows(y, fold.train), {
        loss: CrossEntropy,
        optimizer: new Adam({ learningRate: 0.01 }),
        epochs: 6,
        batchSize: 16,
        log: null,
      });
      const predicted = argmaxRows(net.predict(takeRows(x, fold.test)));
      const correct = [...fold.test].filter((row, k) => labels[row] === predicted[k]).length;
      expect(cv.scores[i]).toBe(correct / fold.test.length);
    });
    expect(cv.score).toBeCloseTo((cv.scores[0]! + cv.scores[1]! + cv.scores[2]!) / 3, 15);
  });

  it('scores regression by mean squared error on the held-out part', async () => {
    const target = new Matrix(
      150,
      1,
      Float64Array.from({ length: 150 }, (_, i) => x.data[i * 5]! * 2 - x.data[i * 5 + 1]!),
    );
    const cv = await crossValidate(x, target, settings, { holdout: 0.2, seed: 3 });
    expect(cv.metric).toBe('mse');
    expect(cv.scores).toHaveLength(1);
    const { trainTestSplit } = await import('../../lib');
    const split = trainTestSplit(150, { testFraction: 0.2, seed: 3 });
    const net = new Network([5, 8, 1], [Relu, Identity], { seed: 3, initializer: 'he' });
    net.fit(takeRows(x, split.train), takeRows(target, split.train), {
      loss: MSE,
      optimizer: new Adam({ learningRate: 0.01 }),
      epochs: 6,
      batchSize: 16,
      log: null,
    });
    const out = net.predict(takeRows(x, split.test));
    const truth = takeRows(target, split.test);
    let sum = 0;
    for (let i = 0; i < out.data.length; i++) sum += (out.data[i]! - truth.data[i]!) ** 2;
    expect(cv.score).toBe(sum / out.data.length);
  });

  it('rejects bad settings and mismatched rows, naming them', async () => {
    await expect(crossValidate(x, y, { batchSize: 0 })).rejects.toThrow(
      /settings\.batchSize to be a positive integer but received 0/,
    );
    await expect(crossValidate(x, takeRows(y, [0, 1]))).rejects.toThrow(ShapeError);
    await expect(crossValidate(x, y, settings, { holdout: 1 })).rejects.toThrow(
      /options\.holdout to be a fraction in \(0, 1\)/,
    );
  });
});

describe('tune', () => {
  const { x, y } = classification(120, 4, 3, 2);

  it('tries seeded candidates, holds the fixed settings, records every trial and refits the best', async () => {
    const options = { trials: 4, folds: 2, seed: 9, fixed: { epochs: 4, batchSize: 32 } };
    const first = await tune(x, y, options);
    expect(first.trials).toHaveLength(4);
    expect(first.trials.map((t) => t.settings)).toEqual(sampleCandidates(4, 9, { epochs: 4, batchSize: 32 }));
    for (const trial of first.trials) {
      expect(trial.status).toBe('ok');
      expect(trial.settings).toMatchObject({ epochs: 4, batchSize: 32 });
      // Each trial's score is crossValidate's for its settings.
      expect(trial.score).toBe((await crossValidate(x, y, trial.settings, { folds: 2, seed: 9 })).score);
    }
    const bestScore = Math.max(...first.trials.map((t) => t.score));
    expect(first.best.score).toBe(bestScore);
    expect(first.best.index).toBe(first.trials.find((t) => t.score === bestScore)!.index);
    // The refit: the best settings trained on every row.
    const s = first.best.settings;
    const net = new Network([4, ...s.hidden, 3], [...s.hidden.map(() => Relu), Softmax], {
      seed: 9,
      initializer: 'he',
    });
    net.fit(x, y, {
      loss: CrossEntropy,
      optimizer: new Adam({ learningRate: s.learningRate, weightDecay: s.weightDecay }),
      epochs: 4,
      batchSize: 32,
      log: null,
    });
    expect(sameBits(first.best.network!.parameters, net.parameters)).toBe(true);
    // Seeded: the same search again gives the same trials.
    const again = await tune(x, y, { ...options, refit: false });
    expect(again.trials.map((t) => [t.settings, t.score])).toEqual(first.trials.map((t) => [t.settings, t.score]));
  });

  it('successive halving: 9 candidates at 1 epoch, the best 3 at 3, the best one at 9; each score crossValidate’s', async () => {
    const options = {
      trials: 9,
      folds: 2,
      seed: 4,
      fixed: { epochs: 9, batchSize: 32 },
      strategy: 'halving' as const,
      refit: false,
    };
    const result = await tune(x, y, options);
    const candidates = sampleCandidates(9, 4, { epochs: 9, batchSize: 32 });
    const rung = (r: number) => result.trials.filter((t) => t.rung === r);
    expect([0, 1, 2].map((r) => rung(r).length)).toEqual([9, 3, 1]);
    expect([0, 1, 2].map((r) => rung(r).map((t) => t.settings.epochs)[0])).toEqual([1, 3, 9]);
    expect(rung(0).map((t) => t.settings)).toEqual(candidates.map((c) => ({ ...c, epochs: 1 })));
    for (const trial of result.trials) {
      expect(trial.score).toBe((await crossValidate(x, y, trial.settings, { folds: 2, seed: 4 })).score);
    }
    // Who goes on: the best third by score (ties to the earlier candidate), by hand.
    const byScore = (ts: typeof result.trials) =>
      [...ts].sort((a, b) => b.score - a.score || a.index - b.index).map((t) => t.index);
    expect(
      rung(1)
        .map((t) => t.index)
        .sort((a, b) => a - b),
    ).toEqual(
      byScore(rung(0))
        .slice(0, 3)
        .sort((a, b) => a - b),
    );
    expect(rung(2).map((t) => t.index)).toEqual(byScore(rung(1)).slice(0, 1));
    expect(result.best.index).toBe(rung(2)[0]!.index);
    expect(result.best.settings.epochs).toBe(9);
    await expect(tune(x, y, { ...options, eta: 1 })).rejects.toThrow(/options\.eta/);
  });

  it('fixing one setting leaves the draws of the others as they were', () => {
    const free = sampleCandidates(5, 3, {});
    const fixed = sampleCandidates(5, 3, { learningRate: 0.5 });
    expect(fixed.map(({ hidden, batchSize, weightDecay }) => ({ hidden, batchSize, weightDecay }))).toEqual(
      free.map(({ hidden, batchSize, weightDecay }) => ({ hidden, batchSize, weightDecay })),
    );
    expect(fixed.every((c) => c.learningRate === 0.5)).toBe(true);
  });

  it('records a failed trial and goes on; fails only when every trial failed', async () => {
    let calls = 0;
    const runner = {
      concurrency: 1,
      run: (settings: Parameters<typeof crossValidate>[2], cv: Parameters<typeof crossValidate>[3]) =>
        calls++ === 1
          ? Promise.reject(
              new ValueError('ERR_SOMETHING' as never, 'trial two broke') /* a runner's own error: any code */,
            )
          : crossValidate(x, y, settings, cv),
    };
    const result = await tune(x, y, {
      trials: 3,
      folds: 2,
      fixed: { epochs: 2 },
      refit: false,
      runner: runner as never,
    });
    expect(result.trials.map((t) => t.status)).toEqual(['ok', 'failed', 'ok']);
    expect(result.trials[1]).toMatchObject({ error: 'ValueError [ERR_SOMETHING]: trial two broke', scores: [] });
    expect(result.trials[1]!.score).toBeNaN();
    expect(result.best.index).not.toBe(2);
    const diverging = tune(x, y, { trials: 2, folds: 2, fixed: { learningRate: 1e300, epochs: 2 } });
    await expect(diverging).rejects.toMatchObject({ code: 'ERR_TUNE_NO_TRIAL' });
    await expect(tune(x, y, { trials: 2, folds: 2, fixed: { learningRate: 1e300, epochs: 2 } })).rejects.toThrow(
      /Every one of the 2 trials failed; the first: NonFiniteLossError \[ERR_NON_FINITE_LOSS\]/,
    );
    await expect(tune(x, y, { trials: 0 })).rejects.toThrow(/options\.trials to be a positive integer but received 0/);
  });
});
