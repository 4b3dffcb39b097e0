import { Matrix, ShapeError, ValueError } from '../lib';
import { allExponentsFinite } from '../lib/matrix';

describe('Matrix', () => {
  it('wraps row-major data without copying and converts back', () => {
    const data = new Float64Array([1, 2, 3, 4, 5, 6]);
    const m = new Matrix(2, 3, data);
    expect(m.data).toBe(data);
    expect(m.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(Array.from(m.row(1))).toEqual([4, 5, 6]);
    m.row(0)[0] = 9; // a view
    expect(data[0]).toBe(9);
  });

  it('copies from rows, and rejects ragged rows and wrong lengths', () => {
    expect(
      Matrix.from([
        [1, 2],
        [3, 4],
      ]).data,
    ).toEqual(new Float64Array([1, 2, 3, 4]));
    expect(() => Matrix.from([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => Matrix.from([[1, 2], [3]])).toThrow(/row 1 has 1/);
    expect(() => new Matrix(2, 2, new Float64Array(3))).toThrow(/rows \* cols = 2 \* 2 = 4 numbers but it holds 3/);
    expect(() => new Matrix(2, 2, new Float32Array(4) as never)).toThrow(ValueError);
    expect(() => Matrix.from([[1, 'a' as never]])).toThrow(/rows\[0\]\[1\]/);
    expect(() => new Matrix(1, 2).row(1)).toThrow(/row index from 0 to 0/);
  });

  it('allocates zeros', () => {
    expect(new Matrix(2, 2).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });
});

describe('allExponentsFinite', () => {
  // Read from the exponent bits alone: the extremes of each exponent range decide it, in every lane
  // position (the scan steps over each float's halves) and with either sign.
  const cases: [string, typeof Float64Array | typeof Float32Array, number[]][] = [
    ['float64', Float64Array, [Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, -0, 0, 1, 2 ** 1023]],
    ['float32', Float32Array, [3.4028234663852886e38, -3.4028234663852886e38, 1e-45, -0, 0, 1, 2 ** 127]],
  ];
  // Lengths on both sides of the short scan's limit (256: a float loop below, the exponent view above), and
  // above it every remainder of the four-element loop (the last 1-4 elements go through its tail loop).
  const lengths = [1, 2, 3, 4, 5, 6, 7, 8, 9, 255, 256, 257, 258, 259, 260, 261, 262, 263, 264, 1000];
  it.each(cases)('%s', (_name, Floats, finite) => {
    for (const length of lengths) {
      const positions =
        length <= 9
          ? [...Array(length).keys()]
          : [0, 1, 2, 3, 4, 5, 6, 7, length - 5, length - 3, length - 2, length - 1];
      for (const at of positions) {
        const data = new Floats(length).fill(finite[(at * 3) % finite.length]!);
        for (let i = 0; i < length; i++) data[i] = finite[(i + at) % finite.length]!;
        expect(allExponentsFinite(data)).toBe(true);
        for (const bad of [Infinity, -Infinity, NaN]) {
          const copy = data.slice();
          copy[at] = bad;
          expect(allExponentsFinite(copy)).toBe(false);
        }
      }
    }
    // A view that starts inside its buffer reads only its own elements.
    const buffer = new Floats(6).fill(1);
    buffer[0] = NaN;
    buffer[5] = Infinity;
    expect(allExponentsFinite(buffer.subarray(1, 5))).toBe(true);
    // The same for a long view (the exponent view over the buffer, from the view's own offset).
    const long = new Floats(303).fill(1);
    long[0] = NaN;
    long[302] = -Infinity;
    expect(allExponentsFinite(long.subarray(1, 302))).toBe(true);
    long[301] = Infinity;
    expect(allExponentsFinite(long.subarray(1, 302))).toBe(false);
  });
});
