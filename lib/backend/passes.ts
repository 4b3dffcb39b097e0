/**
 * The forward and backward passes of a whole network, composed from layer kernels in the order of
 * native/kernels/network.h. Two callers share them: the js backend's fused network kernels
 * (js-network.ts) and weighted training (lib/train/weighted.ts), which runs the same passes on any
 * backend's layer kernels with a row scaling between the output delta and the backward pass.
 */
import type { FloatArray, Kernels, LossCode } from './kernels';
import type { NetworkLayout } from './layout';

/** The layer kernels the passes are built from (the contract's own signatures, lib/backend/kernels.ts). */
export type LayerKernels = Pick<
  Kernels,
  'gemm' | 'columnSums' | 'gatherRows' | 'activationForward' | 'activationBackward' | 'lossValue' | 'outputDelta'
>;

/** A network's parameters and workspace, as the passes read them. */
export interface PassTarget {
  layout: NetworkLayout;
  params: FloatArray;
  workspace: FloatArray;
  capacity: number;
}

/** A view of `length` elements at `offset`. */
export function view(array: FloatArray, offset: number, length: number): FloatArray {
  return array.subarray(offset, offset + length);
}

/**
 * z = bias broadcast, then z += input W, then a = f(z), layer by layer; a hidden layer's z is computed in
 * its a buffer and activated in place (layout.ts). The output layer's a goes to `out` when given.
 */
export function forward(
  k: LayerKernels,
  net: PassTarget,
  input: FloatArray,
  rows: number,
  out: FloatArray | undefined,
): void {
  const { layout, params, workspace, capacity } = net;
  const last = layout.layers - 1;
  let previous = input;
  for (let i = 0; i < layout.layers; i++) {
    const units = layout.units[i + 1]!;
    const z = view(workspace, i === last ? layout.outputZ(capacity) : layout.a(capacity, i), rows * units);
    const a = out !== undefined && i === last ? out : view(workspace, layout.a(capacity, i), rows * units);
    const bias = view(params, layout.biasOffsets[i]!, units);
    for (let r = 0; r < rows; r++) z.set(bias, r * units);
    const weights = view(params, layout.weightOffsets[i]!, layout.units[i]! * units);
    k.gemm(false, false, rows, units, layout.units[i]!, 1, previous, weights, 1, z);
    k.activationForward(layout.activations[i]!, rows, units, z, a);
    previous = a;
  }
}

/**
 * d(loss)/d(output z) of the last forward pass against `targets`, written over the output z (where the
 * backward pass starts).
 */
export function outputDelta(k: LayerKernels, net: PassTarget, loss: LossCode, targets: FloatArray, rows: number): void {
  const { layout: l, workspace: w, capacity: c } = net;
  const count = rows * l.outputs;
  const outputZ = view(w, l.outputZ(c), count);
  k.outputDelta(
    loss,
    l.activations[l.layers - 1]!,
    rows,
    l.outputs,
    outputZ,
    view(w, l.a(c, l.layers - 1), count),
    targets,
    outputZ,
  );
}

/**
 * The backward pass after a forward pass of `rows` rows from `inputs`, starting from the output delta
 * already written over the output z: writes d(loss)/d(parameters) to `gradients`. Buffers are reused as
 * native/kernels/network.h reuses them: each lower delta over the a it replaces.
 */
export function backward(
  k: LayerKernels,
  net: PassTarget,
  inputs: FloatArray,
  rows: number,
  gradients: FloatArray,
): void {
  const { layout: l, params, workspace: w, capacity: c } = net;
  let delta = view(w, l.outputZ(c), rows * l.outputs);
  for (let i = l.layers - 1; i >= 0; i--) {
    const units = l.units[i + 1]!;
    const fanIn = l.units[i]!;
    const previous = i === 0 ? inputs : view(w, l.a(c, i - 1), rows * fanIn);
    k.gemm(true, false, fanIn, units, rows, 1, previous, delta, 0, view(gradients, l.weightOffsets[i]!, fanIn * units));
    k.columnSums(rows, units, delta, view(gradients, l.biasOffsets[i]!, units));
    if (i > 0) {
      const scratch = view(w, l.scratch(c), rows * fanIn);
      const weights = view(params, l.weightOffsets[i]!, fanIn * units);
      k.gemm(false, true, rows, fanIn, units, 1, delta, weights, 0, scratch);
      k.activationBackward(l.activations[i - 1]!, rows, fanIn, previous, previous, scratch, previous);
      delta = previous;
    }
  }
}
