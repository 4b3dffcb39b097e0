/**
 * Classification or regression, as a person would decide from the target column, classes in
 * scikit-learn's order; the network each task gets; the regression metrics against hand-computed values.
 */
import { DataError, UsageError } from '../../lib/cli/errors';
import { regressionMetrics } from '../../lib/table/model';
import type { Header } from '../../lib/cli/header';
import { classTargets, planNetwork } from '../../lib/cli/network-plan';
import { chooseTask } from '../../lib/cli/task';

const NONE: Header = { kind: 'none' };
const lines = (n: number) => Array.from({ length: n }, (_, i) => i + 2);
const choose = (targets: string[], forced?: 'classification' | 'regression', header: Header = NONE) =>
  chooseTask(targets, lines(targets.length), header, forced, 'data.csv');

describe('chooseTask', () => {
  it('words are classes, in code-point order (as LabelEncoder sorts them)', () => {
    expect(choose(['virginica', 'setosa', 'versicolor', 'setosa'])).toEqual({
      task: 'classification',
      classes: ['setosa', 'versicolor', 'virginica'],
      labelsAreIndices: false,
      reason: 'the target holds words',
    });
  });

  it('a few distinct whole numbers are classes, in numeric order', () => {
    const targets = ['10', '2', '2', '10', '1', '1.0', '2', '1'];
    expect(choose(targets)).toMatchObject({
      task: 'classification',
      classes: ['1', '2', '10'],
      reason: 'the target holds 3 distinct whole numbers',
    });
  });

  it('fractions, more than 20 distinct whole numbers, or as many distinct values as half the rows are regression', () => {
    expect(choose(['1.5', '2', '2', '1.5'])).toMatchObject({
      task: 'regression',
      classes: null,
      reason: 'the target holds fractional numbers',
    });
    const many = Array.from({ length: 100 }, (_, i) => String(i % 25));
    expect(choose(many)).toMatchObject({
      task: 'regression',
      reason: expect.stringMatching(/^the target holds 25 distinct whole numbers/),
    });
    expect(choose(['1', '2', '3', '4'])).toMatchObject({ task: 'regression' });
  });

  it('--task overrides, and regression on words is a usage error naming the line', () => {
    expect(choose(['1', '2', '3', '4'], 'classification')).toMatchObject({
      task: 'classification',
      classes: ['1', '2', '3', '4'],
      reason: '--task classification',
    });
    expect(choose(['1', '1', '2', '2'], 'regression')).toMatchObject({
      task: 'regression',
      reason: '--task regression',
    });
    expect(() => choose(['1', 'x'], 'regression')).toThrow(UsageError);
    expect(() => choose(['1', 'x'], 'regression')).toThrow(
      '--task regression needs a numeric target but data.csv, line 3 has "x"',
    );
  });

  it('a scikit-learn header names the integer labels', () => {
    const header: Header = { kind: 'sklearn', rows: 4, features: 2, classes: ['setosa', 'versicolor', 'virginica'] };
    expect(choose(['0', '2', '1', '0'], undefined, header)).toMatchObject({
      task: 'classification',
      classes: ['setosa', 'versicolor', 'virginica'],
      labelsAreIndices: true,
    });
  });

  it('one class is nothing to learn', () => {
    expect(() => choose(['x', 'x', 'x'])).toThrow(DataError);
    expect(() => choose(['x', 'x', 'x'])).toThrow(
      'the target of data.csv holds one value ("x") on every row: there is nothing to learn',
    );
  });
});

describe('the network plan', () => {
  it('the network fits the task: softmax for several classes, one sigmoid unit for two, identity for regression', () => {
    const names = (plan: ReturnType<typeof planNetwork>) => [
      plan.dims,
      plan.activations.map((a) => a.name),
      plan.loss.name,
      plan.initializer,
    ];
    expect(names(planNetwork(4, [32, 16], 'relu', 'classification', 3))).toEqual([
      [4, 32, 16, 3],
      ['relu', 'relu', 'softmax'],
      'crossEntropy',
      'he',
    ]);
    expect(names(planNetwork(4, [8], 'tanh', 'classification', 2))).toEqual([
      [4, 8, 1],
      ['tanh', 'sigmoid'],
      'binaryCrossEntropy',
      'glorotUniform',
    ]);
    expect(names(planNetwork(4, [], 'relu', 'regression', 0))).toEqual([
      [4, 1],
      ['identity'],
      'meanSquaredError',
      'he',
    ]);
    expect(classTargets(Int32Array.from([1, 0]), 2).toArray()).toEqual([[1], [0]]);
    expect(classTargets(Int32Array.from([2, 0]), 3).toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
    ]);
  });
});

describe('regressionMetrics', () => {
  it('MSE, MAE and R^2 as sklearn.metrics computes them', () => {
    // sklearn: mean_squared_error([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]) = 0.375, MAE 0.5, r2_score 0.9486081370449679
    const m = regressionMetrics([3, -0.5, 2, 7], [2.5, 0.0, 2, 8]);
    expect(m.mse).toBeCloseTo(0.375, 15);
    expect(m.mae).toBeCloseTo(0.5, 15);
    expect(m.r2).toBeCloseTo(0.9486081370449679, 14);
  });

  it('constant targets: R^2 is 1 for exact predictions and 0 otherwise (no NaN)', () => {
    expect(regressionMetrics([2, 2], [2, 2]).r2).toBe(1);
    expect(regressionMetrics([2, 2], [1, 3]).r2).toBe(0);
  });
});
