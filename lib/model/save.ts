/**
 * What a saved model holds, taken from a network: refused when it would not load back (non-finite
 * values, metadata that is not plain JSON, withOptimizer before any optimizer exists).
 */
import type { Activation } from '../activations';
import { StateError } from '../errors';
import type { Loss } from '../losses';
import type { Dtype } from '../matrix';
import type { Optimizer } from '../optimizers';
import type { Random } from '../random';
import { invalid, optionsObject } from '../validate';
import { checkSavable, type ModelDescription, type ModelMetadata } from './description';
import { checkMetadata } from './metadata';
import type { SaveOptions } from '../network/options';

/** What saving needs of its network (Network passes itself). */
export interface SavedNetwork {
  readonly dims: readonly number[];
  readonly layers: readonly { readonly activation: Activation }[];
  readonly dtype: Dtype;
  readonly seed: number;
  readonly random: Random;
  readonly parameters: Float64Array | Float32Array;
  readonly metadata: ModelMetadata;
  readonly loss: Loss | undefined;
  readonly optimizer: Optimizer | undefined;
  readonly epochsTrained: number;
}

export function describeNetwork(net: SavedNetwork, options: SaveOptions = {}): ModelDescription {
  const given = optionsObject('options', options, ['withOptimizer'] as const);
  const withOptimizer = given.withOptimizer ?? false;
  if (typeof withOptimizer !== 'boolean')
    throw invalid('ERR_INVALID_ARGUMENT', 'options.withOptimizer', 'a boolean', withOptimizer);
  let optimizer: ModelDescription['optimizer'];
  if (withOptimizer) {
    if (net.optimizer === undefined) {
      throw new StateError(
        'ERR_NO_OPTIMIZER',
        'Cannot save withOptimizer: this network has not trained with an optimizer yet',
      );
    }
    const state = net.optimizer.exportState();
    optimizer = {
      config: net.optimizer.toJSON(),
      step: state?.step ?? 0,
      buffers: (state?.buffers ?? []).map((buffer) => Float64Array.from(buffer)),
    };
  }
  const model: ModelDescription = {
    dims: [...net.dims],
    activations: net.layers.map((layer) => layer.activation.name),
    loss: net.loss?.name ?? null,
    dtype: net.dtype,
    seed: net.seed,
    random: net.random.getState(),
    epochsTrained: net.epochsTrained,
    metadata: checkMetadata(net.metadata, 'net.metadata'),
    // float32 values are exact in float64, so the file stores float64 either way.
    parameters: net.parameters instanceof Float64Array ? net.parameters : Float64Array.from(net.parameters),
    optimizer,
  };
  checkSavable(model);
  return model;
}
