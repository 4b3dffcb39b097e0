/**
 * What `new Network(dims, activations, options)` does before the object exists: checks every argument,
 * reserves the parameter vector (after the memory guard), and draws the initial weights, or takes the
 * restored ones when a model file is being loaded.
 */
import { randomInt } from 'node:crypto';

import type { Activation } from '../activations';
import { resolveBackend } from '../backend';
import type { Backend, BackendName } from '../backend/backend';
import { NetworkLayout } from '../backend/layout';
import type { Layer } from '../layer';
import type { Dtype, FloatArrayOf } from '../matrix';
import { Random } from '../random';
import { integerIn, optionsObject } from '../validate';
import {
  allocateParameters,
  buildLayers,
  checkActivations,
  checkDims,
  checkDtype,
  checkInitializer,
  checkNetworkMemory,
} from './construction';
import { NETWORK_OPTION_NAMES, RESTORE, type NetworkOptions, type Restored } from './options';

/** The fields a Network is made of, as its constructor assigns them. */
export interface NetworkParts<D extends Dtype> {
  dims: readonly number[];
  layers: readonly Layer<D>[];
  seed: number;
  backend: Backend;
  dtype: D;
  parameters: FloatArrayOf<D>;
  layout: NetworkLayout;
  encodedLayout: Int32Array;
  random: Random;
}

export function buildNetwork<D extends Dtype>(
  dims: readonly number[],
  activations: readonly Activation[],
  options: NetworkOptions<D>,
): NetworkParts<D> {
  const given = optionsObject('options', options, NETWORK_OPTION_NAMES);
  const checkedDims = Object.freeze(checkDims(dims));
  const acts = checkActivations(activations, checkedDims.length - 1);
  const seed = given.seed === undefined ? randomInt(2 ** 48 - 1) : integerIn('options.seed', given.seed, 0);
  const backend = resolveBackend((given.backend ?? 'native') as BackendName | Backend);
  const dtype = checkDtype(given.dtype ?? 'float64') as D;
  const initializer = checkInitializer(given.initializer ?? 'lecunNormal');
  const random = new Random(seed);
  const restored = (options as { [RESTORE]?: Restored })[RESTORE];
  const layout = new NetworkLayout(
    checkedDims,
    acts.map((a) => a.code),
  );
  checkNetworkMemory(layout, checkedDims, dtype);
  const parameters = allocateParameters(layout.parameterCount, checkedDims, dtype) as FloatArrayOf<D>;
  const layers = buildLayers(layout, checkedDims, acts, parameters, restored ? undefined : initializer, random);
  if (restored) {
    parameters.set(restored.parameters);
    if (restored.random !== undefined) random.setState(restored.random);
  }
  return {
    dims: checkedDims,
    layers,
    seed,
    backend,
    dtype,
    parameters,
    layout,
    encodedLayout: layout.encode(),
    random,
  };
}
