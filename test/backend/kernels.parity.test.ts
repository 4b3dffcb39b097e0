/**
 * The native addon against the pure-TypeScript reference on random inputs: every kernel, shapes from 1 x 1
 * to non-square, every transpose combination, alpha and beta away from 1 and 0, and operands that are
 * subarray views at a non-zero byteOffset. Agreement: normwise relative error <= 1e-12.
 */
import { ActivationCode as Act, LossCode as Loss, backends, type Backend } from '../../lib';
import { Random } from '../../lib/random';
import { expectClose, randomArray } from '../helpers/numbers';

const TOLERANCE = 1e-12;
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 3],
  [7, 1, 3],
  [5, 4, 1],
  [3, 5, 7],
  [16, 9, 33],
  [64, 15, 10],
];

/** A random array placed at a random offset inside a larger buffer, so byteOffset is not 0. */
function view(random: Random, length: number, scale = 1): Float64Array {
  const offset = 1 + random.integer(5);
  const backing = randomArray(random, length + offset + 2, scale);
  return backing.subarray(offset, offset + length);
}

/** Runs `body` with the same inputs on both backends and returns what each wrote. */
function onBoth<T>(make: () => T, body: (backend: Backend, inputs: T) => Float64Array | number): [unknown, unknown] {
  const inputs = make();
  const copy = (value: unknown): unknown =>
    value instanceof Float64Array ? value.slice() : Array.isArray(value) ? value.map(copy) : value;
  const nativeInputs = copy(inputs) as T;
  const jsInputs = copy(inputs) as T;
  return [body(backends.native, nativeInputs), body(backends.js, jsInputs)];
}

function compare([native, js]: [unknown, unknown]): void {
  if (typeof native === 'number') {
    expect(Math.abs(native - (js as number))).toBeLessThanOrEqual(TOLERANCE * Math.max(1, Math.abs(js as number)));
  } else {
    expectClose(native as Float64Array, js as Float64Array, TOLERANCE);
  }
}

describe('native and js kernels agree in float32, to float32 tolerance', () => {
  const random = new Random(32);
  const f32 = (length: number, scale = 1) => Float32Array.from(randomArray(random, length, scale));
  it.each(SHAPES)('gemm, every transpose, at m=%i n=%i k=%i', (m, n, k) => {
    for (const [transA, transB] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      const A = f32(m * k);
      const B = f32(k * n);
      const C = f32(m * n);
      const outputs = [backends.native, backends.js].map((b) => {
        const c = C.slice();
        b.gemm(transA, transB, m, n, k, 0.75, A, B, 0.5, c);
        return c;
      });
      expectClose(outputs[0]!, outputs[1]!, 1e-5);
    }
  });

  it.each(SHAPES)('every activation and loss at %i x %i', (rows, cols) => {
    for (const code of Object.values(Act)) {
      const Z = f32(rows * cols, 4);
      const [aNative, aJs] = [backends.native, backends.js].map((b) => {
        const A = new Float32Array(rows * cols);
        b.activationForward(code, rows, cols, Z, A);
        return A;
      });
      expectClose(aNative!, aJs!, 1e-6);
      const G = f32(rows * cols);
      const [gNative, gJs] = [backends.native, backends.js].map((b) => {
        const out = new Float32Array(rows * cols);
        b.activationBackward(code, rows, cols, Z, aJs!, G, out);
        return out;
      });
      expectClose(gNative!, gJs!, 1e-6);
    }
    const Z = f32(rows * cols, 4);
    const A = new Float32Array(rows * cols);
    backends.js.activationForward(Act.softmax, rows, cols, Z, A);
    const Y = Float32Array.from(f32(rows * cols), Math.abs);
    const values = [backends.native, backends.js].map((b) =>
      b.lossValue(Loss.crossEntropy, Act.softmax, rows, cols, Z, A, Y),
    );
    expect(Math.abs(values[0]! - values[1]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, values[1]!));
  });

  // The native float32 sigmoid and softmax compute exp in float arithmetic (simd.h's vexp(float)); the js
  // backend computes in double and rounds once. Element by element, across exp's whole float range: where
  // it overflows, underflows into subnormals and to zero, and around zero.
  it('sigmoid and softmax within 3 float32 ulp of the js backend, element by element, for z in [-120, 120]', () => {
    const ulp = (x: number) => {
      const f = Math.fround(Math.abs(x));
      const bits = new Uint32Array(Float32Array.of(f).buffer)[0]!;
      const next = new Float32Array(Uint32Array.of(bits + 1).buffer)[0]!;
      return next - f;
    };
    const count = 4801;
    const Z = Float32Array.from({ length: count }, (_, i) => -120 + i * 0.05 + (i % 7) * 1e-3);
    for (const code of [Act.sigmoid, Act.softmax]) {
      // Softmax over rows of 3: neighbours differ by ~0.05, so every value is a sizeable probability.
      const rows = code === Act.softmax ? 1600 : 1;
      const cols = code === Act.softmax ? 3 : count;
      const [aNative, aJs] = [backends.native, backends.js].map((b) => {
        const A = new Float32Array(rows * cols);
        b.activationForward(code, rows, cols, Z.subarray(0, rows * cols), A);
        return A;
      });
      for (let i = 0; i < rows * cols; i++) {
        const difference = Math.abs(aNative![i]! - aJs![i]!);
        if (!(difference <= 3 * ulp(aJs![i]!))) {
          throw new Error(
            `activation ${code} at z = ${Z[i]}: native ${aNative![i]}, js ${aJs![i]} (${difference / ulp(aJs![i]!)} ulp)`,
          );
        }
      }
    }
  });
});

describe('native and js kernels agree', () => {
  const random = new Random(20261126);

  describe.each(SHAPES)('gemm m=%i n=%i k=%i', (m, n, k) => {
    it.each([
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ])('transA=%s transB=%s', (transA, transB) => {
      const alpha = 0.5 + random.uniform();
      const beta = random.uniform() - 0.5;
      compare(
        onBoth(
          () => [view(random, m * k), view(random, k * n), view(random, m * n)],
          (b, [A, B, C]) => {
            b.gemm(transA, transB, m, n, k, alpha, A!, B!, beta, C!);
            return C!;
          },
        ),
      );
    });
  });

  it.each(SHAPES)('axpy, addBias, columnSums at %i x %i', (rows, cols) => {
    const alpha = random.uniform() - 0.5;
    compare(
      onBoth(
        () => [view(random, rows * cols), view(random, rows * cols)],
        (b, [X, Y]) => (b.axpy(rows * cols, alpha, X!, Y!), Y!),
      ),
    );
    compare(
      onBoth(
        () => [view(random, cols), view(random, rows * cols)],
        (b, [bias, Z]) => (b.addBias(rows, cols, bias!, Z!), Z!),
      ),
    );
    compare(
      onBoth(
        () => [view(random, rows * cols), view(random, cols)],
        (b, [A, out]) => (b.columnSums(rows, cols, A!, out!), out!),
      ),
    );
  });

  it.each(SHAPES)('gatherRows of %i rows x %i cols', (rows, cols) => {
    const sourceRows = rows + 3;
    const indices = new Int32Array(rows + 2);
    for (let i = 0; i < indices.length; i++) indices[i] = random.integer(sourceRows);
    compare(
      onBoth(
        () => [view(random, sourceRows * cols), view(random, rows * cols)],
        (b, [X, out]) => (b.gatherRows(rows, cols, X!, indices, 2, out!), out!),
      ),
    );
  });

  const activations = Object.entries(Act) as [string, Act][];
  describe.each(activations)('activation %s', (_name, code) => {
    it.each(SHAPES)('forward and backward at %i x %i', (rows, cols) => {
      const Z = view(random, rows * cols, 4);
      const forward = onBoth(
        () => [Z, view(random, rows * cols)],
        (b, [z, A]) => (b.activationForward(code, rows, cols, z!, A!), A!),
      );
      compare(forward);
      const A = forward[1] as Float64Array;
      compare(
        onBoth(
          () => [Z, A, view(random, rows * cols), view(random, rows * cols)],
          (b, [z, a, G, out]) => (b.activationBackward(code, rows, cols, z!, a!, G!, out!), out!),
        ),
      );
    });
  });

  const losses: [string, Loss, Act[]][] = [
    [
      'meanSquaredError',
      Loss.meanSquaredError,
      [Act.identity, Act.relu, Act.sigmoid, Act.tanh, Act.leakyRelu, Act.softmax],
    ],
    ['binaryCrossEntropy', Loss.binaryCrossEntropy, [Act.sigmoid]],
    ['crossEntropy', Loss.crossEntropy, [Act.softmax]],
  ];
  describe.each(losses)('loss %s', (_name, loss, outputs) => {
    it.each(SHAPES)('value and delta at %i x %i, for each allowed output activation', (rows, cols) => {
      for (const activation of outputs) {
        const Z = view(random, rows * cols, 4);
        const A = new Float64Array(rows * cols);
        backends.js.activationForward(activation, rows, cols, Z, A);
        const Y = view(random, rows * cols);
        for (let i = 0; i < Y.length; i++) Y[i] = Math.abs(Y[i]!);
        compare(
          onBoth(
            () => [Z, A, Y],
            (b, [z, a, y]) => b.lossValue(loss, activation, rows, cols, z!, a!, y!),
          ),
        );
        compare(
          onBoth(
            () => [Z, A, Y, view(random, rows * cols)],
            (b, [z, a, y, delta]) => (b.outputDelta(loss, activation, rows, cols, z!, a!, y!, delta!), delta!),
          ),
        );
      }
    });
  });
});
