/**
 * Cross-validation and search on raw rows (a real table: words, missing cells, dates) through the table
 * model. Each fold fits its own TableModel on its training rows only, so the medians, the standardising
 * statistics, the categories kept and the class weights come from those rows and nothing of the held-out
 * part leaks into them (as a scikit-learn Pipeline inside cross_val_score). What is searched is the
 * network's settings; what is done to the columns (`TableSearchData`) is held fixed.
 */
import { trainTestSplit } from '../data';
import { OptionError } from '../errors';
import { DEFAULT_MISSING, isMissing } from '../table/cells';
import { TableModel } from '../table/model';
import { NETWORK_OPTION_KEYS, type TableFitOptions } from '../table/options';
import { rowSource, type Row, type TableRows } from '../table/rows';
import { classLabels } from '../table/split';
import { classKey } from '../table/target';
import type { AbortSignalLike } from '../train/options';
import { describeValue } from '../validate';
import type { CrossValidateOptions, CrossValidation } from './cross-validate';
import { kFolds, type Fold } from './folds';
import { resolveSettings, type Task, type TrialSettings } from './settings';

/**
 * The table model's options a search holds fixed: the target and what is done to the columns (kinds,
 * missing spellings, pooling, class and sample weights, standardising). The network's settings
 * (hidden, learningRate, batchSize, weightDecay, epochs, activation, optimizer) are the trial's, the seed
 * the search's.
 */
export type TableSearchData = Omit<TableFitOptions, (typeof NETWORK_KEYS)[number]>;

/** The options a search's trial sets: the network's, and validationRows (folds hold rows out themselves). */
const NETWORK_KEYS = [...NETWORK_OPTION_KEYS, 'validationRows'] as const;

/** Whether crossValidate's or tune's second argument is a table's settings (`{ target, ... }`) rather than y. */
export function isTableData(value: unknown): value is TableSearchData {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value) &&
    'target' in value
  );
}

/** The rows as objects (a parsed CSV is turned into objects once, so folds can pick rows). */
export function tableObjects(rows: TableRows): Row[] {
  if (Array.isArray(rows)) return rows as Row[];
  const source = rowSource(rows);
  return Array.from({ length: source.length }, (_, i) =>
    Object.fromEntries(source.columns.map((c) => [c, source.cell(i, c)])),
  );
}

/** Checks the fixed table settings: the network's own settings belong to the trials, not here. */
function checkTableData(table: TableSearchData): void {
  for (const key of NETWORK_KEYS) {
    if ((table as Record<string, unknown>)[key] !== undefined) {
      throw new OptionError(
        'ERR_TABLE_OPTION',
        `table.${key}`,
        'absent: the search sets it (searched, or held fixed through options.fixed; the seed is options.seed)',
        describeValue((table as Record<string, unknown>)[key]),
      );
    }
  }
}

/** The task and, for classes, each row's class (for stratified folds), from the target cells. */
export function tableTask(
  rows: readonly Row[],
  table: TableSearchData,
): { task: Task; labels: Int32Array | undefined } {
  const targets = typeof table.target === 'string' ? [table.target] : [...table.target];
  if (targets.length > 1 || table.task === 'regression') return { task: 'regression', labels: undefined };
  const missing = new Set(table.missing ?? DEFAULT_MISSING);
  const cells = rows.map((r) => r[targets[0]!]);
  const labels = classLabels(cells, missing);
  if (labels !== undefined) return { task: 'classification', labels };
  if (table.task === 'classification') {
    // Told they are classes though they look like a quantity: stratify by the cells' class keys.
    const keys = new Map<string, number>();
    return {
      task: 'classification',
      labels: Int32Array.from(cells, (c) => {
        const k = isMissing(c, missing) ? '' : classKey(c);
        if (!keys.has(k)) keys.set(k, keys.size);
        return keys.get(k)!;
      }),
    };
  }
  return { task: 'regression', labels: undefined };
}

/** The table model's options for one trial: the fixed table settings, the trial's network settings, the seed. */
export function trialTableOptions(
  table: TableSearchData,
  settings: Partial<TrialSettings>,
  seed: number,
): TableFitOptions {
  const { sampleWeight: _weights, ...rest } = table;
  return { ...rest, ...settings, ...(settings.hidden ? { hidden: [...settings.hidden] } : {}), seed };
}

function take<T>(values: ArrayLike<T>, indices: Uint32Array): T[] {
  return Array.from(indices, (i) => values[i]!);
}

/**
 * A fitted model's score on held-out rows: accuracy (a row whose class the fold's training rows never
 * held counts as wrong rather than failing the fold) or the mean squared error over the targets, in the
 * targets' own units. Rows without a target are left out, as evaluate leaves them out.
 */
function heldOutScore(model: TableModel, rows: readonly Row[], table: TableSearchData, task: Task): number {
  if (task === 'regression') {
    const e = model.evaluate(rows);
    if (e.task !== 'regression') return NaN;
    return e.targets.reduce((s, t) => s + t.mse, 0) / e.targets.length;
  }
  const target = typeof table.target === 'string' ? table.target : table.target[0]!;
  const missing = new Set(table.missing ?? DEFAULT_MISSING);
  const labelled = rows.filter((r) => !isMissing(r[target], missing));
  if (labelled.length === 0) return NaN;
  const predicted = model.predict(labelled);
  let correct = 0;
  labelled.forEach((r, i) => {
    if (classKey(r[target]) === classKey(predicted[i])) correct++;
  });
  return correct / labelled.length;
}

/** The folds of rows (or the one held-out part), stratified by class for classification. */
export function tableFolds(
  count: number,
  labels: Int32Array | undefined,
  options: Pick<CrossValidateOptions, 'folds' | 'holdout' | 'seed'>,
): Fold[] {
  const seed = options.seed ?? 0;
  if (options.holdout !== undefined) {
    if (!(options.holdout > 0 && options.holdout < 1))
      throw new OptionError(
        'ERR_INVALID_ARGUMENT',
        'options.holdout',
        'a fraction in (0, 1)',
        describeValue(options.holdout),
      );
    return [trainTestSplit(count, { testFraction: options.holdout, seed, ...(labels ? { stratify: labels } : {}) })];
  }
  return kFolds(count, options.folds ?? 5, seed, labels);
}

/**
 * Cross-validates the table model with these network settings (those not given: the table model's
 * defaults) on `rows`. Each fold's model is fitted on that fold's training rows only.
 * @throws {@link OptionError} for bad table settings; a fold's training error; `AbortError` when `signal` aborts
 */
export async function crossValidateTable(
  rows: TableRows,
  given: TableSearchData,
  settings: Partial<TrialSettings> = {},
  options: Omit<CrossValidateOptions, 'standardize'> & { signal?: AbortSignalLike } = {},
): Promise<CrossValidation> {
  checkTableData(given);
  resolveSettings(settings);
  const table = options.task !== undefined && given.task === undefined ? { ...given, task: options.task } : given;
  const objects = tableObjects(rows);
  const { task, labels } = tableTask(objects, table);
  const folds = tableFolds(objects.length, labels, options);
  const seed = options.seed ?? 0;
  const base = trialTableOptions(table, settings, seed);
  const weights = table.sampleWeight;
  const scores = await Promise.all(
    folds.map(async (fold) => {
      const train = take(objects, fold.train);
      const model = new TableModel();
      await model.fitAsync(train, {
        ...base,
        ...(weights !== undefined ? { sampleWeight: take(weights, fold.train) } : {}),
        ...(options.signal ? { signal: options.signal as AbortSignal } : {}),
      });
      return heldOutScore(model, take(objects, fold.test), table, task);
    }),
  );
  return {
    metric: task === 'classification' ? 'accuracy' : 'mse',
    score: scores.reduce((a, b) => a + b, 0) / scores.length,
    scores,
  };
}
