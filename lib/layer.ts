import type { Activation } from './activations';
import type { Dtype, FloatArrayOf } from './matrix';

/** One dense layer: `outputs = activation(inputs W + b)`, its numbers in the network's dtype `D`. */
export interface Layer<D extends Dtype = 'float64'> {
  /** Units feeding the layer. */
  readonly inputs: number;
  /** Units of the layer. */
  readonly outputs: number;
  /**
   * Row-major inputs x outputs weights: `weights[i * outputs + j]` connects input i to unit j. A
   * Float64Array, or a Float32Array in a float32 network.
   */
  readonly weights: FloatArrayOf<D>;
  /** One bias per unit. */
  readonly biases: FloatArrayOf<D>;
  /** Applied to `inputs W + b`. */
  readonly activation: Activation;
}
