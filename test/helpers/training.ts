/** Data and comparisons for the training specs. */
import { Matrix, Network, oneHot, type FitOptions } from '../../lib';
import { Random } from '../../lib/random';

/** `rows` rows of `inputs` normal numbers and one-hot labels of `classes` classes that depend on them. */
export function classification(
  rows: number,
  inputs: number,
  classes: number,
  seed: number,
): { x: Matrix; y: Matrix; labels: number[] } {
  const random = new Random(seed);
  const x = new Matrix(rows, inputs);
  for (let i = 0; i < x.data.length; i++) x.data[i] = random.normal();
  const labels = Array.from({ length: rows }, (_, i) => {
    let sum = 0;
    for (let j = 0; j < inputs; j++) sum += x.data[i * inputs + j]! * ((j % 3) - 1);
    return Math.abs(Math.floor(sum * 1.5)) % classes;
  });
  return { x, y: oneHot(labels, classes), labels };
}

/** Whether two arrays hold the same float64 bit patterns (NaNs included). */
export function sameBits(a: Float64Array | Float32Array, b: Float64Array | Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Rows `start .. end` of a matrix, as a view. */
export function rowsOf(m: Matrix, start: number, end: number): Matrix {
  return new Matrix(end - start, m.cols, m.data.subarray(start * m.cols, end * m.cols));
}

/**
 * Replays unshuffled training one minibatch at a time with fit (one fit call of one epoch on the batch's
 * rows is one SGD step on them), calling `visit` after each step with the number of steps so far; stops
 * when `visit` returns true. Returns the steps taken.
 */
export function replayBatches(
  net: Network,
  x: Matrix,
  y: Matrix,
  options: FitOptions & { batchSize: number },
  maxSteps: number,
  visit: (steps: number) => boolean,
): number {
  const { batchSize } = options;
  if (visit(0)) return 0;
  for (let steps = 1; steps <= maxSteps;) {
    for (let start = 0; start < x.rows && steps <= maxSteps; start += batchSize, steps++) {
      const end = Math.min(start + batchSize, x.rows);
      net.fit(rowsOf(x, start, end), rowsOf(y, start, end), {
        ...options,
        epochs: 1,
        shuffle: false,
        log: null,
        logEvery: 1,
      });
      if (visit(steps)) return steps;
    }
  }
  return -1;
}
