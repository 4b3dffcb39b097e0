/**
 * The table model's options, checked: every bad value is an {@link OptionError} naming the option, what
 * it takes and what came (`ERR_TABLE_OPTION`), and an unknown key suggests the nearest known one.
 */
import type { BackendName } from '../backend/backend';
import { OptionError } from '../errors';
import { closest, describeValue } from '../validate';
import { DEFAULT_MISSING } from './cells';
import { COLUMN_KINDS, type ColumnKind } from './infer';
import { HIDDEN_ACTIVATIONS, type HiddenActivation, type Task } from './network-plan';
import type { Loss } from '../losses';
import type { Matrix } from '../matrix';
import type { AbortSignalLike, FitAsyncOptions } from '../train/options';
import type { Network } from '../network';
import type { TargetEncoder } from './target';
import type { ColumnSummary } from './model';
import type { TableRows } from './rows';

/** Categories seen fewer times than this in training are pooled into one "other" column. */
export const DEFAULT_MIN_FREQUENCY = 5;
/** At most this many one-hot columns per categorical column ("missing" and "other" included). */
export const DEFAULT_MAX_CATEGORIES = 50;
/** The table model's hidden layers: one of 100 units, as scikit-learn's MLPClassifier/MLPRegressor. */
export const DEFAULT_TABLE_HIDDEN: readonly number[] = [100];
/**
 * The most rows per update by default: 200, as MLP's `batch_size='auto'` (min(200, rows)). Why MLP's
 * defaults rather than blasnet fit's 32: with 200 epochs, batches of 32 make 6x the updates, and on a
 * table with many one-hot columns (bench/tables.ts's bird strikes: 219 inputs, 3,200 rows) the network
 * then learns the training rows by heart (training accuracy 0.999) and scored 0.011 to 0.031 below the
 * scikit-learn pipeline on every split; at 200 rows a batch it is within 0.01 (0.016 with the weight decay). See {@link defaultBatchSize}
 * for small tables.
 */
export const DEFAULT_TABLE_BATCH_SIZE = 200;

/**
 * The default L2 penalty (the optimizer's `weightDecay`, added to the gradients): 0.001. Without it the
 * network learns every training row of a table with many one-hot inputs (bench/tables.ts's bird strikes:
 * training balanced accuracy 0.99), and then class weights change little of what it ends with:
 * `classWeight: 'balanced'` raised the held-out balanced accuracy from 0.229 to 0.254 (4 of 5 splits).
 * At 0.001 it no longer can (0.59 unweighted), and 'balanced' raises it from 0.228 to 0.322 on every
 * split, while the plain accuracy stays within 0.02 of scikit-learn's pipeline. (MLP's `alpha=1e-4` is a
 * penalty on the summed loss, about 5e-7 on this mean loss: scikit-learn has next to none.)
 */
export const DEFAULT_TABLE_WEIGHT_DECAY = 0.001;

/**
 * The default batch size for `rows` training rows: 200, but at most a fifth of the rows (at least 1), so
 * that a small table still gets 5 updates an epoch. MLP's min(200, rows) gives 120-row iris one update an
 * epoch, 200 in all, and it stops short of converging (held-out accuracy 0.77 on one split; scikit-learn
 * warns so); a tenth (10 updates) over-fit the 325 training rows of bench/tables.ts's cars (R² 0.066
 * below scikit-learn's on one split, 0.046 at a fifth).
 */
export function defaultBatchSize(rows: number): number {
  return Math.max(1, Math.min(DEFAULT_TABLE_BATCH_SIZE, Math.ceil(rows / 5)));
}

/** Options of {@link TableModel.fit}. */
export interface TableFitOptions {
  /** The column to predict, or several numeric columns (regression with one output each). */
  target: string | readonly string[];
  /** `'classification'` or `'regression'`; default: inferred from the target (see docs/table.md). */
  task?: Task;
  /** Kinds that override inference, by column: `{ zip: 'categorical', id: 'ignore' }`. */
  columns?: Readonly<Record<string, ColumnKind>>;
  /** The spellings of a missing cell (exact, after trimming). Default {@link DEFAULT_MISSING}. */
  missing?: readonly string[];
  /** Pool categories seen fewer times than this (an integer >= 1; 1 pools none). Default 5. */
  minFrequency?: number;
  /** At most this many one-hot columns per column (an integer >= 2). Default 50. */
  maxCategories?: number;
  /**
   * Hidden layer sizes. Default [100], scikit-learn MLP's `hidden_layer_sizes=(100,)` (see
   * {@link DEFAULT_TABLE_BATCH_SIZE} for why the table model follows MLP's defaults).
   */
  hidden?: readonly number[];
  /** Hidden activation: `'relu'` (default), `'tanh'` or `'sigmoid'`. */
  activation?: HiddenActivation;
  /** Default 200. */
  epochs?: number;
  /** Rows per update. Default: 200, or a fifth of the training rows when that is fewer ({@link defaultBatchSize}). */
  batchSize?: number;
  /** Default 0.001 for Adam, 0.01 for SGD. */
  learningRate?: number;
  /** `'adam'` (default) or `'sgd'`. */
  optimizer?: 'adam' | 'sgd';
  /** L2 penalty the optimizer adds to the gradients (its `weightDecay`, a finite number >= 0). Default 0.001 ({@link DEFAULT_TABLE_WEIGHT_DECAY}). */
  weightDecay?: number;
  /** Seeds the weights and the shuffles. Default 1. */
  seed?: number;
  /** `'native'` (default) or `'js'`. */
  backend?: BackendName;
  /**
   * Class weights: `'balanced'` (n_rows / (n_classes * rows of the class), scikit-learn's formula) or a
   * weight per label (labels not listed weigh 1). Classification only.
   */
  classWeight?: 'balanced' | Readonly<Record<string, number>>;
  /** One weight (finite, >= 0) per row given, multiplied with the class weight. */
  sampleWeight?: ArrayLike<number>;
  /** Rows to measure the loss on after every epoch (encoded with the training rows' statistics). */
  validationRows?: TableRows;
  /**
   * Standardise numeric inputs, date parts and regression targets with the training rows' mean and
   * deviation. Default true; false feeds them as they are (imputation and one-hot still apply).
   */
  standardize?: boolean;
}

/** Options of {@link TableModel.fitAsync}: fit's, and the training callbacks. */
export interface TableFitAsyncOptions extends TableFitOptions {
  /** Aborting it stops training between two minibatches (fitAsync rejects with an AbortError). */
  signal?: AbortSignalLike;
  onEpochEnd?: (epoch: number, logs: { loss: number; valLoss?: number; valAccuracy?: number }) => void | Promise<void>;
  onBatchEnd?: (
    batch: number,
    logs: { epoch: number; loss: number; size: number; progress: number },
  ) => void | Promise<void>;
  /**
   * Called once the columns are encoded and the network is built, before training starts: what was done
   * to each column, and the network (its dims, its loss), so a program can report them while it trains.
   */
  onPrepared?: (prepared: {
    columns: ColumnSummary[];
    inputNames: string[];
    target: TargetEncoder;
    network: Network;
    loss: Loss;
  }) => void;
  /**
   * Trains the prepared network somewhere else instead of `network.fitAsync` (`blasnet train --redis`
   * trains it on a queue worker): given the untrained network, the encoded rows and fitAsync's options
   * (signal and callbacks included), it resolves with the trained network, of the same dims. Default:
   * `network.fitAsync(x, y, options)` on this process's pool.
   */
  fitNetwork?: (
    network: Network,
    x: Matrix,
    y: Matrix,
    options: FitAsyncOptions & { validationData?: readonly [Matrix, Matrix] },
  ) => Promise<Network>;
}

/** The options that set up the network and its training (a search's trials set these: lib/search/table-search.ts). */
export const NETWORK_OPTION_KEYS = [
  'hidden',
  'activation',
  'epochs',
  'batchSize',
  'learningRate',
  'optimizer',
  'weightDecay',
  'seed',
] as const;

const KNOWN = [
  'target',
  'task',
  'columns',
  'missing',
  'minFrequency',
  'maxCategories',
  ...NETWORK_OPTION_KEYS,
  'backend',
  'classWeight',
  'sampleWeight',
  'validationRows',
  'standardize',
  'signal',
  'onEpochEnd',
  'onBatchEnd',
  'onPrepared',
  'fitNetwork',
] as const;

/** The options with defaults filled in. */
export interface ResolvedTableOptions {
  targets: string[];
  task: Task | undefined;
  columns: Map<string, ColumnKind>;
  missing: string[];
  minFrequency: number;
  maxCategories: number;
  hidden: number[];
  activation: HiddenActivation;
  epochs: number;
  /** undefined: {@link defaultBatchSize} of the rows with a target. */
  batchSize: number | undefined;
  learningRate: number;
  optimizer: 'adam' | 'sgd';
  weightDecay: number;
  seed: number;
  backend: BackendName;
  classWeight: 'balanced' | Map<string, number> | undefined;
  sampleWeight: Float64Array | undefined;
  standardize: boolean;
}

const bad = (option: string, expected: string, value: unknown) =>
  new OptionError('ERR_TABLE_OPTION', option, expected, describeValue(value));

function integer(option: string, value: unknown, fallback: number, min: number, max = 2 ** 31 - 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw bad(option, `an integer from ${min} to ${max}`, value);
  return value;
}

function choice<T extends string>(
  option: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T | undefined,
): T | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw bad(option, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  return value as T;
}

/** Checks fit's options; `rowCount` is the number of rows given (for sampleWeight's length). */
export function resolveTableOptions(options: unknown, rowCount: number): ResolvedTableOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw bad('options', 'an object with at least a target', options);
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(KNOWN as readonly string[]).includes(key)) {
      const near = closest(key, KNOWN);
      throw new OptionError(
        'ERR_UNKNOWN_OPTION',
        `options.${key}`,
        `one of the known options`,
        describeValue(given[key]),
        `Unknown option options.${key}${near ? ` (did you mean ${near}?)` : ''}; known options: ${KNOWN.join(', ')}`,
      );
    }
  }
  for (const key of ['onEpochEnd', 'onBatchEnd', 'onPrepared', 'fitNetwork'] as const) {
    if (given[key] !== undefined && typeof given[key] !== 'function')
      throw bad(`options.${key}`, 'a function', given[key]);
  }
  if (given.signal !== undefined && !(given.signal instanceof AbortSignal))
    throw bad('options.signal', 'an AbortSignal', given.signal);
  const target = given.target;
  const targets =
    typeof target === 'string'
      ? [target]
      : Array.isArray(target) && target.length > 0 && target.every((t) => typeof t === 'string')
        ? [...(target as string[])]
        : undefined;
  if (targets === undefined) throw bad('options.target', 'a column name or a non-empty array of column names', target);
  if (new Set(targets).size !== targets.length) throw bad('options.target', 'distinct column names', target);
  const columns = new Map<string, ColumnKind>();
  if (given.columns !== undefined) {
    if (typeof given.columns !== 'object' || given.columns === null || Array.isArray(given.columns))
      throw bad('options.columns', 'an object of column name -> kind', given.columns);
    for (const [name, kind] of Object.entries(given.columns)) {
      columns.set(name, choice(`options.columns[${JSON.stringify(name)}]`, kind, COLUMN_KINDS, undefined)!);
    }
  }
  let missing = [...DEFAULT_MISSING];
  if (given.missing !== undefined) {
    if (!Array.isArray(given.missing) || !given.missing.every((m) => typeof m === 'string'))
      throw bad('options.missing', 'an array of strings', given.missing);
    missing = (given.missing as string[]).map((m) => m.trim());
  }
  let hidden = [...DEFAULT_TABLE_HIDDEN];
  if (given.hidden !== undefined) {
    if (
      !Array.isArray(given.hidden) ||
      !given.hidden.every((h) => typeof h === 'number' && Number.isInteger(h) && h >= 1 && h <= 1_000_000)
    ) {
      throw bad('options.hidden', 'an array of layer sizes (integers from 1 to 1000000)', given.hidden);
    }
    hidden = [...(given.hidden as number[])];
  }
  const optimizer = choice('options.optimizer', given.optimizer, ['adam', 'sgd'] as const, 'adam')!;
  const rate = given.learningRate;
  if (rate !== undefined && (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0))
    throw bad('options.learningRate', 'a finite number greater than 0', rate);
  const decay = given.weightDecay;
  if (decay !== undefined && (typeof decay !== 'number' || !Number.isFinite(decay) || decay < 0))
    throw bad('options.weightDecay', 'a finite number >= 0', decay);
  let classWeight: ResolvedTableOptions['classWeight'];
  const cw = given.classWeight;
  if (cw === 'balanced') classWeight = 'balanced';
  else if (cw !== undefined) {
    if (typeof cw !== 'object' || cw === null || Array.isArray(cw))
      throw bad('options.classWeight', "'balanced' or an object of label -> weight", cw);
    classWeight = new Map();
    for (const [label, w] of Object.entries(cw)) {
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
        throw bad(`options.classWeight[${JSON.stringify(label)}]`, 'a finite number >= 0', w);
      classWeight.set(label, w);
    }
  }
  let sampleWeight: Float64Array | undefined;
  const sw = given.sampleWeight;
  if (sw !== undefined) {
    const isArrayLike = Array.isArray(sw) || (ArrayBuffer.isView(sw) && !(sw instanceof DataView));
    if (!isArrayLike) throw bad('options.sampleWeight', `an array of ${rowCount} weights`, sw);
    const values = sw as ArrayLike<unknown>;
    if (values.length !== rowCount)
      throw bad('options.sampleWeight', `an array of ${rowCount} weights (one per row)`, sw);
    sampleWeight = new Float64Array(rowCount);
    for (let i = 0; i < rowCount; i++) {
      const w = values[i];
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
        throw bad(`options.sampleWeight[${i}]`, 'a finite number >= 0', w);
      sampleWeight[i] = w;
    }
  }
  return {
    targets,
    task: choice('options.task', given.task, ['classification', 'regression'] as const, undefined),
    columns,
    missing,
    minFrequency: integer('options.minFrequency', given.minFrequency, DEFAULT_MIN_FREQUENCY, 1),
    maxCategories: integer('options.maxCategories', given.maxCategories, DEFAULT_MAX_CATEGORIES, 2, 100_000),
    hidden,
    activation: choice('options.activation', given.activation, HIDDEN_ACTIVATIONS, 'relu')!,
    epochs: integer('options.epochs', given.epochs, 200, 1, 1_000_000),
    batchSize:
      given.batchSize === undefined
        ? undefined
        : integer('options.batchSize', given.batchSize, DEFAULT_TABLE_BATCH_SIZE, 1),
    learningRate: (rate as number | undefined) ?? (optimizer === 'adam' ? 0.001 : 0.01),
    optimizer,
    weightDecay: (decay as number | undefined) ?? DEFAULT_TABLE_WEIGHT_DECAY,
    seed: integer('options.seed', given.seed, 1, 0, 2 ** 48 - 1),
    backend: choice('options.backend', given.backend, ['native', 'js'] as const, 'native')!,
    classWeight,
    sampleWeight,
    standardize:
      given.standardize === undefined
        ? true
        : typeof given.standardize === 'boolean'
          ? given.standardize
          : (() => {
              throw bad('options.standardize', 'a boolean', given.standardize);
            })(),
  };
}
