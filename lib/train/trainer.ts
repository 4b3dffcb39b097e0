/**
 * One training run's state: the data, the shuffled row order, the workspace and the gradients, with the
 * two operations the training loops are made of: train one minibatch, and measure the loss over all rows.
 * fit (and later fitAsync) are loops over these; nothing in a step allocates.
 */
import type { Backend } from '../backend/backend';
import type { Layer } from '../layer';
import type { Loss } from '../losses';
import type { Matrix } from '../matrix';
import type { Random } from '../random';
import { backward, forward, lossOfForward, sgdStep } from './passes';
import { Gradients, Workspace } from './workspace';

/** Rows per forward pass when measuring the loss or predicting: bounds the memory of large inputs. */
export const CHUNK_ROWS = 1024;

export class Trainer {
  readonly rows: number;
  readonly batchSize: number;
  readonly batchesPerEpoch: number;
  private readonly order: Uint32Array;
  private readonly workspace: Workspace;
  private readonly gradients: Gradients;

  constructor(
    private readonly backend: Backend,
    private readonly layers: readonly Layer[],
    dims: readonly number[],
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
    this.workspace = new Workspace(dims, this.batchSize);
    this.gradients = new Gradients(dims);
  }

  /** Reorders the rows for the next epoch. */
  shuffle(random: Random): void {
    random.shuffle(this.order);
  }

  /** Trains minibatch `batch` (0-based) of the current order with one SGD step. */
  trainBatch(batch: number, learningRate: number): void {
    const start = batch * this.batchSize;
    const rows = Math.min(this.batchSize, this.rows - start);
    const { backend, layers, workspace } = this;
    backend.gatherRows(rows, this.x.cols, this.x.data, this.order, start, workspace.inputs);
    backend.gatherRows(rows, this.y.cols, this.y.data, this.order, start, workspace.targets);
    forward(backend, layers, workspace, rows, workspace.inputs);
    backward(backend, layers, workspace, rows, workspace.inputs, workspace.targets, this.loss, this.gradients);
    sgdStep(backend, layers, this.gradients, learningRate);
  }

  /** The loss over every training row, with the current parameters. */
  fullLoss(): number {
    return datasetLoss(this.backend, this.layers, this.evaluation, this.x, this.y, this.loss);
  }
}

/**
 * The loss of the whole data set, in chunks. Every loss is a mean over rows (times a constant over
 * columns), so chunk means weighted by chunk rows give the mean over all rows.
 */
export function datasetLoss(
  backend: Backend,
  layers: readonly Layer[],
  workspace: Workspace,
  x: Matrix,
  y: Matrix,
  loss: Loss,
): number {
  let total = 0;
  for (let start = 0; start < x.rows; start += workspace.capacity) {
    const rows = Math.min(workspace.capacity, x.rows - start);
    const input = x.data.subarray(start * x.cols, (start + rows) * x.cols);
    const targets = y.data.subarray(start * y.cols, (start + rows) * y.cols);
    forward(backend, layers, workspace, rows, input);
    total += lossOfForward(backend, layers, workspace, rows, targets, loss) * rows;
  }
  return total / x.rows;
}
