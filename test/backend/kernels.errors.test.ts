/**
 * Bad arguments: every kernel throws the right error type, with a message naming the kernel and the
 * argument, and writes nothing. The same spec runs on both backends, so they reject the same calls.
 */
import { ActivationCode as Act, LossCode as Loss, type Backend } from '../../lib';
import { describeBackends } from '../helpers/backends';

type Kind = typeof TypeError | typeof RangeError;
/** A call to make, the error it must throw, and the message it must match. */
type BadCall = [description: string, call: (b: Backend, out: Float64Array) => unknown, kind: Kind, message: RegExp];

const f64 = (n: number, value = 1) => new Float64Array(n).fill(value);
const SENTINEL = 7.25;

function detached(length: number): Float64Array {
  const array = new Float64Array(length);
  structuredClone(array.buffer, { transfer: [array.buffer] });
  return array;
}

const gemmCases: BadCall[] = [
  [
    'too few arguments',
    (b) => (b.gemm as (...a: unknown[]) => void)(false, false, 2, 2, 2, 1, f64(4), f64(4), 0),
    TypeError,
    /gemm expects 10 arguments but received 9/,
  ],
  [
    'transA not a boolean',
    (b, C) => b.gemm(1 as never, false, 2, 2, 2, 1, f64(4), f64(4), 0, C),
    TypeError,
    /gemm: expected transA to be a boolean but received 1/,
  ],
  [
    'm negative',
    (b, C) => b.gemm(false, false, -1, 2, 2, 1, f64(4), f64(4), 0, C),
    RangeError,
    /gemm: expected m to be an integer from 0 to 2147483647 but received -1/,
  ],
  [
    'n not an integer',
    (b, C) => b.gemm(false, false, 2, 1.5, 2, 1, f64(4), f64(4), 0, C),
    RangeError,
    /expected n to be an integer .* received 1.5/,
  ],
  [
    'k NaN',
    (b, C) => b.gemm(false, false, 2, 2, NaN, 1, f64(4), f64(4), 0, C),
    RangeError,
    /expected k .* received NaN/,
  ],
  [
    'm = 2^31',
    (b, C) => b.gemm(false, false, 2 ** 31, 2, 2, 1, f64(4), f64(4), 0, C),
    RangeError,
    /expected m .* received 2147483648/,
  ],
  [
    'm = 2^53',
    (b, C) => b.gemm(false, false, 2 ** 53, 2, 2, 1, f64(4), f64(4), 0, C),
    RangeError,
    /expected m .* received 9007199254740992/,
  ],
  [
    'm a string',
    (b, C) => b.gemm(false, false, '2' as never, 2, 2, 1, f64(4), f64(4), 0, C),
    TypeError,
    /expected m to be a non-negative integer but received a string/,
  ],
  [
    'alpha Infinity',
    (b, C) => b.gemm(false, false, 2, 2, 2, Infinity, f64(4), f64(4), 0, C),
    RangeError,
    /expected alpha to be a finite number but received Infinity/,
  ],
  // float32 cannot hold it: the conversion would make it an infinity and every result infinite or NaN.
  [
    'alpha beyond float32 for float32 arrays',
    (b) => b.gemm(false, false, 2, 2, 2, 1e300, new Float32Array(4), new Float32Array(4), 0, new Float32Array(4)),
    RangeError,
    /gemm: expected alpha to be within float32's range \(\|x\| <= 3\.4028234663852886e\+38\) for Float32Array arguments but received 1e\+300/,
  ],
  [
    'beta beyond float32 for float32 arrays',
    (b) => b.gemm(false, false, 2, 2, 2, 1, new Float32Array(4), new Float32Array(4), -3.5e38, new Float32Array(4)),
    RangeError,
    /gemm: expected beta to be within float32's range .* but received -3\.5e\+38/,
  ],
  [
    'beta not a number',
    (b, C) => b.gemm(false, false, 2, 2, 2, 1, f64(4), f64(4), null as never, C),
    TypeError,
    /expected beta to be a number but received null/,
  ],
  [
    'A an Int8Array',
    (b, C) => b.gemm(false, false, 2, 2, 2, 1, new Int8Array(4) as never, f64(4), 0, C),
    TypeError,
    /gemm: expected A to be a Float64Array or Float32Array but received Int8Array/,
  ],
  [
    'A float32 but B float64',
    (b, C) => b.gemm(false, false, 2, 2, 2, 1, new Float32Array(4), f64(4), 0, C),
    TypeError,
    /gemm: expected B to be a Float32Array but received Float64Array/,
  ],
  [
    'A float64 but C float32',
    (b) => b.gemm(false, false, 2, 2, 2, 1, f64(4), f64(4), 0, new Float32Array(4)),
    TypeError,
    /gemm: expected C to be a Float64Array but received Float32Array/,
  ],
  [
    'B a plain array',
    (b, C) => b.gemm(false, false, 2, 2, 2, 1, f64(4), [1, 2, 3, 4] as never, 0, C),
    TypeError,
    /expected B to be a Float64Array but received an Array/,
  ],
  [
    'A too short',
    (b, C) => b.gemm(false, false, 2, 2, 3, 1, f64(4), f64(6), 0, C),
    RangeError,
    /expected A to hold at least m\*k = 6 elements but the Float64Array has 4/,
  ],
  [
    'C too short',
    (b) => b.gemm(false, false, 2, 3, 2, 1, f64(4), f64(6), 0, f64(5, SENTINEL)),
    RangeError,
    /expected C to hold at least m\*n = 6 elements/,
  ],
  [
    'A detached',
    (b, C) => b.gemm(false, false, 2, 2, 2, 1, detached(4), f64(4), 0, C),
    TypeError,
    /A is a Float64Array whose buffer is detached/,
  ],
  [
    'C overlapping A',
    (b) => {
      const buf = f64(8, SENTINEL);
      b.gemm(false, false, 2, 2, 2, 1, buf.subarray(0, 4), f64(4), 0, buf.subarray(2, 6));
    },
    RangeError,
    /gemm: C overlaps A; the output must be separate memory/,
  ],
  ['C the same array as B', (b, C) => b.gemm(false, false, 2, 2, 2, 1, f64(4), C, 0, C), RangeError, /C overlaps B/],
];

const otherCases: BadCall[] = [
  [
    'axpy: X too short',
    (b, Y) => b.axpy(4, 1, f64(3), Y),
    RangeError,
    /axpy: expected X to hold at least n = 4 elements but the Float64Array has 3/,
  ],
  [
    'axpy: partial overlap',
    (b, Y) => b.axpy(3, 1, Y.subarray(1), Y),
    RangeError,
    /axpy: Y partly overlaps X; it may be the very same elements/,
  ],
  [
    'axpy: alpha NaN',
    (b, Y) => b.axpy(4, NaN, f64(4), Y),
    RangeError,
    /axpy: expected alpha to be a finite number but received NaN/,
  ],
  [
    'addBias: bias too short',
    (b, Z) => b.addBias(2, 2, f64(1), Z),
    RangeError,
    /addBias: expected bias to hold at least cols = 2/,
  ],
  ['addBias: Z is the bias', (b, Z) => b.addBias(1, 2, Z, Z), RangeError, /addBias: Z overlaps bias/],
  [
    'columnSums: A an Int32Array',
    (b, out) => b.columnSums(2, 2, new Int32Array(4) as never, out),
    TypeError,
    /columnSums: expected A to be a Float64Array or Float32Array but received Int32Array/,
  ],
  [
    'sgdStep: momentum without a velocity buffer',
    (b, p) => b.sgdStep(4, 0.1, 0.9, false, 0, p, f64(4), new Float64Array(0)),
    RangeError,
    /sgdStep: expected velocity to hold at least n \(momentum is not 0\) = 4 elements/,
  ],
  [
    'sgdStep: gradients are the parameters',
    (b, p) => b.sgdStep(4, 0.1, 0, false, 0, p, p, new Float64Array(0)),
    RangeError,
    /sgdStep: params overlaps gradients/,
  ],
  [
    'sgdStep: float32 learning rate beyond float32',
    (b) => b.sgdStep(4, 1e39, 0, false, 0, new Float32Array(4), new Float32Array(4), new Float32Array(0)),
    RangeError,
    /sgdStep: expected learningRate to be within float32's range/,
  ],
  [
    'adamStep: float32 epsilon beyond float32',
    (b) =>
      b.adamStep(
        4,
        0.1,
        0.9,
        0.999,
        1e40,
        0,
        false,
        1,
        new Float32Array(4),
        new Float32Array(4),
        new Float32Array(4),
        new Float32Array(4),
      ),
    RangeError,
    /adamStep: expected epsilon to be within float32's range/,
  ],
  [
    'adamStep: step 0',
    (b, p) => b.adamStep(4, 0.1, 0.9, 0.999, 1e-8, 0, false, 0, p, f64(4), f64(4), f64(4)),
    RangeError,
    /adamStep: expected step >= 1 and 0 <= beta1, beta2 < 1 but received step 0/,
  ],
  [
    'adamStep: beta2 = 1',
    (b, p) => b.adamStep(4, 0.1, 0.9, 1, 1e-8, 0, false, 1, p, f64(4), f64(4), f64(4)),
    RangeError,
    /beta2 1/,
  ],
  [
    'adamStep: m is v',
    (b, p) => {
      const mv = f64(4);
      b.adamStep(4, 0.1, 0.9, 0.999, 1e-8, 0, false, 1, p, f64(4), mv, mv);
    },
    RangeError,
    /adamStep: v overlaps m/,
  ],
  [
    'gatherRows: index past the last row',
    (b, out) => b.gatherRows(2, 2, f64(4), Uint32Array.from([0, 2]), 0, out),
    RangeError,
    /gatherRows: indices\[1\] = 2 is not a row of X \(X has 2 rows\)/,
  ],
  [
    'gatherRows: negative index',
    (b, out) => b.gatherRows(2, 2, f64(4), Int32Array.from([-1, 0]), 0, out),
    RangeError,
    /indices\[0\] = -1 is not a row of X/,
  ],
  [
    'gatherRows: index array of floats',
    (b, out) => b.gatherRows(2, 2, f64(4), f64(2) as never, 0, out),
    TypeError,
    /expected indices to be a Uint32Array or Int32Array but received Float64Array/,
  ],
  [
    'gatherRows: offset past the end',
    (b, out) => b.gatherRows(2, 2, f64(4), Uint32Array.from([0, 1]), 1, out),
    RangeError,
    /expected indices to hold at least indexOffset\+rows = 3 entries but it has 2/,
  ],
  [
    'gatherRows: out is X',
    (b, out) => b.gatherRows(1, 2, out, Uint32Array.from([1]), 0, out),
    RangeError,
    /gatherRows: out overlaps X/,
  ],
  [
    'activationForward: unknown activation',
    (b, A) => b.activationForward(6 as never, 2, 2, f64(4), A),
    RangeError,
    /activationForward: expected activation to be an integer from 0 to 5 but received 6/,
  ],
  [
    'activationForward: activation a string',
    (b, A) => b.activationForward('relu' as never, 2, 2, f64(4), A),
    TypeError,
    /expected activation to be an integer code but received a string/,
  ],
  [
    'activationForward: partial overlap',
    (b, A) => b.activationForward(Act.relu, 1, 3, A.subarray(1), A),
    RangeError,
    /A partly overlaps Z/,
  ],
  [
    'activationBackward: G too short',
    (b, out) => b.activationBackward(Act.relu, 2, 2, f64(4), f64(4), f64(3), out),
    RangeError,
    /activationBackward: expected G to hold at least rows\*cols = 4/,
  ],
  [
    'lossValue: unknown loss',
    (b) => b.lossValue(3 as never, Act.identity, 1, 1, f64(1), f64(1), f64(1)),
    RangeError,
    /lossValue: expected loss to be an integer from 0 to 2 but received 3/,
  ],
  [
    'lossValue: empty batch',
    (b) => b.lossValue(Loss.meanSquaredError, Act.identity, 0, 3, f64(0), f64(0), f64(0)),
    RangeError,
    /lossValue: expected rows and cols to be at least 1 but received rows = 0, cols = 3/,
  ],
  [
    'lossValue: cross-entropy without softmax',
    (b) => b.lossValue(Loss.crossEntropy, Act.sigmoid, 1, 2, f64(2), f64(2), f64(2)),
    RangeError,
    /lossValue: the crossEntropy loss needs the softmax output activation \(code 5\) but received code 2 \(sigmoid\)/,
  ],
  [
    'outputDelta: binary cross-entropy without sigmoid',
    (b, d) => b.outputDelta(Loss.binaryCrossEntropy, Act.relu, 2, 2, f64(4), f64(4), f64(4), d),
    RangeError,
    /the binaryCrossEntropy loss needs the sigmoid output activation/,
  ],
  [
    'outputDelta: delta is A',
    (b, d) => b.outputDelta(Loss.meanSquaredError, Act.identity, 2, 2, f64(4), d, f64(4), d),
    RangeError,
    /outputDelta: delta overlaps A/,
  ],
  [
    'outputDelta: Y detached',
    (b, d) => b.outputDelta(Loss.meanSquaredError, Act.identity, 2, 2, f64(4), f64(4), detached(4), d),
    TypeError,
    /Y is a Float64Array whose buffer is detached/,
  ],
];

describeBackends('kernel argument checks', (b) => {
  it.each([...gemmCases, ...otherCases])('%s', (_description, call, kind, message) => {
    const out = f64(4, SENTINEL);
    let thrown: unknown;
    try {
      call(b, out);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(kind);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as { code?: string }).code).toBe(kind === TypeError ? 'ERR_INVALID_ARG_TYPE' : 'ERR_OUT_OF_RANGE');
    // Nothing was written.
    expect(Array.from(out)).toEqual([SENTINEL, SENTINEL, SENTINEL, SENTINEL]);
  });

  it('leaves the output untouched when only a late argument is bad', () => {
    const X = f64(6, 1);
    const out = f64(4, SENTINEL);
    // The first index is fine, the second is not: no row may be copied before the check fails.
    expect(() => b.gatherRows(2, 2, X, Uint32Array.from([0, 5]), 0, out)).toThrow(RangeError);
    expect(Array.from(out)).toEqual([SENTINEL, SENTINEL, SENTINEL, SENTINEL]);
  });

  it('accepts any finite scalar for float64 arrays, and float32 range exactly for float32 arrays', () => {
    const C = f64(1);
    b.gemm(false, false, 1, 1, 1, 1e300, f64(1, 2), f64(1, 3), 0, C);
    expect(C[0]).toBe(6e300);
    const C32 = new Float32Array(1);
    b.gemm(false, false, 1, 1, 1, 3.4028234663852886e38, Float32Array.of(0.5), Float32Array.of(1), 0, C32);
    expect(C32[0]).toBe(Math.fround(1.7014117331926443e38));
  });

  it('accepts arrays longer than needed and zero-length work on empty arrays', () => {
    const C = f64(10, SENTINEL);
    b.gemm(false, false, 1, 1, 1, 1, f64(5, 2), f64(5, 3), 0, C);
    expect(C[0]).toBe(6);
    expect(C[1]).toBe(SENTINEL);
    expect(b.axpy(0, 1, new Float64Array(0), new Float64Array(0))).toBeUndefined();
    const Y = f64(3, SENTINEL);
    b.axpy(0, 1, new Float64Array(0), Y);
    expect(Array.from(Y)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
  });
});
