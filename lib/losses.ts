/**
 * Loss functions, defined exactly as PyTorch defines them with its default mean reduction, so loss values
 * and learning rates carry over between the two. `Network.gradients` returns the exact gradient of the
 * value reported here.
 */
import { findNamed, Sigmoid, Softmax, type Activation } from './activations';
import { LossCode } from './backend/kernels';
import { ValueError } from './errors';
import { invalid } from './validate';

/** A loss function. */
export interface Loss {
  /** The name used in model files and messages. */
  readonly name: 'meanSquaredError' | 'binaryCrossEntropy' | 'crossEntropy';
  /** The kernel code. */
  readonly code: LossCode;
  /** The output activation the loss requires, if any. */
  readonly outputActivation: Activation | undefined;
}

function loss(name: Loss['name'], outputActivation?: Activation): Loss {
  return Object.freeze({ name, code: LossCode[name], outputActivation });
}

/**
 * Mean squared error, PyTorch's `MSELoss()`: the mean over every element of `(output - target)^2`.
 * Works with any output activation.
 */
export const MSE = loss('meanSquaredError');

/**
 * Binary cross-entropy, PyTorch's `BCELoss()` on sigmoid outputs: the mean over every element of
 * `-(y log a + (1 - y) log(1 - a))`. Requires a {@link Sigmoid} output layer; computed from the logits so
 * it stays finite when outputs saturate (where `BCELoss` clamps the log at -100, this is exact).
 */
export const BinaryCrossEntropy = loss('binaryCrossEntropy', Sigmoid);

/**
 * Cross-entropy, PyTorch's `CrossEntropyLoss()` on logits with probability (or one-hot) targets: the mean
 * over rows of `-sum_j y_j log softmax(z)_j`. Requires a {@link Softmax} output layer.
 */
export const CrossEntropy = loss('crossEntropy', Softmax);

/** Every loss, by name. */
export const LOSSES: Readonly<Record<Loss['name'], Loss>> = Object.freeze({
  meanSquaredError: MSE,
  binaryCrossEntropy: BinaryCrossEntropy,
  crossEntropy: CrossEntropy,
});

/** The loss with that name or descriptor, or undefined; names are own properties only (see findActivation). */
export function findLoss(value: unknown): Loss | undefined {
  return findNamed(LOSSES, value);
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
