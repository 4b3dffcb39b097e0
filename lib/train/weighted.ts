/**
 * Weighted training: each row's loss times its weight, summed over the minibatch, divided by the sum of
 * the minibatch's weights. That is PyTorch's rule (`CrossEntropyLoss(weight=w)` with class indices, and
 * `BCELoss`/`MSELoss` with `reduction='none'` weighted and normalised the same way); a row's loss is the
 * mean over its output columns for MSE and BCE, and -sum y log a for cross-entropy. A minibatch whose
 * weights are all zero has loss 0 and changes nothing (PyTorch would give 0/0).
 *
 * Why here and not in the fused kernels: the gradient of the weighted loss is the unweighted delta of each
 * row scaled by w_i * rows / sum(w), and everything around it (gather, forward, backward) is the same. So
 * a weighted step is composed from the backend's layer kernels in the order the fused networkGradients
 * uses, with that one row scaling between outputDelta and the backward pass; the kernel contract and
 * both backends stay as they are, and unweighted training keeps its fused, allocation-free path.
 */
import type { FloatArray, IndexArray } from '../backend/kernels';
import type { Loss } from '../losses';
import type { FloatMatrix } from '../matrix';
import type { TrainingTarget } from './trainer';
import type { Workspace } from './workspace';
import { backward, forward, outputDelta, view, type PassTarget } from '../backend/passes';

/** The passes' view of the network being trained and its workspace. */
function passTarget(net: TrainingTarget, workspace: Workspace): PassTarget {
  return { layout: net.layout, params: net.parameters, workspace: workspace.buffer, capacity: workspace.capacity };
}

/** Sum over the forward pass's rows of weight x row loss (the row losses from the backend's lossValue). */
function weightedLossSum(
  net: TrainingTarget,
  workspace: Workspace,
  loss: Loss,
  targets: FloatArray,
  weights: ArrayLike<number>,
  weightOffset: number,
  indices: IndexArray | undefined,
  rows: number,
): number {
  const { layout, backend } = net;
  const c = workspace.capacity;
  const cols = layout.outputs;
  const last = layout.layers - 1;
  const z = layout.outputZ(c);
  const a = layout.a(c, last);
  const w = workspace.buffer;
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    const weight = weights[indices ? indices[weightOffset + r]! : weightOffset + r]!;
    if (weight === 0) continue;
    const rowLoss = backend.lossValue(
      loss.code,
      layout.activations[last]!,
      1,
      cols,
      view(w, z + r * cols, cols),
      view(w, a + r * cols, cols),
      view(targets, r * cols, cols),
    );
    sum += weight * rowLoss;
  }
  return sum;
}

/**
 * One weighted minibatch: rows `indices[start .. start + rows)` of x and y, each weighing
 * `weights[row]`. Writes d(loss)/d(parameters) to `gradients` and returns the weighted loss.
 */
export function weightedGradients(
  net: TrainingTarget,
  workspace: Workspace,
  gradients: FloatArray,
  loss: Loss,
  x: FloatMatrix,
  y: FloatMatrix,
  weights: Float64Array,
  indices: IndexArray,
  start: number,
  rows: number,
): number {
  const { layout: l, backend } = net;
  const pass = passTarget(net, workspace);
  const c = workspace.capacity;
  const w = workspace.buffer;
  const inputs = view(w, l.gatheredInputs(c), rows * l.inputs);
  const targets = view(w, l.gatheredTargets(c), rows * l.outputs);
  backend.gatherRows(rows, l.inputs, x.data, indices, start, inputs);
  backend.gatherRows(rows, l.outputs, y.data, indices, start, targets);
  forward(backend, pass, inputs, rows, undefined);
  let weightSum = 0;
  for (let r = 0; r < rows; r++) weightSum += weights[indices[start + r]!]!;
  if (!(weightSum > 0)) {
    gradients.fill(0);
    return 0;
  }
  const value = weightedLossSum(net, workspace, loss, targets, weights, start, indices, rows) / weightSum;

  outputDelta(backend, pass, loss.code, targets, rows);
  const outputZ = view(w, l.outputZ(c), rows * l.outputs);
  // The unweighted delta carries 1/rows; row i's weighted delta carries w_i / sum(w).
  for (let r = 0; r < rows; r++) {
    const factor = (weights[indices[start + r]!]! * rows) / weightSum;
    for (let j = 0; j < l.outputs; j++) outputZ[r * l.outputs + j]! *= factor;
  }
  backward(backend, pass, inputs, rows, gradients);
  return value;
}

/** The weighted loss of a whole data set (sum of weight x row loss over the sum of weights), in chunks. */
export function weightedDatasetLoss(
  net: TrainingTarget,
  workspace: Workspace,
  x: FloatMatrix,
  y: FloatMatrix,
  weights: Float64Array,
  loss: Loss,
): number {
  const { layout, backend } = net;
  const pass = passTarget(net, workspace);
  let total = 0;
  let weightSum = 0;
  for (let start = 0; start < x.rows; start += workspace.capacity) {
    const rows = Math.min(workspace.capacity, x.rows - start);
    forward(backend, pass, view(x.data, start * layout.inputs, rows * layout.inputs), rows, undefined);
    total += weightedLossSum(
      net,
      workspace,
      loss,
      view(y.data, start * layout.outputs, rows * layout.outputs),
      weights,
      start,
      undefined,
      rows,
    );
    for (let r = 0; r < rows; r++) weightSum += weights[start + r]!;
  }
  return weightSum > 0 ? total / weightSum : 0;
}
