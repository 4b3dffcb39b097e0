/**
 * Saved seeds keep giving the same initial weights: every case's parameters, bit for bit (SHA-256 of
 * their bytes), and the generator's state after the draw (which the first epoch's shuffle continues),
 * against digests recorded from main before issue 20's unboxed draw (test/fixtures/initializer-bits.json).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { digestOf, type DTYPES, type INITIALIZERS } from './fixtures/make-initializer-fixtures';

interface Recorded {
  dims: number[];
  seed: number;
  initializer: (typeof INITIALIZERS)[number];
  dtype: (typeof DTYPES)[number];
  sha256: string;
  first: number;
  random: unknown;
}

const recorded = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'fixtures', 'initializer-bits.json'), 'utf8'),
) as Recorded[];

describe('initial weights stay bit-identical for a seed', () => {
  it.each(
    recorded.map(
      (entry) => [`${entry.dims.join('-')} seed ${entry.seed} ${entry.initializer} ${entry.dtype}`, entry] as const,
    ),
  )('%s', (_name: string, entry: Recorded) => {
    const actual = digestOf(entry.dims, entry.seed, entry.initializer, entry.dtype);
    expect(actual).toEqual({ sha256: entry.sha256, first: entry.first, random: entry.random });
  });
});
