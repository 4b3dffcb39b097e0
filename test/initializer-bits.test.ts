/**
 * Saved seeds keep giving the same initial weights: every case's parameters, bit for bit (SHA-256 of
 * their bytes), and the generator's state after the draw (which the first epoch's shuffle continues),
 * against digests recorded from main before issue 20's unboxed draw (test/fixtures/initializer-bits.json).
 */
import recorded from './fixtures/initializer-bits.json';
import { digestOf } from './fixtures/make-initializer-fixtures';

describe('initial weights stay bit-identical for a seed', () => {
  it.each(recorded.map((entry) => [`${entry.dims.join('-')} seed ${entry.seed} ${entry.initializer} ${entry.dtype}`, entry] as const))(
    '%s',
    (_name, entry) => {
      const actual = digestOf(entry.dims, entry.seed, entry.initializer as never, entry.dtype as never);
      expect(actual).toEqual({ sha256: entry.sha256, first: entry.first, random: entry.random });
    },
  );
});
