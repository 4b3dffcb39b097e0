/** Random test data and comparisons with stated tolerances. */
import { Random } from '../../lib/random';

/** `length` uniform numbers in [-scale, scale), reproducible from `seed`. */
export function randomArray(random: Random, length: number, scale = 1): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = (2 * random.uniform() - 1) * scale;
  return out;
}

/**
 * The largest elementwise difference relative to the largest magnitude of the expected values: the usual
 * measure for matrix products, where a single element may cancel to near zero.
 */
export function normwiseError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let maxDiff = 0;
  let maxMagnitude = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs((actual[i] as number) - (expected[i] as number));
    if (!(diff <= maxDiff)) maxDiff = diff; // NaN propagates
    maxMagnitude = Math.max(maxMagnitude, Math.abs(expected[i] as number));
  }
  return maxMagnitude === 0 ? maxDiff : maxDiff / maxMagnitude;
}

/** Expects `actual` to match `expected` within `tolerance` normwise. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  const error = normwiseError(actual, expected);
  if (!(error <= tolerance)) {
    throw new Error(
      `arrays differ: normwise error ${error} > ${tolerance}\n  actual:   ${Array.from(actual).slice(0, 8).join(', ')}\n  expected: ${Array.from(expected).slice(0, 8).join(', ')}`,
    );
  }
}
