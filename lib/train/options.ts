/**
 * The options of fit and fitAsync: their defaults, and the checks that turn a bad value or an unknown name
 * into a clear error. Both methods take the same training options; fitAsync adds its callbacks and signal.
 */
import type { Activation } from '../activations';
import { ValueError } from '../errors';
import { MSE, resolveLoss, type Loss } from '../losses';
import type { MatrixLike, TargetsLike } from '../matrix';
import { Optimizer } from '../optimizers';
import type { Schedule } from '../schedules';
import type { History } from './history';
import { integerIn, invalid, numberIn, optionsObject, positiveNumber } from '../validate';
import type { ClassWeight, WeightOptions } from './sample-weights';

/**
 * The most epochs one fit or fitAsync call runs. Rates and the history are made as epochs arrive, but the
 * history still grows with the epochs (one entry per `logEvery`), and past this it would outgrow what a
 * JavaScript array holds; a longer run is several fit calls (schedules and the generator continue).
 */
export const MAX_EPOCHS = 10_000_000;

/**
 * What fitAsync needs of an `AbortSignal` (it must be a real one: checked with instanceof). Declared here,
 * rather than using the global type, so that the published types compile in a project without
 * @types/node or the DOM library; Node's and the DOM's AbortSignal both fit it.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** When to stop before `epochs` because the monitored loss stopped improving (Keras's `EarlyStopping`). */
export interface EarlyStoppingOptions {
  /**
   * Epochs without improvement to tolerate before stopping. Default 0: stop at the first epoch that does
   * not improve.
   */
  patience?: number;
  /** How much lower than the best so far the monitored loss must be to count as an improvement. Default 0. */
  minDelta?: number;
  /**
   * End with the weights of the best epoch rather than the last one. Default false. Costs one copy of the
   * weights per improving epoch.
   */
  restoreBest?: boolean;
}

/** Options of `Network.fit` (and of `Network.fitAsync`, which adds {@link FitAsyncOptions}'s). */
export interface FitOptions {
  /** The loss to minimise. Default: the loss this network last trained with (saved with it), else {@link MSE}. */
  loss?: Loss;
  /** Passes over the data. Default 10; at most {@link MAX_EPOCHS} (10,000,000) per call. */
  epochs?: number;
  /**
   * Rows per SGD step. Default 32. The data's last, shorter batch is trained too, not dropped; a batch
   * size larger than the data gives one batch of all rows.
   */
  batchSize?: number;
  /**
   * The optimizer: `new SGD({ learningRate, momentum, nesterov, weightDecay })`, `new Adam({...})` or
   * `new AdamW({...})`. It keeps its state (momentum, moments) across fit calls, and attaches to this
   * network. Default: the network's optimizer (the last one it trained with, or loaded with it), else plain
   * SGD at `learningRate`. Not with `learningRate`.
   */
  optimizer?: Optimizer;
  /**
   * Shorthand for plain SGD at this step size, `optimizer: new SGD({ learningRate })`. Default 0.01 when
   * the network has no optimizer yet. Gradients are of the batch-mean loss, as in PyTorch.
   */
  learningRate?: number;
  /**
   * A learning rate per epoch, replacing the optimizer's own: `schedules.step`, `schedules.exponential`,
   * `schedules.cosine`, or any function of the epoch. The epoch counts this network's completed epochs from
   * 0, across fit calls and save/load, so a resumed run continues its schedule.
   */
  schedule?: Schedule;
  /** Compute (and log) the loss over the whole training set every this many epochs, and after the last. Default 10. */
  logEvery?: number;
  /** Where log lines go. Default `console.log`; `null` for silence (the history is still recorded). */
  log?: ((line: string) => void) | null;
  /** Reshuffle the rows before every epoch, from the network's seeded generator. Default true. */
  shuffle?: boolean;
  /**
   * Hold out this fraction of the rows, from 0 to 1 exclusive, for validation: the last rows, before any
   * shuffling (as Keras and tfjs do), so the split is the same every run. Not with `validationData`.
   */
  validationSplit?: number;
  /** Validation rows `[x, y]`, measured after every epoch. Not with `validationSplit`. */
  validationData?: readonly [MatrixLike, TargetsLike];
  /**
   * Stop when the monitored loss stops improving: the validation loss when there is validation data, else
   * the epoch's mean minibatch loss. Default: no early stopping.
   */
  earlyStopping?: EarlyStoppingOptions;
  /**
   * Stop at the first minibatch whose loss is NaN or infinite, with a `NonFiniteLossError`, leaving the
   * weights of the last finite step. Default true; false trains on regardless (the weights become NaN).
   */
  stopOnNonFinite?: boolean;
  /**
   * One weight per row (finite, >= 0): the loss becomes sum(w_i * loss_i) / sum(w_i) over each minibatch,
   * PyTorch's weighted reduction (a row's loss: its mean over columns for MSE and BCE, -sum y log a for
   * cross-entropy; a minibatch whose weights are all 0 changes nothing). Multiplied with `classWeight`.
   * The history's loss is weighted the same way over all rows; the validation loss stays unweighted.
   * Weighted training composes its step from the layer kernels (lib/train/weighted.ts), somewhat slower
   * than the fused unweighted step. With `validationSplit`, the weights of the held-out rows are unused.
   */
  sampleWeight?: ArrayLike<number>;
  /**
   * A weight per class (`'balanced'`: n_rows / (n_classes * rows of the class), scikit-learn's formula;
   * or an array / object keyed by class index). A row's class is the largest column of its target (one
   * output column: target >= 0.5). With one-hot targets and cross-entropy this is exactly
   * `torch.nn.CrossEntropyLoss(weight=w)`.
   */
  classWeight?: ClassWeight;
}

/** What `onEpochEnd` receives. */
export interface EpochLogs {
  /**
   * The epoch's mean minibatch loss, weighted by batch rows (Keras's `loss`; free to compute, but measured
   * while the weights moved). The history's `loss` is the whole training set's loss after the epoch.
   */
  loss: number;
  /** The validation loss after the epoch, with validation data. */
  valLoss?: number;
  /**
   * The fraction of validation rows whose largest output is the target's largest (for one output: both on
   * the same side of 0.5), with validation data. Meaningful for classification.
   */
  valAccuracy?: number;
}

/** What `onBatchEnd` receives. */
export interface BatchLogs {
  /** The epoch (from 1). */
  epoch: number;
  /** The minibatch's loss, measured before its update. */
  loss: number;
  /** The minibatch's rows. */
  size: number;
  /** The fraction of all minibatches of the run (every epoch) done, from 0 to 1. */
  progress: number;
}

/** Options of `Network.fitAsync`: {@link FitOptions} plus callbacks and cancellation. */
export interface FitAsyncOptions extends FitOptions {
  /**
   * Called after every epoch (from 1); may return a promise, which is awaited before training goes on.
   * When it runs, the network holds that epoch's weights.
   */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | Promise<void>;
  /**
   * Called after a minibatch (`batch`: its index within the epoch, from 0), at most every `yieldEvery`
   * milliseconds; awaited. When it runs, the network holds the weights after that minibatch.
   */
  onBatchEnd?: (batch: number, logs: BatchLogs) => void | Promise<void>;
  /** Called once when training ends normally (early stopping included), with the history; awaited. */
  onTrainEnd?: (history: History) => void | Promise<void>;
  /**
   * Aborting it stops training between two minibatches: fitAsync rejects with an `AbortError` whose
   * `cause` is the signal's reason, and the network keeps the weights of the last completed minibatch.
   * An abort does not wait for a callback that has not settled: fitAsync rejects and the worker ends at
   * once; the callback's promise is left to itself (not cancelled, no longer awaited, its result or
   * rejection ignored), and no other callback is called.
   */
  signal?: AbortSignalLike;
  /**
   * The least time in milliseconds between two `onBatchEnd` calls, and (without `onEpochEnd`) between two
   * updates of the network's weights while it trains. Default 125 (tfjs's); 0 for every batch and epoch.
   */
  yieldEvery?: number;
}

/** Early-stopping options with their defaults filled in. */
export interface ResolvedEarlyStopping {
  patience: number;
  minDelta: number;
  restoreBest: boolean;
}

/** fit's options, checked, with their defaults filled in. */
export interface ResolvedFitOptions {
  loss: Loss;
  epochs: number;
  batchSize: number;
  optimizer: Optimizer | undefined;
  /** Given explicitly (plain SGD), or undefined. */
  learningRate: number | undefined;
  schedule: Schedule | undefined;
  logEvery: number;
  log: ((line: string) => void) | null;
  shuffle: boolean;
  validationSplit: number | undefined;
  validationData: readonly [MatrixLike, TargetsLike] | undefined;
  earlyStopping: ResolvedEarlyStopping | null;
  stopOnNonFinite: boolean;
  /** Checked against the rows later (see sample-weights.ts). */
  weights: WeightOptions;
}

/** fitAsync's options, checked, with their defaults filled in. */
export interface ResolvedFitAsyncOptions extends ResolvedFitOptions {
  onEpochEnd: FitAsyncOptions['onEpochEnd'];
  onBatchEnd: FitAsyncOptions['onBatchEnd'];
  onTrainEnd: FitAsyncOptions['onTrainEnd'];
  signal: AbortSignalLike | undefined;
  yieldEvery: number;
}

/** The option names fit knows (others are rejected, with a suggestion). */
export const FIT_OPTION_NAMES = [
  'loss',
  'epochs',
  'batchSize',
  'optimizer',
  'learningRate',
  'schedule',
  'logEvery',
  'log',
  'shuffle',
  'validationSplit',
  'validationData',
  'earlyStopping',
  'stopOnNonFinite',
  'sampleWeight',
  'classWeight',
] as const;

/** The option names fitAsync knows: fit's, plus callbacks and cancellation. */
export const FIT_ASYNC_OPTION_NAMES = [
  ...FIT_OPTION_NAMES,
  'onEpochEnd',
  'onBatchEnd',
  'onTrainEnd',
  'signal',
  'yieldEvery',
] as const;

const EARLY_STOPPING_OPTION_NAMES = ['patience', 'minDelta', 'restoreBest'] as const;

/** The default of `yieldEvery`, tfjs's. */
export const DEFAULT_YIELD_EVERY_MS = 125;

/**
 * Checks fit's `options` and fills in defaults. `defaultLoss` is the network's last loss, if any.
 */
export function resolveFitOptions(
  options: unknown,
  outputActivation: Activation,
  defaultLoss: Loss = MSE,
): ResolvedFitOptions {
  // Name the method that has them, rather than a bare "unknown option", for options only fitAsync takes.
  if (typeof options === 'object' && options !== null) {
    const asyncOnly = Object.keys(options).find(
      (key) =>
        !(FIT_OPTION_NAMES as readonly string[]).includes(key) &&
        (FIT_ASYNC_OPTION_NAMES as readonly string[]).includes(key),
    );
    if (asyncOnly !== undefined) {
      throw new ValueError(
        'ERR_UNKNOWN_OPTION',
        `Unknown option options.${asyncOnly} for fit: callbacks, signal and yieldEvery are options of fitAsync, which trains off the main thread`,
      );
    }
  }
  return resolveCommon(optionsObject('options', options, FIT_OPTION_NAMES), outputActivation, defaultLoss);
}

/** Checks fitAsync's `options` and fills in defaults. */
export function resolveFitAsyncOptions(
  options: unknown,
  outputActivation: Activation,
  defaultLoss: Loss = MSE,
): ResolvedFitAsyncOptions {
  const given = optionsObject('options', options, FIT_ASYNC_OPTION_NAMES);
  const callback = <K extends 'onEpochEnd' | 'onBatchEnd' | 'onTrainEnd'>(key: K): FitAsyncOptions[K] => {
    const value = given[key];
    if (value !== undefined && typeof value !== 'function')
      throw invalid('ERR_INVALID_ARGUMENT', `options.${key}`, 'a function', value);
    return value as FitAsyncOptions[K];
  };
  const signal = given.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalid('ERR_INVALID_ARGUMENT', 'options.signal', 'an AbortSignal', signal);
  }
  const yieldEvery = given.yieldEvery ?? DEFAULT_YIELD_EVERY_MS;
  if (typeof yieldEvery !== 'number' || !(yieldEvery >= 0) || !Number.isFinite(yieldEvery)) {
    throw invalid('ERR_INVALID_ARGUMENT', 'options.yieldEvery', 'a finite number of milliseconds >= 0', yieldEvery);
  }
  return {
    ...resolveCommon(given, outputActivation, defaultLoss),
    onEpochEnd: callback('onEpochEnd'),
    onBatchEnd: callback('onBatchEnd'),
    onTrainEnd: callback('onTrainEnd'),
    signal: signal as AbortSignalLike | undefined,
    yieldEvery,
  };
}

function resolveCommon(
  given: Partial<Record<(typeof FIT_OPTION_NAMES)[number], unknown>>,
  outputActivation: Activation,
  defaultLoss: Loss,
): ResolvedFitOptions {
  const loss = given.loss === undefined ? defaultLoss : resolveLoss(given.loss, outputActivation, 'options.loss');
  const log = given.log === undefined ? console.log : given.log;
  if (log !== null && typeof log !== 'function') {
    throw invalid('ERR_INVALID_ARGUMENT', 'options.log', 'a function or null', log);
  }
  const shuffle = given.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw invalid('ERR_INVALID_ARGUMENT', 'options.shuffle', 'a boolean', shuffle);
  const stopOnNonFinite = given.stopOnNonFinite ?? true;
  if (typeof stopOnNonFinite !== 'boolean') {
    throw invalid('ERR_INVALID_ARGUMENT', 'options.stopOnNonFinite', 'a boolean', stopOnNonFinite);
  }
  const validationSplit = given.validationSplit;
  if (
    validationSplit !== undefined &&
    (typeof validationSplit !== 'number' || !(validationSplit > 0 && validationSplit < 1))
  ) {
    throw invalid(
      'ERR_INVALID_ARGUMENT',
      'options.validationSplit',
      'a number between 0 and 1 (exclusive)',
      validationSplit,
    );
  }
  const validationData = given.validationData;
  if (validationData !== undefined && !(Array.isArray(validationData) && validationData.length === 2)) {
    throw invalid('ERR_INVALID_ARGUMENT', 'options.validationData', 'a pair [x, y]', validationData);
  }
  const optimizer = given.optimizer;
  if (optimizer !== undefined && !(optimizer instanceof Optimizer)) {
    throw invalid(
      'ERR_INVALID_ARGUMENT',
      'options.optimizer',
      'an optimizer (new SGD(), new Adam() or new AdamW())',
      optimizer,
    );
  }
  if (optimizer !== undefined && given.learningRate !== undefined) {
    throw new ValueError(
      'ERR_INVALID_ARGUMENT',
      'Expected options.optimizer or options.learningRate but received both; give the rate to the optimizer (new Adam({ learningRate }))',
    );
  }
  const schedule = given.schedule;
  if (schedule !== undefined && typeof schedule !== 'function') {
    throw invalid('ERR_INVALID_ARGUMENT', 'options.schedule', 'a function of the epoch (see schedules)', schedule);
  }
  if (validationSplit !== undefined && validationData !== undefined) {
    throw new ValueError(
      'ERR_INVALID_ARGUMENT',
      'Expected options.validationSplit or options.validationData but received both; give one',
    );
  }
  return {
    loss,
    epochs: integerIn('options.epochs', given.epochs ?? 10, 1, MAX_EPOCHS),
    batchSize: integerIn('options.batchSize', given.batchSize ?? 32, 1),
    optimizer: optimizer as Optimizer | undefined,
    learningRate:
      given.learningRate === undefined ? undefined : positiveNumber('options.learningRate', given.learningRate),
    schedule: schedule as Schedule | undefined,
    logEvery: integerIn('options.logEvery', given.logEvery ?? 10, 1),
    log: log as ((line: string) => void) | null,
    shuffle,
    validationSplit,
    validationData: validationData as readonly [MatrixLike, TargetsLike] | undefined,
    earlyStopping: resolveEarlyStopping(given.earlyStopping),
    stopOnNonFinite,
    weights: {
      ...(given.sampleWeight !== undefined ? { sampleWeight: given.sampleWeight as ArrayLike<number> } : {}),
      ...(given.classWeight !== undefined ? { classWeight: given.classWeight as ClassWeight } : {}),
    },
  };
}

function resolveEarlyStopping(value: unknown): ResolvedEarlyStopping | null {
  if (value === undefined) return null;
  const given = optionsObject('options.earlyStopping', value, EARLY_STOPPING_OPTION_NAMES);
  const restoreBest = given.restoreBest ?? false;
  if (typeof restoreBest !== 'boolean') {
    throw invalid('ERR_INVALID_ARGUMENT', 'options.earlyStopping.restoreBest', 'a boolean', restoreBest);
  }
  return {
    patience: integerIn('options.earlyStopping.patience', given.patience ?? 0, 0),
    minDelta: numberIn('options.earlyStopping.minDelta', given.minDelta ?? 0, 0, Number.MAX_VALUE),
    restoreBest,
  };
}
