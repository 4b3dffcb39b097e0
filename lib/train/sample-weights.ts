/**
 * `sampleWeight` and `classWeight` of fit, fitAsync and gradients, checked and combined into one weight
 * per row (their product). A row's class is its target's largest column (one-hot rows), or, with one
 * output column, 1 when the target is >= 0.5 and 0 otherwise. `'balanced'` is scikit-learn's
 * n_rows / (n_classes * rows of the class), over the classes present.
 */
import { ValueError } from '../errors';
import type { FloatMatrix, Matrix } from '../matrix';
import { invalid } from '../validate';

/** Class weights: `'balanced'`, or a weight per class index (an array, or an object keyed by index). */
export type ClassWeight = 'balanced' | readonly number[] | Readonly<Record<number, number>>;

/** The weights given, as fit's options hold them. */
export interface WeightOptions {
  sampleWeight?: ArrayLike<number>;
  classWeight?: ClassWeight;
}

function classOf(y: Matrix | FloatMatrix, i: number): number {
  const { cols, data } = y;
  if (cols === 1) return data[i]! >= 0.5 ? 1 : 0;
  let best = 0;
  for (let j = 1; j < cols; j++) if (data[i * cols + j]! > data[i * cols + best]!) best = j;
  return best;
}

/**
 * One weight per row of `y`, or undefined when neither option is given.
 * @throws {@link ValueError} (`ERR_INVALID_ARGUMENT`) naming the option: a length other than y's rows, a
 *   weight that is negative or not finite, a class index out of range, every weight zero
 */
export function rowWeights(given: WeightOptions, y: Matrix | FloatMatrix): Float64Array | undefined {
  const { sampleWeight, classWeight } = given;
  if (sampleWeight === undefined && classWeight === undefined) return undefined;
  const rows = y.rows;
  const weights = new Float64Array(rows).fill(1);
  if (sampleWeight !== undefined) {
    const arrayLike =
      Array.isArray(sampleWeight) || (ArrayBuffer.isView(sampleWeight) && !(sampleWeight instanceof DataView));
    if (!arrayLike || sampleWeight.length !== rows)
      throw invalid(
        'ERR_INVALID_ARGUMENT',
        'options.sampleWeight',
        `an array of ${rows} weights (one per row)`,
        sampleWeight,
      );
    for (let i = 0; i < rows; i++) {
      const w = sampleWeight[i];
      if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
        throw invalid('ERR_INVALID_ARGUMENT', `options.sampleWeight[${i}]`, 'a finite number >= 0', w);
      weights[i] = w;
    }
  }
  if (classWeight !== undefined) {
    const classes = Math.max(2, y.cols);
    const labels = Int32Array.from({ length: rows }, (_, i) => classOf(y, i));
    let perClass: number[];
    if (classWeight === 'balanced') {
      const counts = new Array<number>(classes).fill(0);
      for (const l of labels) counts[l]!++;
      const present = counts.filter((c) => c > 0).length;
      perClass = counts.map((c) => (c === 0 ? 0 : rows / (present * c)));
    } else if (typeof classWeight === 'object' && classWeight !== null) {
      perClass = new Array<number>(classes).fill(1);
      for (const [key, w] of Object.entries(classWeight)) {
        const k = Number(key);
        if (!Number.isInteger(k) || k < 0 || k >= classes)
          throw invalid(
            'ERR_INVALID_ARGUMENT',
            `options.classWeight[${JSON.stringify(key)}]`,
            `keyed by a class index from 0 to ${classes - 1}`,
            key,
          );
        if (typeof w !== 'number' || !Number.isFinite(w) || w < 0)
          throw invalid('ERR_INVALID_ARGUMENT', `options.classWeight[${k}]`, 'a finite number >= 0', w);
        perClass[k] = w;
      }
    } else {
      throw invalid(
        'ERR_INVALID_ARGUMENT',
        'options.classWeight',
        "'balanced', an array of weights per class or an object of class index -> weight",
        classWeight,
      );
    }
    for (let i = 0; i < rows; i++) weights[i]! *= perClass[labels[i]!]!;
  }
  if (!weights.some((w) => w > 0))
    throw new ValueError(
      'ERR_INVALID_ARGUMENT',
      'Expected options.sampleWeight and options.classWeight to leave at least one row with a weight greater than 0 but every weight is 0',
    );
  return weights;
}
