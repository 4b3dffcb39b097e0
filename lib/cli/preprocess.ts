/**
 * The model's side of the data: inputs standardised with the training part's statistics, and outputs
 * turned back into what the file's target column held (a class, with its probabilities, or a value in
 * the target's own units).
 */
import { Standardizer } from '../data';
import { Matrix } from '../matrix';
import { argmaxRows } from '../metrics';
import type { ModelInfo } from './model-info';

/** Raw feature rows as the network takes them. */
export function prepareInputs(info: ModelInfo, x: Matrix): Matrix {
  if (info.standardize === null) return x;
  return new Standardizer(Float64Array.from(info.standardize.mean), Float64Array.from(info.standardize.scale)).transform(x);
}

/** Classification outputs: the class of each row and the probability of every class. */
export function decodeClasses(outputs: Matrix): { labels: Int32Array; probabilities: Matrix } {
  const labels = argmaxRows(outputs);
  if (outputs.cols !== 1) return { labels, probabilities: outputs };
  // One sigmoid unit: its output is P(class 1).
  const probabilities = new Matrix(outputs.rows, 2);
  for (let i = 0; i < outputs.rows; i++) {
    probabilities.data[2 * i] = 1 - outputs.data[i]!;
    probabilities.data[2 * i + 1] = outputs.data[i]!;
  }
  return { labels, probabilities };
}

/** Regression outputs in the target's units (rows x outputs; one output for a CLI-trained model). */
export function decodeValues(info: ModelInfo, outputs: Matrix): Matrix {
  const t = info.targetStandardize;
  if (t === null) return outputs;
  const out = new Matrix(outputs.rows, outputs.cols);
  for (let i = 0; i < outputs.data.length; i++) out.data[i] = outputs.data[i]! * t.scale + t.mean;
  return out;
}
