/**
 * The forward pass, the backward pass and the SGD step of a dense network, each a short sequence of
 * backend kernel calls on preallocated buffers. Nothing here multiplies or loops over elements itself.
 *
 * Shapes, for a batch of `rows` rows and layer i mapping `inputs` to `outputs` units:
 *   z_i = a_{i-1} W_i + b_i            (rows x outputs; a_{-1} is the input batch)
 *   a_i = f_i(z_i)
 *   delta_last = d(loss)/dz_last       (the loss's mean factor included)
 *   dW_i = a_{i-1}^T delta_i,  db_i = column sums of delta_i
 *   delta_{i-1} = (delta_i W_i^T) * f'_{i-1}(z_{i-1})
 * so gradients are those of the loss averaged over the batch, as PyTorch computes them.
 */
import type { Backend } from '../backend/backend';
import type { Layer } from '../layer';
import type { Loss } from '../losses';
import type { Gradients, Workspace } from './workspace';

/** Runs `rows` rows of `input` through every layer; returns the last layer's activations buffer. */
export function forward(
  backend: Backend,
  layers: readonly Layer[],
  workspace: Workspace,
  rows: number,
  input: Float64Array,
): Float64Array {
  let previous = input;
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    const z = workspace.z[i]!;
    const a = workspace.a[i]!;
    backend.gemm(false, false, rows, layer.outputs, layer.inputs, 1, previous, layer.weights, 0, z);
    backend.addBias(rows, layer.outputs, layer.biases, z);
    backend.activationForward(layer.activation.code, rows, layer.outputs, z, a);
    previous = a;
  }
  return previous;
}

/** The loss of the last forward pass against `targets`. */
export function lossOfForward(
  backend: Backend,
  layers: readonly Layer[],
  workspace: Workspace,
  rows: number,
  targets: Float64Array,
  loss: Loss,
): number {
  const last = layers.length - 1;
  const output = layers[last]!;
  return backend.lossValue(
    loss.code,
    output.activation.code,
    rows,
    output.outputs,
    workspace.z[last]!,
    workspace.a[last]!,
    targets,
  );
}

/** Fills `gradients` from the last forward pass (which must have been over the same `rows` of `input`). */
export function backward(
  backend: Backend,
  layers: readonly Layer[],
  workspace: Workspace,
  rows: number,
  input: Float64Array,
  targets: Float64Array,
  loss: Loss,
  gradients: Gradients,
): void {
  const last = layers.length - 1;
  const output = layers[last]!;
  backend.outputDelta(
    loss.code,
    output.activation.code,
    rows,
    output.outputs,
    workspace.z[last]!,
    workspace.a[last]!,
    targets,
    workspace.delta[last]!,
  );
  for (let i = last; i >= 0; i--) {
    const layer = layers[i]!;
    const delta = workspace.delta[i]!;
    const previous = i === 0 ? input : workspace.a[i - 1]!;
    backend.gemm(true, false, layer.inputs, layer.outputs, rows, 1, previous, delta, 0, gradients.weights[i]!);
    backend.columnSums(rows, layer.outputs, delta, gradients.biases[i]!);
    if (i > 0) {
      const below = layers[i - 1]!;
      const belowDelta = workspace.delta[i - 1]!;
      backend.gemm(false, true, rows, layer.inputs, layer.outputs, 1, delta, layer.weights, 0, belowDelta);
      backend.activationBackward(
        below.activation.code,
        rows,
        below.outputs,
        workspace.z[i - 1]!,
        workspace.a[i - 1]!,
        belowDelta,
        belowDelta,
      );
    }
  }
}

/** Plain SGD: every parameter minus learningRate times its gradient. */
export function sgdStep(backend: Backend, layers: readonly Layer[], gradients: Gradients, learningRate: number): void {
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    backend.axpy(layer.weights.length, -learningRate, gradients.weights[i]!, layer.weights);
    backend.axpy(layer.biases.length, -learningRate, gradients.biases[i]!, layer.biases);
  }
}
