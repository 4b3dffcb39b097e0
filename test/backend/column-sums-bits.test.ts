/**
 * columnSums' bits: each column is summed row by row in order (native/kernels/elementwise.h), so the native
 * kernel, whose short rows (up to 16 columns) go through vector registers a row at a time, must equal the js
 * backend's loop bit for bit, for every width around the register sizes (4 doubles, 8 floats), a single row,
 * and values whose order of addition shows (large and small magnitudes, -0, infinities, NaN).
 */
import { backends } from '../../lib';
import { Random } from '../../lib/random';

describe('columnSums: native equals the js backend bit for bit', () => {
  const cases: [string, typeof Float64Array | typeof Float32Array][] = [
    ['float64', Float64Array],
    ['float32', Float32Array],
  ];
  it.each(cases)('%s', (_name, Floats) => {
    const random = new Random(20261201);
    for (let cols = 1; cols <= 18; cols++) {
      for (const rows of [1, 2, 3, 15, 64]) {
        const A = new Floats(rows * cols);
        for (let i = 0; i < A.length; i++)
          A[i] = (random.uniform() - 0.5) * 10 ** Math.floor(random.uniform() * 12 - 4);
        if (rows * cols > 7) {
          A[1] = -0;
          A[rows * cols - 1] = Infinity;
          A[3] = NaN;
        }
        const [native, js] = [backends.native, backends.js].map((b) => {
          const out = new Floats(cols).fill(7);
          b.columnSums(rows, cols, A, out);
          return out;
        });
        for (let j = 0; j < cols; j++) {
          if (!Object.is(native![j], js![j]))
            throw new Error(`${rows} x ${cols}, column ${j}: native ${native![j]}, js ${js![j]}`);
        }
      }
    }
  });
});
