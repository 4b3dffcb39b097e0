/**
 * A flat workspace for passes over up to `capacity` rows, laid out as NetworkLayout describes (each
 * layer's activations, the output layer's z, a scratch region, then the gathered minibatch). Sized once
 * per batch size, so a training step allocates nothing; a shorter final batch uses the leading rows of
 * each region.
 */
import type { NetworkLayout } from '../backend/layout';
import type { Loss } from '../losses';
import type { Dtype, FloatMatrix } from '../matrix';
import type { TrainingTarget } from './trainer';

export class Workspace {
  readonly buffer: Float64Array | Float32Array;
  /**
   * `leading` elements right before {@link buffer} in the same allocation (empty by default): the fused
   * SGD path's layer scratch, which networkSteps then lets run on into the workspace regions that are dead
   * when the first layer's gradient is formed (native/kernels/layer_steps.h, leanScratchSize).
   */
  readonly leading: Float64Array | Float32Array;

  constructor(
    layout: NetworkLayout,
    readonly capacity: number,
    dtype: Dtype = 'float64',
    leading = 0,
    /**
     * Elements after the workspace's regions, in {@link buffer} (none by default): the fused SGD path's
     * second parameter vector, where native networkSteps writes each small step's update in the gradient
     * product's stores (native/kernels/network.h, networkSteps' `spare`).
     */
    trailing = 0,
  ) {
    const size = layout.workspaceSize(capacity) + trailing;
    const whole = dtype === 'float32' ? new Float32Array(leading + size) : new Float64Array(leading + size);
    this.leading = whole.subarray(0, leading);
    this.buffer = whole.subarray(leading);
  }
}

/** Rows per forward pass when measuring the loss or predicting: bounds the memory of large inputs. */
export const CHUNK_ROWS = 1024;

/**
 * The memory a loss or predict workspace may take. For a small network that is all CHUNK_ROWS rows; a
 * wide one gets fewer rows per pass (784-512-512-10: 134 rows, 4 MiB instead of 32), which costs nothing
 * measurable, since a pass over 134 rows still keeps the products large.
 */
export const EVALUATION_BYTES = 4 * 2 ** 20;

/** Rows per loss or predict pass for `rows` rows: within CHUNK_ROWS and EVALUATION_BYTES, at least 16. */
export function evaluationCapacity(layout: NetworkLayout, dtype: Dtype, rows: number): number {
  const bytesPerRow = layout.workspaceSize(1) * (dtype === 'float32' ? 4 : 8);
  const byBudget = Math.max(16, Math.floor(EVALUATION_BYTES / bytesPerRow));
  return Math.max(1, Math.min(rows, CHUNK_ROWS, byBudget));
}

/**
 * Whether a fit's loss and validation passes can use the training step's own workspace: when a
 * minibatch holds at least as many rows as {@link evaluationCapacity} would give a pass over
 * `evaluationRows`. Then one buffer serves both (784-512-512-10 at batch 256: 4.6 MB instead of 8.8), and
 * the passes go `batchRows` rows at a time.
 */
export function trainingWorkspaceServesEvaluation(
  layout: NetworkLayout,
  dtype: Dtype,
  batchRows: number,
  evaluationRows: number,
): boolean {
  return batchRows >= evaluationCapacity(layout, dtype, evaluationRows);
}

/**
 * The loss of a whole data set, in chunks. Every loss is a mean over rows (times a constant over
 * columns), so chunk means weighted by chunk rows give the mean over all rows.
 */
export function datasetLoss(
  net: TrainingTarget,
  workspace: Workspace,
  x: FloatMatrix,
  y: FloatMatrix,
  loss: Loss,
): number {
  let total = 0;
  for (let start = 0; start < x.rows; start += workspace.capacity) {
    const rows = Math.min(workspace.capacity, x.rows - start);
    const chunk = net.backend.networkLoss(
      net.encodedLayout,
      net.parameters,
      workspace.buffer,
      workspace.capacity,
      loss.code,
      x.data,
      y.data,
      start,
      rows,
    );
    total += chunk * rows;
  }
  return total / x.rows;
}
