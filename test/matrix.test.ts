import { Matrix, ShapeError, ValueError } from '../lib';

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
