/**
 * What the Network constructor checks and builds: layer sizes, activations, options, the parameter vector
 * and the layers' views into it. Every check runs before anything large is allocated.
 */
import { findActivation, type Activation } from '../activations';
import type { FloatArray } from '../backend/kernels';
import { MAX_DIMENSION, MAX_LAYERS, type NetworkLayout } from '../backend/layout';
import { ValueError } from '../errors';
import { INITIALIZER_CHOICES, INITIALIZER_NAMES, initialize, type InitializerName } from '../initializers';
import type { Layer } from '../layer';
import { MAX_ELEMENTS, type Dtype, type FloatArrayOf } from '../matrix';
import { checkMemory } from '../memory';
import type { Random } from '../random';
import { invalid } from '../validate';
import { DTYPES } from './options';

export function checkDims(dims: unknown): number[] {
  if (!Array.isArray(dims))
    throw invalid('ERR_INVALID_DIMS', 'dims', 'an array of layer sizes such as [64, 15, 10]', dims);
  if (dims.length < 2) {
    throw invalid('ERR_INVALID_DIMS', 'dims', 'at least two layer sizes (inputs and outputs)', dims);
  }
  dims.forEach((units, i) => {
    if (typeof units !== 'number' || !Number.isInteger(units) || units < 1 || units > MAX_DIMENSION) {
      throw invalid('ERR_INVALID_DIMS', `dims[${i}]`, `an integer from 1 to ${MAX_DIMENSION}`, units);
    }
  });
  if (dims.length - 1 > MAX_LAYERS) {
    throw invalid(
      'ERR_INVALID_DIMS',
      'dims',
      `at most ${MAX_LAYERS} layers (${MAX_LAYERS + 1} sizes), the kernels' limit`,
      dims,
    );
  }
  // Refuse before allocating what cannot be allocated, rather than dying in the allocator.
  for (let i = 0; i + 1 < dims.length; i++) {
    const weights = dims[i] * dims[i + 1];
    if (weights > MAX_ELEMENTS) {
      throw new ValueError(
        'ERR_TOO_LARGE',
        `Layer ${i} would have ${dims[i]} x ${dims[i + 1]} = ${weights} weights, more than one array can hold (${MAX_ELEMENTS})`,
      );
    }
  }
  return dims.slice();
}

/** Every training needs the parameters and their gradients; fit checks the rest when it knows it. */
export function checkNetworkMemory(layout: NetworkLayout, dims: readonly number[], dtype: Dtype): void {
  checkMemory(
    2 * layout.parameterCount * (dtype === 'float32' ? 4 : 8),
    `A network of dims ${JSON.stringify(dims)} (${layout.parameterCount} ${dtype} parameters)`,
    'its parameters and their gradients, which every training needs',
  );
}

/** The size checks admit what the machine could hold; the allocator may still say no (memory in use). */
export function allocateParameters(count: number, dims: readonly number[], dtype: Dtype): FloatArray {
  try {
    return dtype === 'float32' ? new Float32Array(count) : new Float64Array(count);
  } catch (cause) {
    throw new ValueError(
      'ERR_TOO_LARGE',
      `Could not allocate the ${count} parameters of dims ${JSON.stringify(dims)} (${((count * 8) / 2 ** 30).toFixed(1)} GiB)`,
      { cause },
    );
  }
}

export function checkActivations(activations: unknown, layerCount: number): Activation[] {
  if (!Array.isArray(activations)) {
    throw invalid('ERR_INVALID_ACTIVATION', 'activations', `an array of ${layerCount} activations`, activations);
  }
  if (activations.length !== layerCount) {
    throw invalid(
      'ERR_INVALID_ACTIVATION',
      'activations',
      `one activation per non-input layer (${layerCount})`,
      activations,
    );
  }
  return activations.map((value, i) => {
    const activation = findActivation(value);
    if (!activation) {
      throw invalid(
        'ERR_INVALID_ACTIVATION',
        `activations[${i}]`,
        'Relu, Sigmoid, Tanh, LeakyRelu, Identity or Softmax',
        value,
      );
    }
    if (activation.outputOnly && i !== layerCount - 1) {
      throw new ValueError(
        'ERR_INVALID_ACTIVATION',
        `Expected activations[${i}] to be a hidden-layer activation but received ${activation.name}, which is allowed on the output layer only`,
      );
    }
    return activation;
  });
}

export function checkDtype(dtype: unknown): Dtype {
  if (!DTYPES.includes(dtype as Dtype))
    throw invalid('ERR_INVALID_ARGUMENT', 'options.dtype', "'float64' or 'float32'", dtype);
  return dtype as Dtype;
}

export function checkInitializer(initializer: unknown): InitializerName {
  if (!INITIALIZER_NAMES.includes(initializer as InitializerName)) {
    throw invalid('ERR_INVALID_ARGUMENT', 'options.initializer', INITIALIZER_CHOICES, initializer);
  }
  return initializer as InitializerName;
}

/**
 * The layers as views into `parameters` (weights, then biases, per layer), their weights drawn by
 * `initializer` unless the network is restored (`initializer` undefined: the saved weights go in after).
 */
export function buildLayers<D extends Dtype>(
  layout: NetworkLayout,
  dims: readonly number[],
  activations: readonly Activation[],
  parameters: FloatArrayOf<D>,
  initializer: InitializerName | undefined,
  random: Random,
): readonly Layer<D>[] {
  const layers: Layer<D>[] = [];
  for (let i = 0; i < activations.length; i++) {
    const inputs = dims[i]!;
    const outputs = dims[i + 1]!;
    const start = layout.weightOffsets[i]!;
    const weights = parameters.subarray(start, start + inputs * outputs) as FloatArrayOf<D>;
    const biases = parameters.subarray(layout.biasOffsets[i]!, layout.biasOffsets[i]! + outputs) as FloatArrayOf<D>;
    if (initializer !== undefined) initialize(initializer, weights, inputs, outputs, random);
    layers.push(Object.freeze({ inputs, outputs, weights, biases, activation: activations[i]! }));
  }
  return Object.freeze(layers);
}
