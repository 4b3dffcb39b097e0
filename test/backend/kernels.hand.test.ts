/**
 * Every kernel on small cases whose answers were worked out by hand, on both backends.
 */
import { ActivationCode as Act, LossCode as Loss } from '../../lib';
import { describeBackends } from '../helpers/backends';

const f64 = (values: number[]) => Float64Array.from(values);
/** A transposed copy of a rows x cols row-major matrix. */
function transpose(values: number[], rows: number, cols: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = values[i * cols + j]!;
  return out;
}

describeBackends('gemm', (b) => {
  const A = [1, 2, 3, 4, 5, 6]; // 2 x 3
  const B = [7, 8, 9, 10, 11, 12]; // 3 x 2
  // A B = [[1*7+2*9+3*11, 1*8+2*10+3*12], [4*7+5*9+6*11, 4*8+5*10+6*12]] = [[58, 64], [139, 154]]
  // 2 A B + 0.5 * ones = [[116.5, 128.5], [278.5, 308.5]]
  const expected = [116.5, 128.5, 278.5, 308.5];

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('computes alpha op(A) op(B) + beta C with transA=%s transB=%s', (transA, transB) => {
    const a = transA ? transpose(A, 2, 3) : f64(A);
    const bm = transB ? transpose(B, 3, 2) : f64(B);
    const C = f64([1, 1, 1, 1]);
    b.gemm(transA, transB, 2, 2, 3, 2, a, bm, 0.5, C);
    expect(Array.from(C)).toEqual(expected);
  });

  it('overwrites C when beta is 0, even where C held NaN (the BLAS convention)', () => {
    const C = f64([NaN, NaN, NaN, NaN]);
    b.gemm(false, false, 2, 2, 3, 1, f64(A), f64(B), 0, C);
    expect(Array.from(C)).toEqual([58, 64, 139, 154]);
  });

  it('leaves A and B unread when alpha is 0 or k is 0, and scales C by beta', () => {
    const C = f64([1, 2, 3, 4]);
    b.gemm(false, false, 2, 2, 3, 0, f64([NaN, NaN, NaN, NaN, NaN, NaN]), f64(B), 3, C);
    expect(Array.from(C)).toEqual([3, 6, 9, 12]);
    b.gemm(false, false, 2, 2, 0, 1, new Float64Array(0), new Float64Array(0), 0, C);
    expect(Array.from(C)).toEqual([0, 0, 0, 0]);
  });

  it('does nothing for an empty result', () => {
    const C = f64([5]);
    b.gemm(false, false, 0, 1, 3, 1, new Float64Array(0), f64([1, 2, 3]), 0, C);
    expect(C[0]).toBe(5);
  });

  it('computes 1 x 1 and outer products', () => {
    const C = new Float64Array(1);
    b.gemm(false, false, 1, 1, 1, 1, f64([3]), f64([4]), 0, C);
    expect(C[0]).toBe(12);
    const outer = new Float64Array(6);
    b.gemm(false, false, 3, 2, 1, 1, f64([1, 2, 3]), f64([10, 20]), 0, outer);
    expect(Array.from(outer)).toEqual([10, 20, 20, 40, 30, 60]);
  });
});

describeBackends('axpy', (b) => {
  it('adds alpha X to the first n elements of Y only', () => {
    const Y = f64([1, 2, 3, 100]);
    b.axpy(3, -0.5, f64([1, 2, 4, 1]), Y);
    expect(Array.from(Y)).toEqual([0.5, 1, 1, 100]);
  });

  it('works in place (Y is X)', () => {
    const Y = f64([1, 2]);
    b.axpy(2, 1, Y, Y);
    expect(Array.from(Y)).toEqual([2, 4]);
  });
});

describeBackends('addBias and columnSums', (b) => {
  it('broadcasts the bias over every row', () => {
    const Z = f64([0, 0, 0, 10, 20, 30]);
    b.addBias(2, 3, f64([1, 2, 3]), Z);
    expect(Array.from(Z)).toEqual([1, 2, 3, 11, 22, 33]);
  });

  it('sums columns', () => {
    const out = f64([99, 99]);
    b.columnSums(3, 2, f64([1, 2, 3, 4, 5, 6]), out);
    expect(Array.from(out)).toEqual([9, 12]);
  });

  it('gives zero sums for zero rows', () => {
    const out = f64([99, 99]);
    b.columnSums(0, 2, new Float64Array(0), out);
    expect(Array.from(out)).toEqual([0, 0]);
  });
});

describeBackends('gatherRows', (b) => {
  const X = f64([1, 2, 3, 4, 5, 6]); // 3 x 2

  it('copies the indexed rows, from an offset into the index', () => {
    const out = new Float64Array(6);
    b.gatherRows(3, 2, X, Uint32Array.from([2, 0, 2]), 0, out);
    expect(Array.from(out)).toEqual([5, 6, 1, 2, 5, 6]);
    const part = new Float64Array(4);
    b.gatherRows(2, 2, X, Int32Array.from([9, 0, 2]), 1, part);
    expect(Array.from(part)).toEqual([1, 2, 5, 6]);
  });
});

describeBackends('activationForward', (b) => {
  const z = [-2, -1, 0, 0.5, 2];
  const cases: [string, Act, number[]][] = [
    ['identity', Act.identity, [-2, -1, 0, 0.5, 2]],
    ['relu', Act.relu, [0, 0, 0, 0.5, 2]],
    // 1 / (1 + e^2), 1 / (1 + e), 1/2, 1 / (1 + e^-0.5), 1 / (1 + e^-2)
    ['sigmoid', Act.sigmoid, [0.11920292202211755, 0.2689414213699951, 0.5, 0.6224593312018546, 0.8807970779778823]],
    ['tanh', Act.tanh, [-0.9640275800758169, -0.7615941559557649, 0, 0.46211715726000974, 0.9640275800758169]],
    ['leakyRelu', Act.leakyRelu, [-0.02, -0.01, 0, 0.5, 2]],
  ];

  it.each(cases)('%s', (_name, code, expected) => {
    const A = new Float64Array(5);
    b.activationForward(code, 1, 5, f64(z), A);
    for (let i = 0; i < 5; i++) expect(A[i]).toBeCloseTo(expected[i]!, 15);
  });

  it('softmax normalises each row, and stays finite for huge logits', () => {
    const A = new Float64Array(6);
    b.activationForward(Act.softmax, 2, 3, f64([1, 2, 3, 1000, 0, -1000]), A);
    // e^k / (e + e^2 + e^3)
    [0.09003057317038046, 0.24472847105479767, 0.6652409557748219].forEach((v, i) => expect(A[i]).toBeCloseTo(v, 15));
    expect(Array.from(A.subarray(3))).toEqual([1, 0, 0]);
  });

  it('sigmoid of +-1e4 is exactly 1 and 0, never NaN', () => {
    const A = new Float64Array(2);
    b.activationForward(Act.sigmoid, 1, 2, f64([1e4, -1e4]), A);
    expect(Array.from(A)).toEqual([1, 0]);
  });

  it('works in place', () => {
    const Z = f64([-1, 3]);
    b.activationForward(Act.relu, 1, 2, Z, Z);
    expect(Array.from(Z)).toEqual([0, 3]);
  });
});

describeBackends('activationBackward', (b) => {
  it('multiplies by the derivative at z (relu takes 0 at z = 0, as PyTorch)', () => {
    const out = new Float64Array(3);
    b.activationBackward(Act.relu, 1, 3, f64([-1, 0, 2]), f64([0, 0, 2]), f64([5, 5, 5]), out);
    expect(Array.from(out)).toEqual([0, 0, 5]);
  });

  it('sigmoid: a (1 - a); tanh: 1 - a^2; leaky relu: 0.01 below zero', () => {
    const out = new Float64Array(2);
    b.activationBackward(Act.sigmoid, 1, 2, f64([0, 0]), f64([0.5, 0.25]), f64([1, 2]), out);
    expect(Array.from(out)).toEqual([0.25, 2 * 0.25 * 0.75]);
    b.activationBackward(Act.tanh, 1, 2, f64([0, 0]), f64([0.5, -0.5]), f64([1, 2]), out);
    expect(Array.from(out)).toEqual([0.75, 1.5]);
    b.activationBackward(Act.leakyRelu, 1, 2, f64([-3, 3]), f64([-0.03, 3]), f64([2, 2]), out);
    expect(Array.from(out)).toEqual([0.02, 2]);
  });

  it('softmax: the Jacobian-vector product a * (g - g.a)', () => {
    // a = [0.5, 0.5], g = [1, 0]: g.a = 0.5, out = [0.5 * 0.5, 0.5 * -0.5]
    const out = new Float64Array(2);
    b.activationBackward(Act.softmax, 1, 2, f64([0, 0]), f64([0.5, 0.5]), f64([1, 0]), out);
    expect(Array.from(out)).toEqual([0.25, -0.25]);
  });

  it('works in place on G', () => {
    const G = f64([4, 4]);
    b.activationBackward(Act.relu, 1, 2, f64([-1, 1]), f64([0, 1]), G, G);
    expect(Array.from(G)).toEqual([0, 4]);
  });
});

describeBackends('lossValue and outputDelta', (b) => {
  it("mean squared error: mean over all elements; delta 2 (a - y) / count times f'(z)", () => {
    // ((1-0)^2 + (2-0)^2 + (0-1)^2 + (0-0)^2) / 4 = 1.5
    const A = f64([1, 2, 0, 0]);
    const Y = f64([0, 0, 1, 0]);
    expect(b.lossValue(Loss.meanSquaredError, Act.identity, 2, 2, A, A, Y)).toBe(1.5);
    const delta = new Float64Array(4);
    b.outputDelta(Loss.meanSquaredError, Act.identity, 2, 2, A, A, Y, delta);
    expect(Array.from(delta)).toEqual([0.5, 1, -0.5, 0]);
    // With a sigmoid output at z = 0 (a = 1/2): 2 (1/2 - 1) / 1 * 1/4 = -1/4
    b.outputDelta(Loss.meanSquaredError, Act.sigmoid, 1, 1, f64([0]), f64([0.5]), f64([1]), delta);
    expect(delta[0]).toBe(-0.25);
  });

  it('binary cross-entropy: log 2 at z = 0; delta (a - y) / count', () => {
    expect(b.lossValue(Loss.binaryCrossEntropy, Act.sigmoid, 1, 2, f64([0, 0]), f64([0.5, 0.5]), f64([1, 0]))).toBe(
      Math.LN2,
    );
    const delta = new Float64Array(2);
    b.outputDelta(Loss.binaryCrossEntropy, Act.sigmoid, 1, 2, f64([0, 0]), f64([0.5, 0.5]), f64([1, 0]), delta);
    expect(Array.from(delta)).toEqual([-0.25, 0.25]);
  });

  it('binary cross-entropy stays finite for saturated outputs (no log of 0)', () => {
    // z = 1000, y = 0: -log(1 - sigmoid(1000)) = 1000; z = -1000, y = 1: -log(sigmoid(-1000)) = 1000
    const value = b.lossValue(Loss.binaryCrossEntropy, Act.sigmoid, 1, 2, f64([1000, -1000]), f64([1, 0]), f64([0, 1]));
    expect(value).toBe(1000);
  });

  it('cross-entropy: mean over rows of -sum y log softmax(z); delta (a sum(y) - y) / rows', () => {
    // Row 1: z = [0, 0], y = [1, 0]: log 2. Row 2: z = [1000, -1000], y = [0, 1]: 2000.
    const Z = f64([0, 0, 1000, -1000]);
    const A = f64([0.5, 0.5, 1, 0]);
    const Y = f64([1, 0, 0, 1]);
    expect(b.lossValue(Loss.crossEntropy, Act.softmax, 2, 2, Z, A, Y)).toBeCloseTo((Math.LN2 + 2000) / 2, 12);
    const delta = new Float64Array(4);
    b.outputDelta(Loss.crossEntropy, Act.softmax, 2, 2, Z, A, Y, delta);
    expect(Array.from(delta)).toEqual([-0.25, 0.25, 0.5, -0.5]);
    // Targets that do not sum to 1: y = [2, 0] gives (a * 2 - y) / 1 = [-1, 1].
    b.outputDelta(Loss.crossEntropy, Act.softmax, 1, 2, f64([0, 0]), f64([0.5, 0.5]), f64([2, 0]), delta);
    expect(Array.from(delta.subarray(0, 2))).toEqual([-1, 1]);
  });
});
