/**
 * A network from a checked model description: its weights, generator state, loss, epoch count and
 * (when saved) optimizer, rather than fresh ones. The dtype asked for is checked before anything is built.
 */
import { findActivation } from '../activations';
import type { Backend, BackendName } from '../backend/backend';
import { ModelFormatError } from '../errors';
import { LOSSES } from '../losses';
import type { Dtype } from '../matrix';
import type { Network } from '../network';
import { DTYPES, RESTORE, type LoadOptions, type NetworkOptions, type Restored } from '../network/options';
import { optimizerFromConfig } from '../optimizers';
import { invalid, optionsObject } from '../validate';
import type { ModelDescription } from './description';

/** @param NetworkClass - the Network class (passed in, so this module and lib/network.ts import no cycle) */
export function restoreNetwork(
  NetworkClass: typeof Network,
  model: ModelDescription,
  options: LoadOptions,
  source: string,
): Network<Dtype> {
  const given = optionsObject('options', options, ['backend', 'dtype'] as const);
  const wanted = given.dtype ?? 'float64';
  if (wanted !== 'any' && !DTYPES.includes(wanted as Dtype)) {
    throw invalid('ERR_INVALID_ARGUMENT', 'options.dtype', "'float64', 'float32' or 'any'", wanted);
  }
  if (wanted !== 'any' && wanted !== model.dtype) {
    const how = given.dtype === undefined ? ' (the default)' : '';
    throw new ModelFormatError(
      'ERR_MODEL_DTYPE',
      `Cannot load the model ${source}: it is a ${model.dtype} model, and options.dtype asks for ${wanted}${how}; pass { dtype: '${model.dtype}' } (or { dtype: 'any' } for either)`,
    );
  }
  const restored: Restored = { parameters: model.parameters, random: model.random };
  const networkOptions: NetworkOptions<Dtype> & { [RESTORE]: Restored } = { [RESTORE]: restored };
  if (model.seed !== undefined) networkOptions.seed = model.seed;
  if (given.backend !== undefined) networkOptions.backend = given.backend as BackendName | Backend;
  networkOptions.dtype = model.dtype;
  const activations = model.activations.map((name) => findActivation(name)!);
  const net = new NetworkClass<Dtype>(model.dims, activations, networkOptions);
  if (model.loss !== null) net.trainedLoss = LOSSES[model.loss];
  net.metadata = model.metadata;
  net.completedEpochs = model.epochsTrained;
  if (model.optimizer !== undefined) {
    const optimizer = optimizerFromConfig(model.optimizer.config);
    const Type = net.dtype === 'float32' ? Float32Array : Float64Array;
    optimizer.importState({ step: model.optimizer.step, buffers: model.optimizer.buffers.map((b) => Type.from(b)) });
    optimizer.attach(net.parameters);
    net.currentOptimizer = optimizer;
  }
  return net;
}
