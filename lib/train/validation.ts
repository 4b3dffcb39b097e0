/**
 * Validation rows: where they come from (a split of the training rows, or rows of their own) and what is
 * measured on them after each epoch (the loss and the accuracy).
 */
import { ValueError } from '../errors';
import type { Loss } from '../losses';
import type { FloatArray } from '../backend/kernels';
import { assertFinite, type FloatMatrix } from '../matrix';
import type { TrainingTarget } from './trainer';
import { datasetLoss } from './workspace';
import type { Workspace } from './workspace';

/** Training rows and, optionally, validation rows. */
export interface TrainingData {
  x: FloatMatrix;
  y: FloatMatrix;
  validation?: { x: FloatMatrix; y: FloatMatrix };
  /** One weight per training row (weighted loss, see weighted.ts); undefined when every row weighs 1. */
  weights?: Float64Array;
}

/** Where validation rows come from: the last `split` fraction of the rows, or rows of their own. */
export type ValidationSource = { split: number } | { x: FloatMatrix; y: FloatMatrix } | undefined;

/**
 * Checks that every number is finite and splits off the validation rows. Fit runs it on the main thread
 * and fitAsync in its worker, so the checks of large data never block the event loop. The split rows are
 * views, not copies.
 * @throws {@link ValueError} naming the first NaN or infinite number, or a split that leaves a part empty
 */
export function prepareData(
  x: FloatMatrix,
  y: FloatMatrix,
  validation: ValidationSource,
  weights?: Float64Array,
): TrainingData {
  assertFinite(x, 'x');
  assertFinite(y, 'y');
  const weighed = (data: TrainingData, rows: number): TrainingData =>
    weights === undefined ? data : { ...data, weights: weights.subarray(0, rows) };
  if (validation === undefined) return weighed({ x, y }, x.rows);
  if ('split' in validation) {
    // The last rows, as Keras and tfjs take them: the same split every run, whatever the shuffling.
    const trainRows = Math.floor(x.rows * (1 - validation.split));
    if (trainRows < 1 || trainRows >= x.rows) {
      throw new ValueError(
        'ERR_INVALID_ARGUMENT',
        `Expected options.validationSplit to leave at least one training and one validation row but ${validation.split} of ${x.rows} rows leaves ${trainRows} for training and ${x.rows - trainRows} for validation`,
      );
    }
    return weighed(
      {
        x: rowsOf(x, 0, trainRows),
        y: rowsOf(y, 0, trainRows),
        validation: { x: rowsOf(x, trainRows, x.rows), y: rowsOf(y, trainRows, y.rows) },
      },
      trainRows,
    );
  }
  assertFinite(validation.x, 'validationData[0]');
  assertFinite(validation.y, 'validationData[1]');
  return weighed({ x, y, validation }, x.rows);
}

function rowsOf(matrix: FloatMatrix, start: number, end: number): FloatMatrix {
  return { rows: end - start, cols: matrix.cols, data: matrix.data.subarray(start * matrix.cols, end * matrix.cols) };
}

/** Measures the validation loss and accuracy with the current parameters. */
export class Validation {
  /** One chunk of outputs, for the accuracy. */
  private readonly outputs: FloatArray;

  constructor(
    private readonly net: TrainingTarget,
    private readonly x: FloatMatrix,
    private readonly y: FloatMatrix,
    private readonly loss: Loss,
    private readonly workspace: Workspace,
  ) {
    const size = workspace.capacity * y.cols;
    this.outputs = net.dtype === 'float32' ? new Float32Array(size) : new Float64Array(size);
  }

  measure(): { valLoss: number; valAccuracy: number } {
    const { net, x, y, workspace, outputs } = this;
    const valLoss = datasetLoss(net, workspace, x, y, this.loss);
    // The loss kernel does not hand back the outputs, so the accuracy takes a second forward pass; validation
    // sets are a fraction of the training rows, and a forward pass a third of a training step.
    let correct = 0;
    const cols = y.cols;
    for (let start = 0; start < x.rows; start += workspace.capacity) {
      const rows = Math.min(workspace.capacity, x.rows - start);
      net.backend.networkForward(
        net.encodedLayout,
        net.parameters,
        workspace.buffer,
        workspace.capacity,
        x.data,
        start,
        rows,
        outputs,
      );
      for (let r = 0; r < rows; r++) {
        if (predictedClass(outputs, r * cols, cols) === predictedClass(y.data, (start + r) * cols, cols)) correct++;
      }
    }
    return { valLoss, valAccuracy: correct / x.rows };
  }
}

/** argmaxRows's rule for one row: the largest column, or for a single column whether it is >= 0.5. */
function predictedClass(data: FloatArray, base: number, cols: number): number {
  if (cols === 1) return data[base]! >= 0.5 ? 1 : 0;
  let best = 0;
  for (let j = 1; j < cols; j++) if (data[base + j]! > data[base + best]!) best = j;
  return best;
}
