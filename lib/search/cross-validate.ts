/**
 * crossValidate: how well one set of settings generalises, measured on rows each model did not train
 * on. k-fold (default 5; stratified for classification, as scikit-learn's cross_val_score with
 * StratifiedKFold) or, with `holdout`, one seeded (stratified) held-out part. The folds train at once, on
 * fitAsync's pool. Classification is scored by accuracy (higher is better), regression by mean squared
 * error (lower is better), each on the held-out rows, in the targets' own units.
 */
import { Standardizer, takeRows, trainTestSplit } from '../data';
import { ShapeError, ValueError } from '../errors';
import { toMatrix, type Matrix, type MatrixLike } from '../matrix';
import { argmaxRows } from '../metrics';
import { kFolds, type Fold } from './folds';
import { buildTrial, classesOf, inferTask, resolveSettings, type Task, type TrialSettings } from './settings';
import type { AbortSignalLike } from '../train/options';
import type { TableRows } from '../table/rows';
import { crossValidateTable, isTableData, type TableSearchData } from './table-search';

/** Options of {@link crossValidate}. */
export interface CrossValidateOptions {
  /** Folds, from 2 to the rows. Default 5. Ignored with `holdout`. */
  folds?: number;
  /** Score on one held-out part of this fraction of the rows instead of k folds, in (0, 1). */
  holdout?: number;
  /** Seeds the folds (or the held-out part) and every model's weights and shuffles. Default 0. */
  seed?: number;
  /** Standardise the features with each training part's statistics (so no held-out row leaks in). Default false. */
  standardize?: boolean;
  /** Default: classification when every y row is one-hot (or the one column is 0/1), else regression. */
  task?: Task;
  /** Stops the folds' trainings (an `AbortError`). */
  signal?: AbortSignalLike;
}

/** What {@link crossValidate} measured. */
export interface CrossValidation {
  metric: 'accuracy' | 'mse';
  /** The mean over the folds. */
  score: number;
  /** Each fold's score, in fold order. */
  scores: number[];
}

/** Whether `a` is a better score than `b` for this metric. */
export function better(metric: CrossValidation['metric'], a: number, b: number): boolean {
  if (Number.isNaN(b)) return !Number.isNaN(a);
  return metric === 'accuracy' ? a > b : a < b;
}

function score(task: Task, net: { predict(x: Matrix): Matrix }, x: Matrix, y: Matrix): number {
  const out = net.predict(x);
  if (task === 'classification') {
    const truth = classesOf(y);
    const predicted = y.cols === 1 ? Int32Array.from(out.data, (p) => (p >= 0.5 ? 1 : 0)) : argmaxRows(out);
    let correct = 0;
    for (let i = 0; i < truth.length; i++) if (truth[i] === predicted[i]) correct++;
    return correct / truth.length;
  }
  let sum = 0;
  for (let i = 0; i < y.data.length; i++) sum += (out.data[i]! - y.data[i]!) ** 2;
  return sum / y.data.length;
}

/**
 * Trains one model per fold with `settings` (missing fields: {@link DEFAULT_SETTINGS}) and scores each on
 * its held-out rows. Given raw rows and a table's settings (`crossValidate(rows, { target: 'species' },
 * settings, options)`), each fold fits a TableModel on its own training rows (the preprocessing
 * included: no held-out row leaks into a median, a deviation or the categories kept); missing settings
 * are then the table model's defaults, regression is scored in the targets' own units, and
 * `options.standardize` does not apply (the table model's `standardize` does).
 * @throws {@link ValueError} for bad settings or options; {@link ShapeError} for x and y of different rows;
 *   a fold's training error (e.g. `NonFiniteLossError` when it diverges); `AbortError` when `signal` aborts
 * @example
 * const cv = await crossValidate(x, oneHot(labels, 3), { hidden: [16], learningRate: 0.01 }, { folds: 5 });
 * console.log(cv.metric, cv.score); // accuracy 0.953...
 */
export async function crossValidate(
  rows: TableRows,
  table: TableSearchData,
  settings?: Partial<TrialSettings>,
  options?: CrossValidateOptions,
): Promise<CrossValidation>;
export async function crossValidate(
  x: MatrixLike,
  y: MatrixLike,
  settings?: Partial<TrialSettings>,
  options?: CrossValidateOptions,
): Promise<CrossValidation>;
export async function crossValidate(
  x: MatrixLike | TableRows,
  y: MatrixLike | TableSearchData,
  settings: Partial<TrialSettings> = {},
  options: CrossValidateOptions = {},
): Promise<CrossValidation> {
  if (isTableData(y)) {
    const { standardize: _standardize, ...rest } = options;
    return crossValidateTable(x as TableRows, y, settings, rest);
  }
  return crossValidateMatrix(x as MatrixLike, y, settings, options);
}

async function crossValidateMatrix(
  x: MatrixLike,
  y: MatrixLike,
  settings: Partial<TrialSettings>,
  options: CrossValidateOptions,
): Promise<CrossValidation> {
  const resolved = resolveSettings(settings);
  const xm = toMatrix(x, 'x');
  const ym = toMatrix(y, 'y');
  if (xm.rows !== ym.rows)
    throw new ShapeError(
      'ERR_SHAPE_MISMATCH',
      `Expected x and y to have the same rows but x has ${xm.rows} and y has ${ym.rows}`,
    );
  const task = options.task ?? inferTask(ym);
  const seed = options.seed ?? 0;
  const labels = task === 'classification' ? classesOf(ym) : undefined;
  let folds: Fold[];
  if (options.holdout !== undefined) {
    if (!(options.holdout > 0 && options.holdout < 1))
      throw new ValueError(
        'ERR_INVALID_ARGUMENT',
        `Expected options.holdout to be a fraction in (0, 1) but received ${String(options.holdout)}`,
      );
    folds = [trainTestSplit(xm.rows, { testFraction: options.holdout, seed, ...(labels ? { stratify: labels } : {}) })];
  } else {
    folds = kFolds(xm.rows, options.folds ?? 5, seed, labels);
  }
  const scores = await Promise.all(
    folds.map(async (fold) => {
      let xTrain = takeRows(xm, fold.train);
      let xTest = takeRows(xm, fold.test);
      if (options.standardize) {
        const scaler = Standardizer.fit(xTrain);
        xTrain = scaler.transform(xTrain);
        xTest = scaler.transform(xTest);
      }
      const { net, loss, optimizer } = buildTrial(resolved, xm.cols, ym.cols, task, seed);
      await net.fitAsync(xTrain, takeRows(ym, fold.train), {
        loss,
        optimizer,
        epochs: resolved.epochs,
        batchSize: resolved.batchSize,
        logEvery: resolved.epochs,
        log: null,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return score(task, net, xTest, takeRows(ym, fold.test));
    }),
  );
  return {
    metric: task === 'classification' ? 'accuracy' : 'mse',
    score: scores.reduce((a, b) => a + b, 0) / scores.length,
    scores,
  };
}
