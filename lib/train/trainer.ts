/**
 * One training run's state: the data, the shuffled row order, the workspace and the gradient vector, with
 * the two operations training loops are made of: train one minibatch (one fused gradient call and one
 * update call), and measure the loss over all rows. Nothing in a step allocates.
 */
import type { Backend } from '../backend/backend';
import type { NetworkLayout } from '../backend/layout';
import type { Loss } from '../losses';
import type { Matrix } from '../matrix';
import type { Random } from '../random';
import { Workspace } from './workspace';

/** Rows per forward pass when measuring the loss or predicting: bounds the memory of large inputs. */
export const CHUNK_ROWS = 1024;

/** What a trainer works on: the network's kernels, shape and parameter vector. */
export interface TrainingTarget {
  readonly backend: Backend;
  readonly layout: NetworkLayout;
  readonly layoutCode: Int32Array;
  readonly parameters: Float64Array;
}

export class Trainer {
  readonly rows: number;
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  private readonly order: Uint32Array;
  private readonly workspace: Workspace;
  private readonly gradients: Float64Array;

  constructor(
    private readonly net: TrainingTarget,
    private readonly x: Matrix,
    private readonly y: Matrix,
    private readonly loss: Loss,
    batchSize: number,
    private readonly evaluation: Workspace,
  ) {
    this.rows = x.rows;
    this.batchSize = Math.min(batchSize, x.rows);
    this.batchesPerEpoch = Math.ceil(this.rows / this.batchSize);
    this.order = new Uint32Array(this.rows);
    for (let i = 0; i < this.rows; i++) this.order[i] = i;
    this.workspace = new Workspace(net.layout, this.batchSize);
    this.gradients = new Float64Array(net.layout.parameterCount);
  }

  /** Reorders the rows for the next epoch. */
  shuffle(random: Random): void {
    random.shuffle(this.order);
  }

  /**
   * Trains minibatch `batch` (0-based) of the current order with one SGD step; returns its loss. With
   * `keepOnNonFinite`, a NaN or infinite loss skips the update, so the parameters stay those of the last
   * finite step instead of turning NaN (the caller decides what to do next).
   */
  trainBatch(batch: number, learningRate: number, keepOnNonFinite = false): number {
    const start = batch * this.batchSize;
    const rows = Math.min(this.batchSize, this.rows - start);
    const { backend, layoutCode, parameters } = this.net;
    const loss = backend.networkGradients(
      layoutCode,
      parameters,
      this.gradients,
      this.workspace.buffer,
      this.workspace.capacity,
      this.loss.code,
      this.x.data,
      this.y.data,
      this.order,
      start,
      rows,
    );
    // loss - loss is 0 for finite numbers and NaN for NaN and +-Infinity.
    if (keepOnNonFinite && loss - loss !== 0) return loss;
    backend.axpy(parameters.length, -learningRate, this.gradients, parameters);
    return loss;
  }

  /** The loss over every training row, with the current parameters. */
  fullLoss(): number {
    return datasetLoss(this.net, this.evaluation, this.x, this.y, this.loss);
  }
}

/**
 * The loss of a whole data set, in chunks. Every loss is a mean over rows (times a constant over
 * columns), so chunk means weighted by chunk rows give the mean over all rows.
 */
export function datasetLoss(net: TrainingTarget, workspace: Workspace, x: Matrix, y: Matrix, loss: Loss): number {
  let total = 0;
  for (let start = 0; start < x.rows; start += workspace.capacity) {
    const rows = Math.min(workspace.capacity, x.rows - start);
    const chunk = net.backend.networkLoss(
      net.layoutCode,
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
