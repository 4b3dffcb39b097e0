import type { Activation } from './activations';

/** One dense layer: `outputs = activation(inputs W + b)`. */
export interface Layer {
  /** Units feeding the layer. */
  readonly inputs: number;
  /** Units of the layer. */
  readonly outputs: number;
  /** Row-major inputs x outputs weights: `weights[i * outputs + j]` connects input i to unit j. */
  readonly weights: Float64Array;
  /** One bias per unit. */
  readonly biases: Float64Array;
  /** Applied to `inputs W + b`. */
  readonly activation: Activation;
}
