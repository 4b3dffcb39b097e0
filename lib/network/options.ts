/**
 * The types the Network class's signatures use (its options, what its methods return), and the hidden
 * option a restored model is built with. Re-exported from lib/network.ts.
 */
import type { Backend, BackendName } from '../backend/backend';
import type { InitializerName } from '../initializers';
import type { Dtype, FloatArrayOf } from '../matrix';
import type { RandomState } from '../random';

/** Options of the {@link Network} constructor. */
export interface NetworkOptions<D extends Dtype = Dtype> {
  /**
   * Seeds the network's random generator (initial weights, then shuffling). The same seed gives
   * bit-identical initial weights on both backends; training is bit-identical run to run on one backend at
   * one thread count (and fit to fitAsync), while the two backends agree to rounding (README,
   * Reproducibility). Default: a random seed, readable as `net.seed`.
   */
  seed?: number;
  /** `'native'` (default: OpenBLAS) or `'js'` (pure TypeScript), or a Backend object. */
  backend?: BackendName | Backend;
  /**
   * The element type of the parameters and of every computation: `'float64'` (default) or `'float32'`
   * (`cblas_sgemm` and float loops: half the memory and about twice the speed of large products, with
   * float32 precision). Data is given and results are returned as float64 either way.
   */
  dtype?: D;
  /**
   * How the weights start (biases start at 0): `'lecunNormal'` (default, LeCun normal: N(0, 1) / sqrt(fan_in); `'xavier'` is its former name),
   * `'he'` (N(0, 1) * sqrt(2 / fan_in), for ReLU layers) or `'glorotUniform'` (U(+-sqrt(6 / (fan_in +
   * fan_out))), Keras's default). Drawn from the seeded generator: a float32 network starts from the same
   * numbers as a float64 one, rounded.
   */
  initializer?: InitializerName;
}

/**
 * What {@link Network.toBuffer} returns: a Node `Buffer` where Node's types (@types/node) are loaded, else
 * the `Uint8Array` it is, so that the published types compile in a project without @types/node (issue 13).
 */
export type ModelBytes = typeof globalThis extends { Buffer: { alloc(size: number): infer B } } ? B : Uint8Array;

/** Options of {@link Network.save}, {@link Network.toJSON} and {@link Network.toBuffer}. */
export interface SaveOptions {
  /**
   * Also save the network's optimizer (its kind, hyper-parameters and state: momentum or Adam's moments
   * and step count), so that a loaded network trains on exactly as if it had never stopped. Default false.
   */
  withOptimizer?: boolean;
}

/** Options of {@link Network.load}, {@link Network.fromJSON} and {@link Network.fromBuffer}. */
export interface LoadOptions {
  /** The backend of the loaded network: `'native'` (default) or `'js'`, or a Backend object. */
  backend?: BackendName | Backend;
  /**
   * The dtype the model must have, which is also the loaded network's type: `'float64'` (default:
   * `Network<'float64'>`, Float64Array weights), `'float32'` (`Network<'float32'>`), or `'any'` for either
   * (`Network<Dtype>`: check `net.dtype`). A model of another dtype is rejected with a
   * {@link ModelFormatError} (`ERR_MODEL_DTYPE`) before anything is built, so the static type never lies.
   */
  dtype?: Dtype | 'any';
}

/** A saved model's weights and generator state, given to the constructor instead of drawing new ones. */
export interface Restored {
  parameters: Float64Array;
  random: RandomState | undefined;
}

export const DTYPES: readonly Dtype[] = ['float64', 'float32'];

/** The constructor's hidden option for loading: a symbol, so no options object can pass it by accident. */
export const RESTORE = Symbol('restore');

/** The loss and its exact gradients for one batch, as returned by {@link Network.gradients}. */
export interface GradientResult<D extends Dtype = 'float64'> {
  /** The loss of the batch (mean reduction). */
  loss: number;
  /** d(loss)/d(weights) per layer, shaped like `layers[i].weights` (Float32Array in a float32 network). */
  weights: FloatArrayOf<D>[];
  /** d(loss)/d(biases) per layer. */
  biases: FloatArrayOf<D>[];
}

/** What {@link Network.evaluate} returns. */
export interface Evaluation {
  /** The fraction of rows whose predicted class is the label. */
  accuracy: number;
  /** The predicted class per row: the largest output, or output >= 0.5 for a single output. */
  predictions: Int32Array;
  /** confusion[trueClass][predictedClass] counts. */
  confusion: number[][];
}

export const NETWORK_OPTION_NAMES = ['seed', 'backend', 'dtype', 'initializer'] as const;
