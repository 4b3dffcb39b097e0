/**
 * The forward pass's bits, pinned to its parts: networkForward (one native call for every layer) must give
 * exactly what broadcasting each bias into z, the native gemm with beta = 1 and the native activation,
 * called one at a time, give; and the js backend's values to rounding. This is the promise any fusion of
 * the bias or the activation into the small kernel's stores has to keep (one was tried and measured
 * slower, bench/README.md "What we tried" 20). Shapes on both sides of the small kernel's rule (columns
 * 8/9 and 16/17, rows 64/65), every hidden activation, float64 and float32, and a NaN weight that makes
 * some z NaN, where Relu must give +0.
 */
import { ActivationCode as Act, backends, type Backend } from '../../lib';
import { NetworkLayout } from '../../lib/backend/layout';
import { Random } from '../../lib/random';
import { expectClose, randomArray } from '../helpers/numbers';

type Floats = Float64Array | Float32Array;

/** The forward pass one native kernel call at a time. */
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
    backend.gemm(false, false, rows, units, inputs, 1, input, W, 1, z);
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
// [inputs, hidden, outputs]: hidden and output widths inside (9-16) and just outside (8, 17) the rule.
const DIMS: [number, number, number][] = [
  [64, 15, 10],
  [7, 9, 16],
  [20, 16, 9],
  [5, 8, 12],
  [12, 17, 15],
];
const ROWS = [1, 5, 15, 64, 65];

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
