/**
 * Network.gradients: one batch's loss and exact gradients, with PyTorch's weighted reduction when row or
 * class weights are given, leaving every parameter as it was.
 */
import { resolveLoss, type Loss } from '../losses';
import { inDtype, type Dtype, type FloatArrayOf, type MatrixLike, type TargetsLike } from '../matrix';
import { rowWeights, type WeightOptions } from '../train/sample-weights';
import type { TrainingTarget } from '../train/trainer';
import { weightedGradients } from '../train/weighted';
import { Workspace } from '../train/workspace';
import { optionsObject } from '../validate';
import { allocateParameters } from './construction';
import { checkPair, type DataShape } from './inputs';
import type { GradientResult } from './options';
import type { Activation } from '../activations';
import type { Layer } from '../layer';

/** What a gradient pass needs of its network (Network passes itself). */
export interface GradientSubject<D extends Dtype> extends TrainingTarget, DataShape {
  readonly layers: readonly Layer<D>[];
  readonly outputActivation: Activation;
}

export function batchGradients<D extends Dtype>(
  net: GradientSubject<D>,
  x: MatrixLike,
  y: TargetsLike,
  loss: Loss,
  weights: WeightOptions | undefined,
): GradientResult<D> {
  const { input, targets } = checkPair(net, x, y);
  const lossFn = resolveLoss(loss, net.outputActivation, 'loss');
  const weightOptions = optionsObject('weights', weights, ['sampleWeight', 'classWeight'] as const) as WeightOptions;
  const rowWeight = rowWeights(weightOptions, targets);
  const workspace = new Workspace(net.layout, input.rows, net.dtype);
  const gradients = allocateParameters(net.layout.parameterCount, net.dims, net.dtype) as FloatArrayOf<D>;
  const rows = Uint32Array.from({ length: input.rows }, (_, i) => i);
  const value =
    rowWeight !== undefined
      ? weightedGradients(
          net,
          workspace,
          gradients,
          lossFn,
          inDtype(input, net.dtype),
          inDtype(targets, net.dtype),
          rowWeight,
          rows,
          0,
          input.rows,
        )
      : net.backend.networkGradients(
          net.encodedLayout,
          net.parameters,
          gradients,
          workspace.buffer,
          input.rows,
          lossFn.code,
          inDtype(input, net.dtype).data,
          inDtype(targets, net.dtype).data,
          rows,
          0,
          input.rows,
          0,
        );
  const { weightOffsets, biasOffsets } = net.layout;
  return {
    loss: value,
    weights: net.layers.map(
      (l, i) => gradients.subarray(weightOffsets[i]!, weightOffsets[i]! + l.weights.length) as FloatArrayOf<D>,
    ),
    biases: net.layers.map(
      (l, i) => gradients.subarray(biasOffsets[i]!, biasOffsets[i]! + l.biases.length) as FloatArrayOf<D>,
    ),
  };
}
