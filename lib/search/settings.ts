/**
 * The settings a search tries, and how one set of them becomes a network and fit's options: hidden layer
 * sizes, learning rate, batch size, weight decay (and, held fixed unless given, the hidden activation, the
 * optimizer and the epochs). The output layer and loss follow the task, as in the CLI's train: softmax +
 * cross-entropy for several classes, one sigmoid unit + binary cross-entropy for two, one identity unit +
 * mean squared error for regression.
 */
import { Identity, Relu, Sigmoid, Softmax, Tanh, type Activation } from '../activations';
import { ValueError } from '../errors';
import { BinaryCrossEntropy, CrossEntropy, MSE, type Loss } from '../losses';
import type { Matrix } from '../matrix';
import { Network } from '../network';
import { Adam, SGD, type Optimizer } from '../optimizers';

/** One candidate's settings. */
export interface TrialSettings {
  /** Hidden layer sizes, e.g. [64, 32]. */
  hidden: number[];
  activation: 'relu' | 'tanh' | 'sigmoid';
  optimizer: 'adam' | 'sgd';
  learningRate: number;
  batchSize: number;
  /** The optimizer's L2 penalty (Adam's and SGD's `weightDecay`). */
  weightDecay: number;
  epochs: number;
}

/** What is learnt: classes (from one-hot rows, or one 0/1 column) or values. */
export type Task = 'classification' | 'regression';

/** The defaults of what a search does not vary and a caller did not fix. */
export const DEFAULT_SETTINGS: TrialSettings = {
  hidden: [32],
  activation: 'relu',
  optimizer: 'adam',
  learningRate: 0.001,
  batchSize: 32,
  weightDecay: 0,
  epochs: 50,
};

const HIDDEN: Record<TrialSettings['activation'], Activation> = { relu: Relu, tanh: Tanh, sigmoid: Sigmoid };

/** The task y describes: classification when every row is one-hot, or the one column holds only 0 and 1. */
export function inferTask(y: Matrix): Task {
  const { rows, cols, data } = y;
  for (let i = 0; i < rows; i++) {
    let ones = 0;
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j]!;
      if (v === 1) ones++;
      else if (v !== 0) return 'regression';
    }
    if (cols > 1 && ones !== 1) return 'regression';
  }
  return 'classification';
}

/** The class of each row: the one-hot column, or the 0/1 value. */
export function classesOf(y: Matrix): Int32Array {
  const out = new Int32Array(y.rows);
  for (let i = 0; i < y.rows; i++) {
    if (y.cols === 1) out[i] = y.data[i]!;
    else for (let j = 0; j < y.cols; j++) if (y.data[i * y.cols + j] === 1) out[i] = j;
  }
  return out;
}

/** Checks settings a caller gave (all fields optional) and fills in the defaults. */
export function resolveSettings(given: Partial<TrialSettings>, name = 'settings'): TrialSettings {
  const s = { ...DEFAULT_SETTINGS, ...given };
  const fail = (field: string, expected: string, value: unknown) =>
    new ValueError(
      'ERR_INVALID_ARGUMENT',
      `Expected ${name}.${field} to be ${expected} but received ${JSON.stringify(value) ?? String(value)}`,
    );
  if (!Array.isArray(s.hidden) || !s.hidden.every((n) => Number.isInteger(n) && n >= 1))
    throw fail('hidden', 'an array of positive integers', s.hidden);
  if (!(s.activation in HIDDEN)) throw fail('activation', '"relu", "tanh" or "sigmoid"', s.activation);
  if (s.optimizer !== 'adam' && s.optimizer !== 'sgd') throw fail('optimizer', '"adam" or "sgd"', s.optimizer);
  if (!(typeof s.learningRate === 'number' && s.learningRate > 0 && Number.isFinite(s.learningRate)))
    throw fail('learningRate', 'a positive number', s.learningRate);
  if (!(Number.isInteger(s.batchSize) && s.batchSize >= 1)) throw fail('batchSize', 'a positive integer', s.batchSize);
  if (!(typeof s.weightDecay === 'number' && s.weightDecay >= 0 && Number.isFinite(s.weightDecay)))
    throw fail('weightDecay', 'a number of at least 0', s.weightDecay);
  if (!(Number.isInteger(s.epochs) && s.epochs >= 1)) throw fail('epochs', 'a positive integer', s.epochs);
  return { ...s, hidden: [...s.hidden] };
}

/** The network, loss and optimizer for these settings, on x's inputs and y's outputs. */
export function buildTrial(
  settings: TrialSettings,
  inputs: number,
  outputs: number,
  task: Task,
  seed: number,
): { net: Network; loss: Loss; optimizer: Optimizer } {
  const hidden = settings.hidden.map(() => HIDDEN[settings.activation]);
  const output = task === 'regression' ? Identity : outputs === 1 ? Sigmoid : Softmax;
  const loss = task === 'regression' ? MSE : outputs === 1 ? BinaryCrossEntropy : CrossEntropy;
  const net = new Network([inputs, ...settings.hidden, outputs], [...hidden, output], {
    seed,
    initializer: settings.activation === 'relu' ? 'he' : 'glorotUniform',
  }) as Network;
  const options = { learningRate: settings.learningRate, weightDecay: settings.weightDecay };
  const optimizer = settings.optimizer === 'adam' ? new Adam(options) : new SGD(options);
  return { net, loss, optimizer };
}
