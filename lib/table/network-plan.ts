/**
 * The network a task calls for: hidden layers as asked, and the output layer and loss that fit the task.
 * Several classes: softmax + cross-entropy. Two classes: one sigmoid unit + binary cross-entropy (the
 * same model with half the output weights; the unit's output is the probability of the second class).
 * Regression: one identity unit + mean squared error.
 */
import { Identity, Relu, Sigmoid, Softmax, Tanh, type Activation } from '../activations';
import type { InitializerName } from '../initializers';
import { BinaryCrossEntropy, CrossEntropy, MSE, type Loss } from '../losses';
import { Matrix } from '../matrix';

/** What a model learns: classes, or a quantity. */
// One Task type for the table model and the search (lib/search/settings.ts states it).
import type { Task } from '../search/settings';
export type { Task };

/** The activations `--activation` offers for hidden layers. */
export type HiddenActivation = 'relu' | 'tanh' | 'sigmoid';
/** Every hidden activation, in the help's order. */
export const HIDDEN_ACTIVATIONS: readonly HiddenActivation[] = ['relu', 'tanh', 'sigmoid'];

/** The layers, loss and initialiser of the network train builds. */
export interface NetworkPlan {
  dims: number[];
  activations: Activation[];
  loss: Loss;
  /** He for ReLU layers (their half-zero outputs halve the variance), Glorot for tanh and sigmoid, as Keras advises. */
  initializer: InitializerName;
}

const HIDDEN: Record<HiddenActivation, Activation> = { relu: Relu, tanh: Tanh, sigmoid: Sigmoid };

/**
 * The network for `inputs` features, the hidden sizes asked for, and the task (`classes`: 0 for
 * regression, which has `targets` identity outputs, one per target column).
 */
export function planNetwork(
  inputs: number,
  hidden: readonly number[],
  activation: HiddenActivation,
  task: Task,
  classes: number,
  targets = 1,
): NetworkPlan {
  const hiddenActivations = hidden.map(() => HIDDEN[activation]);
  const initializer: InitializerName = activation === 'relu' ? 'he' : 'glorotUniform';
  if (task === 'regression')
    return {
      dims: [inputs, ...hidden, targets],
      activations: [...hiddenActivations, Identity],
      loss: MSE,
      initializer,
    };
  if (classes === 2)
    return {
      dims: [inputs, ...hidden, 1],
      activations: [...hiddenActivations, Sigmoid],
      loss: BinaryCrossEntropy,
      initializer,
    };
  return {
    dims: [inputs, ...hidden, classes],
    activations: [...hiddenActivations, Softmax],
    loss: CrossEntropy,
    initializer,
  };
}

/** The training targets: one-hot rows for softmax, the 0/1 label for one sigmoid unit. */
export function classTargets(labels: Int32Array, classes: number): Matrix {
  if (classes === 2) return new Matrix(labels.length, 1, Float64Array.from(labels));
  const out = new Matrix(labels.length, classes);
  for (let i = 0; i < labels.length; i++) out.data[i * classes + labels[i]!] = 1;
  return out;
}

/** `4-32-16-3 (relu, relu, softmax)` */
export function describeLayers(dims: readonly number[], activations: readonly string[]): string {
  return `${dims.join('-')} (${activations.join(', ')})`;
}

/** Parameters of a dense network of these sizes: weights and biases. */
export function parameterCount(dims: readonly number[]): number {
  let count = 0;
  for (let i = 0; i + 1 < dims.length; i++) count += dims[i]! * dims[i + 1]! + dims[i + 1]!;
  return count;
}
