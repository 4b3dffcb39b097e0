/**
 * The forward pass's bits, pinned to its parts: networkForward (one native call for every layer) must give
 * exactly what broadcasting each bias into z, the native gemm with beta = 1 and the native activation,
 * called one at a time, give; and the js backend's values to rounding. This is the promise any fusion of
 * the bias or the activation into the small kernel's stores has to keep (one was tried and measured
 * slower, bench/README.md "What we tried" 20). Shapes on both sides of the small kernel's rules (columns
 * 3/4, 4/5, 8/9, 16/17 and 32/33, rows 64/65), every hidden activation, float64 and float32, and a NaN weight that makes
 * some z NaN, where Relu must give +0.
 *
 * A layer whose 64-row slab the small kernel's AVX2 clone takes runs taller passes in slabs of at most 64
 * rows, split evenly (native/kernels/network.h, layerForwardProduct; What we tried 69): the reference does
 * the same, each slab one gemm call, which the small kernel takes. So does every shorter pass, so a row's
 * outputs are then the same bits whichever rows it is passed with: checked against each row alone.
 */
import { ActivationCode as Act, backends, blasInfo, type Backend } from '../../lib';
import { NetworkLayout } from '../../lib/backend/layout';
import { Random } from '../../lib/random';
import { expectClose, randomArray } from '../helpers/numbers';

type Floats = Float64Array | Float32Array;

/** The most rows the small kernel's AVX2 clone takes in one product (small_gemm.h, kAvx2MaxRows). */
const SLAB_ROWS = 64;

/**
 * Whether the native forward pass runs a layer of this shape through the small kernel's AVX2 clone in
 * slabs (network.h: gemmBias's rule at 64 rows, small_gemm.h fitsAvx2 and fitsAvx2Float). Where the clone
 * is the process's kernel (AVX2 CPUs without AVX-512, or BLASNET_SMALL_GEMM=avx2): 5-16 units in float64,
 * 4-32 in float32. On AVX-512 CPUs only float32 takes it, at 9-16 units.
 */
function slabbed(float32: boolean, inputs: number, units: number): boolean {
  const path = blasInfo().smallGemm;
  if (inputs > 256) return false;
  if (path.startsWith('avx2')) return float32 ? units >= 4 && units <= 32 : units >= 5 && units <= 16;
  return path.startsWith('avx512') && float32 && units >= 9 && units <= 16;
}

/** Row counts of the slabs a pass of `rows` rows is split into: at most 64 each, as even as can be. */
function slabRows(rows: number): number[] {
  const slabs = Math.ceil(rows / SLAB_ROWS);
  const base = Math.floor(rows / slabs);
  return Array.from({ length: slabs }, (_, slab) => base + (slab < rows % slabs ? 1 : 0));
}

/** The forward pass one native kernel call at a time (a slabbed layer's product one call per slab). */
function layerByLayer(backend: Backend, layout: NetworkLayout, params: Floats, X: Floats, rows: number): Floats {
  const make = (length: number) =>
    params instanceof Float32Array ? new Float32Array(length) : new Float64Array(length);
  let input = X;
  for (let i = 0; i < layout.layers; i++) {
    const inputs = layout.units[i]!;
    const units = layout.units[i + 1]!;
    const W = params.subarray(layout.weightOffsets[i]!, layout.weightOffsets[i]! + inputs * units);
    const bias = params.subarray(layout.biasOffsets[i]!, layout.biasOffsets[i]! + units);
    const z = make(rows * units);
    for (let r = 0; r < rows; r++) z.set(bias, r * units);
    if (backend.name === 'native' && rows > SLAB_ROWS && slabbed(params instanceof Float32Array, inputs, units)) {
      let start = 0;
      for (const count of slabRows(rows)) {
        const slab = (m: Floats, width: number) => m.subarray(start * width, (start + count) * width);
        backend.gemm(false, false, count, units, inputs, 1, slab(input, inputs), W, 1, slab(z, units));
        start += count;
      }
    } else {
      backend.gemm(false, false, rows, units, inputs, 1, input, W, 1, z);
    }
    const a = make(rows * units);
    backend.activationForward(layout.activations[i]!, rows, units, z, a);
    input = a;
  }
  return input;
}

function forward(backend: Backend, layout: NetworkLayout, params: Floats, X: Floats, rows: number): Floats {
  const make = (length: number) =>
    params instanceof Float32Array ? new Float32Array(length) : new Float64Array(length);
  const out = make(rows * layout.outputs);
  backend.networkForward(layout.encode(), params, make(layout.workspaceSize(rows)), rows, X, 0, rows, out);
  return out;
}

function expectSameBits(actual: Floats, expected: Floats, label: string): void {
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i]))
      throw new Error(`${label}: element ${i} is ${actual[i]}, one call at a time ${expected[i]}`);
  }
}

const HIDDEN = [Act.relu, Act.sigmoid, Act.tanh, Act.leakyRelu, Act.identity];
// [inputs, hidden, outputs]: hidden and output widths on both sides of each bound of the rules: 8/9 and
// 16/17 (the AVX-512 CPUs' float32 rule), 4/5 (float64's first), 3/4 and 32/33 (float32's on AVX2 CPUs).
const DIMS: [number, number, number][] = [
  [64, 15, 10],
  [7, 9, 16],
  [20, 16, 9],
  [5, 8, 12],
  [12, 17, 15],
  [10, 4, 33],
  [6, 5, 32],
  [9, 24, 3],
  [1, 11, 10], // one input: the float32 Relu block's k loop runs only its peeled last row (small_gemm.cc)
];
// 1-6 rows: every block height of the small kernel's forward (2, 3, 4, 9 = 5 + 4 added with float32's Relu
// in the stores, forwardReluFloat; 64 and 65 give 5- and 6-row blocks).
const ROWS = [1, 2, 3, 4, 5, 9, 15, 64, 65, 129, 200];

describe('the forward pass against its parts, one kernel call at a time', () => {
  const random = new Random(20261201);
  for (const dtype of ['float64', 'float32'] as const) {
    const convert = (values: Float64Array): Floats => (dtype === 'float32' ? Float32Array.from(values) : values);
    it(`gives the layer-by-layer kernels' bits and the js backend's values to rounding (${dtype})`, () => {
      let compared = 0;
      for (const dims of DIMS) {
        for (const hidden of HIDDEN) {
          for (const output of [Act.sigmoid, Act.relu, Act.identity, Act.softmax]) {
            const layout = new NetworkLayout(dims, [hidden, output]);
            const params = convert(randomArray(random, layout.parameterCount, 0.5));
            for (const rows of ROWS) {
              const X = convert(randomArray(random, rows * dims[0]));
              const label = `${dtype} ${dims.join('-')} activations ${hidden},${output} rows ${rows}`;
              const whole = forward(backends.native, layout, params, X, rows);
              expectSameBits(whole, layerByLayer(backends.native, layout, params, X, rows), label);
              expectClose(whole, forward(backends.js, layout, params, X, rows), dtype === 'float32' ? 1e-5 : 1e-12);
              compared++;
            }
          }
        }
      }
      expect(compared).toBe(DIMS.length * HIDDEN.length * 4 * ROWS.length);
    });

    it(`gives each row the bits it has alone where every layer is the small kernel's (${dtype})`, () => {
      let compared = 0;
      for (const dims of DIMS) {
        const everyLayer = dims.slice(1).every((units, i) => slabbed(dtype === 'float32', dims[i]!, units));
        if (!everyLayer) continue;
        const layout = new NetworkLayout(dims, [Act.relu, Act.sigmoid]);
        const params = convert(randomArray(random, layout.parameterCount, 0.5));
        for (const rows of [65, 127, 200, 1100]) {
          const X = convert(randomArray(random, rows * dims[0]));
          const whole = forward(backends.native, layout, params, X, rows);
          for (let r = 0; r < rows; r++) {
            const alone = forward(backends.native, layout, params, X.subarray(r * dims[0], (r + 1) * dims[0]), 1);
            expectSameBits(
              whole.subarray(r * dims[2], (r + 1) * dims[2]),
              alone,
              `${dtype} ${dims.join('-')} row ${r} of ${rows}`,
            );
          }
          compared++;
        }
      }
      // Where the clone is the kernel (AVX2 CPUs): 64-15-10, 7-9-16, 20-16-9, 5-8-12 and 1-11-10, and in
      // float32 also 12-17-15 and 6-5-32; on AVX-512 CPUs, float32's 64-15-10, 7-9-16, 20-16-9 and 1-11-10;
      // none where it is off.
      const path = blasInfo().smallGemm;
      const networks = path.startsWith('avx2')
        ? dtype === 'float32'
          ? 7
          : 5
        : path === 'avx512' && dtype === 'float32'
          ? 4
          : 0;
      expect(compared).toBe(networks * 4);
    });

    it(`turns a NaN z into +0 under Relu and carries it through the other activations (${dtype})`, () => {
      const dims: [number, number, number] = [6, 15, 10];
      for (const hidden of HIDDEN) {
        const layout = new NetworkLayout(dims, [hidden, Act.identity]);
        const params = convert(randomArray(random, layout.parameterCount, 0.5));
        // Hidden unit 3 gets a NaN weight, so its z is NaN in every row.
        params[1 * 15 + 3] = NaN;
        const rows = 15;
        const X = convert(randomArray(random, rows * 6));
        const whole = forward(backends.native, layout, params, X, rows);
        const parts = layerByLayer(backends.native, layout, params, X, rows);
        expectSameBits(whole, parts, `${dtype} NaN under ${hidden}`);
        const js = forward(backends.js, layout, params, X, rows);
        if (hidden === Act.relu) {
          expect(Array.from(whole).every(Number.isFinite)).toBe(true);
          expectClose(whole, js, dtype === 'float32' ? 1e-5 : 1e-12);
        } else {
          expect(Array.from(whole).some(Number.isNaN)).toBe(true);
          expect(Array.from(whole).map(Number.isNaN)).toEqual(Array.from(js).map(Number.isNaN));
        }
      }
    });
  }
});
