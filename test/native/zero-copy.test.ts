/**
 * The addon works on the caller's own memory: no copy in, no copy out.
 */
import { backends } from '../../lib';

describe('zero copy across the native boundary', () => {
  it('writes a 1e6-element Float64Array in place, visible through the same buffer', () => {
    const n = 1_000_000;
    const buffer = new ArrayBuffer(n * 8);
    const Y = new Float64Array(buffer);
    const alias = new Float64Array(buffer); // a second view of the same memory
    const X = new Float64Array(n).fill(1);
    for (let i = 0; i < n; i++) Y[i] = i;
    backends.native.axpy(n, 2, X, Y);
    // If the addon had worked on a copy, the views would still read i.
    expect(alias[0]).toBe(2);
    expect(alias[n - 1]).toBe(n - 1 + 2);
    // A 1000 x 1000 product written through gemm, read back through the other view.
    const A = new Float64Array(n).fill(0);
    for (let i = 0; i < 1000; i++) A[i * 1000 + i] = 3; // 3 I
    backends.native.gemm(false, false, 1000, 1000, 1000, 1, A, X, 0, Y);
    expect(alias[0]).toBe(3);
    expect(alias[n - 1]).toBe(3);
  });

  it('reads and writes subarray views at their byteOffset', () => {
    const backing = new Float64Array([100, 1, 2, 3, 4, 200, 0, 0, 0, 0, 300]);
    const A = backing.subarray(1, 5); // [1, 2, 3, 4]
    const C = backing.subarray(6, 10);
    backends.native.gemm(false, false, 2, 2, 2, 1, A, A, 0, C);
    // [[1, 2], [3, 4]]^2 = [[7, 10], [15, 22]]
    expect(Array.from(backing)).toEqual([100, 1, 2, 3, 4, 200, 7, 10, 15, 22, 300]);
  });

  it('works on memory shared with other threads (SharedArrayBuffer)', () => {
    const shared = new Float64Array(new SharedArrayBuffer(4 * 8));
    shared.set([1, 2, 3, 4]);
    backends.native.axpy(4, 1, new Float64Array([1, 1, 1, 1]), shared);
    expect(Array.from(shared)).toEqual([2, 3, 4, 5]);
  });
});
