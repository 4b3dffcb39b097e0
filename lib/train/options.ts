/**
 * fit's options: their defaults, and the checks that turn a bad value or an unknown name into a clear error.
 */
import type { Activation } from '../activations';
import { ValueError } from '../errors';
import { findLoss, MSE, type Loss } from '../losses';
import { integerIn, invalid, optionsObject, positiveNumber } from '../validate';

/** Options of `Network.fit`. */
export interface FitOptions {
  /** The loss to minimise. Default {@link MSE}. */
  loss?: Loss;
  /** Passes over the data. Default 10. */
  epochs?: number;
  /**
   * Rows per SGD step. Default 32. The data's last, shorter batch is trained too, not dropped; a batch
   * size larger than the data gives one batch of all rows.
   */
  batchSize?: number;
  /** The SGD step size. Default 0.01. Gradients are of the batch-mean loss, as in PyTorch. */
  learningRate?: number;
  /** Compute (and log) the loss over the whole training set every this many epochs, and after the last. Default 10. */
  logEvery?: number;
  /** Where log lines go. Default `console.log`; `null` for silence (the history is still recorded). */
  log?: ((line: string) => void) | null;
  /** Reshuffle the rows before every epoch, from the network's seeded generator. Default true. */
  shuffle?: boolean;
}

export interface ResolvedFitOptions {
  loss: Loss;
  epochs: number;
  batchSize: number;
  learningRate: number;
  logEvery: number;
  log: ((line: string) => void) | null;
  shuffle: boolean;
}

export const FIT_OPTION_NAMES = ['loss', 'epochs', 'batchSize', 'learningRate', 'logEvery', 'log', 'shuffle'] as const;

/** Checks `options` and fills in defaults. */
export function resolveFitOptions(options: unknown, outputActivation: Activation): ResolvedFitOptions {
  const given = optionsObject('options', options, FIT_OPTION_NAMES);
  const loss = given.loss === undefined ? MSE : resolveLoss(given.loss, outputActivation, 'options.loss');
  const log = given.log === undefined ? console.log : given.log;
  if (log !== null && typeof log !== 'function') {
    throw invalid('ERR_INVALID_ARGUMENT', 'options.log', 'a function or null', log);
  }
  const shuffle = given.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw invalid('ERR_INVALID_ARGUMENT', 'options.shuffle', 'a boolean', shuffle);
  return {
    loss,
    epochs: integerIn('options.epochs', given.epochs ?? 10, 1),
    batchSize: integerIn('options.batchSize', given.batchSize ?? 32, 1),
    learningRate: positiveNumber('options.learningRate', given.learningRate ?? 0.01),
    logEvery: integerIn('options.logEvery', given.logEvery ?? 10, 1),
    log: log as ((line: string) => void) | null,
    shuffle,
  };
}

/**
 * A known loss that suits the output layer: the cross-entropies are only defined on the output activation
 * they were written for.
 */
export function resolveLoss(value: unknown, outputActivation: Activation, name: string): Loss {
  const loss = findLoss(value);
  if (loss === undefined) {
    throw invalid('ERR_INVALID_ARGUMENT', name, 'a loss (MSE, BinaryCrossEntropy or CrossEntropy)', value);
  }
  const required = loss.outputActivation;
  if (required !== undefined && required.code !== outputActivation.code) {
    throw new ValueError(
      'ERR_LOSS_ACTIVATION_MISMATCH',
      `The ${loss.name} loss needs a ${required.name} output layer but this network's output activation is ${outputActivation.name}`,
    );
  }
  return loss;
}
