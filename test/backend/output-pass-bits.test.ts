/**
 * The small-network step's output pass for squared error (native/kernels/losses.h `squaredErrorOutput`,
 * issue 20): where lossValue's AVX2 clone runs, smallStep forms the minibatch's loss and the output delta in
 * one pass over the output layer instead of lossValue's pass and outputDelta's. Neither may change a bit: the
 * loss networkGradients returns must be lossValue's over the same outputs and gathered targets (its eight
 * partial sums in their order, the tail into lanes 0, 1, ...), and the js backend's where the native side
 * fuses no multiply-add (blasInfo().smallGemm === 'avx2'); the gradients must be those of outputDelta called
 * on its own, then the products one kernel at a time. Output widths and row counts that leave tails of every
 * kind (rows x outputs: 9, 30, 91, 150, 208, ...), sigmoid, identity and tanh outputs, float64 and float32,
 * NaN targets and NaN outputs. Elsewhere smallStep keeps the separate calls, and the comparisons still hold.
 */
import { ActivationCode as Act, backends, blasInfo, LossCode as Loss } from '../../lib';
import { NetworkLayout } from '../../lib/backend/layout';
import { Random } from '../../lib/random';

type Floats = Float64Array | Float32Array;
const native = backends.native;
const js = backends.js;
const MSE = Loss.meanSquaredError;

function setup(dims: number[], acts: Act[], dtype: 'float64' | 'float32', seed: number) {
  const layout = new NetworkLayout(dims, acts);
  const F = dtype === 'float32' ? Float32Array : Float64Array;
  const random = new Random(seed);
  const params = new F(Array.from({ length: layout.parameterCount }, () => random.normal() * 0.4));
  const X = new F(Array.from({ length: 40 * dims[0]! }, () => random.normal()));
  const Y = new F(
    Array.from({ length: 40 * layout.outputs }, () => (random.uniform() < 0.2 ? 1 : random.uniform() * 0.1)),
  );
  const order = Uint32Array.from({ length: 40 }, () => random.integer(40));
  return { layout, F, params, X, Y, order };
}
type Setup = ReturnType<typeof setup>;

/** The loss and gradients of one step, each kernel called on its own (outputDelta and lossValue apart). */
function byParts(s: Setup, rows: number): { value: number; jsValue: number; gradients: Floats } {
  const { layout, F, params } = s;
  const inputs = layout.units[0]!;
  const x = new F(rows * inputs);
  const y = new F(rows * layout.outputs);
  native.gatherRows(rows, inputs, s.X, s.order, 0, x);
  native.gatherRows(rows, layout.outputs, s.Y, s.order, 0, y);
  const zs: Floats[] = [];
  const as: Floats[] = [x];
  for (let i = 0; i < layout.layers; i++) {
    const units = layout.units[i + 1]!;
    const W = params.subarray(layout.weightOffsets[i]!, layout.weightOffsets[i]! + layout.units[i]! * units);
    const z = new F(rows * units);
    for (let r = 0; r < rows; r++)
      z.set(params.subarray(layout.biasOffsets[i]!, layout.biasOffsets[i]! + units), r * units);
    native.gemm(false, false, rows, units, layout.units[i]!, 1, as[i]!, W, 1, z);
    const a = new F(rows * units);
    native.activationForward(layout.activations[i]!, rows, units, z, a);
    zs.push(z);
    as.push(a);
  }
  const last = layout.layers - 1;
  const outputAct = layout.activations[last]!;
  const value = native.lossValue(MSE, outputAct, rows, layout.outputs, zs[last]!, as[last + 1]!, y);
  const jsValue = js.lossValue(MSE, outputAct, rows, layout.outputs, zs[last]!, as[last + 1]!, y);
  let delta = new F(rows * layout.outputs);
  native.outputDelta(MSE, outputAct, rows, layout.outputs, zs[last]!, as[last + 1]!, y, delta);
  const gradients = new F(layout.parameterCount);
  for (let i = last; i >= 0; i--) {
    const inUnits = layout.units[i]!;
    const units = layout.units[i + 1]!;
    const dW = gradients.subarray(layout.weightOffsets[i]!, layout.weightOffsets[i]! + inUnits * units);
    native.gemm(true, false, inUnits, units, rows, 1, as[i]!, delta, 0, dW);
    native.columnSums(rows, units, delta, gradients.subarray(layout.biasOffsets[i]!, layout.biasOffsets[i]! + units));
    if (i > 0) {
      const W = params.subarray(layout.weightOffsets[i]!, layout.weightOffsets[i]! + inUnits * units);
      const g = new F(rows * inUnits);
      native.gemm(false, true, rows, inUnits, units, 1, delta, W, 0, g);
      const below = new F(rows * inUnits);
      native.activationBackward(layout.activations[i - 1]!, rows, inUnits, zs[i - 1]!, as[i]!, g, below);
      delta = below;
    }
  }
  return { value, jsValue, gradients };
}

function step(s: Setup, rows: number): { value: number; gradients: Floats } {
  const gradients = new s.F(s.layout.parameterCount);
  const value = native.networkGradients(
    s.layout.encode(),
    s.params.slice(),
    gradients,
    new s.F(s.layout.workspaceSize(16)),
    16,
    MSE,
    s.X,
    s.Y,
    s.order,
    0,
    rows,
    0,
  );
  return { value, gradients };
}

function expectSame(s: Setup, rows: number, label: string): number {
  const actual = step(s, rows);
  const expected = byParts(s, rows);
  if (!Object.is(actual.value, expected.value))
    throw new Error(`${label}: loss ${actual.value}, lossValue ${expected.value}`);
  // The AVX2 clones fuse no multiply-add, and the js backend sums in the same order (loss-bits.test.ts).
  if (blasInfo().smallGemm === 'avx2' && !Object.is(actual.value, expected.jsValue))
    throw new Error(`${label}: loss ${actual.value}, js ${expected.jsValue}`);
  for (let i = 0; i < expected.gradients.length; i++) {
    if (!Object.is(actual.gradients[i], expected.gradients[i]))
      throw new Error(`${label}: gradient ${i} is ${actual.gradients[i]}, expected ${expected.gradients[i]}`);
  }
  return actual.value;
}

const SHAPES = [
  { dims: [20, 12, 9], acts: [Act.relu, Act.sigmoid] },
  { dims: [64, 15, 10], acts: [Act.relu, Act.sigmoid] },
  { dims: [30, 16, 13], acts: [Act.tanh, Act.identity] },
  { dims: [17, 11, 16], acts: [Act.relu, Act.tanh] },
  { dims: [40, 14], acts: [Act.sigmoid] },
];
const ROWS = [1, 3, 5, 7, 12, 15, 16];

describe.each(['float64', 'float32'] as const)('the squared-error output pass, %s', (dtype) => {
  it.each(SHAPES)('gives lossValue and outputDelta apart, bit for bit: $dims', ({ dims, acts }) => {
    for (const rows of ROWS) expectSame(setup(dims, acts, dtype, 3 + rows), rows, `${rows} rows`);
  });

  it.each(SHAPES)('gives them with NaN targets, in a group of eight and in the tail: $dims', ({ dims, acts }) => {
    for (const rows of [5, 15]) {
      const s = setup(dims, acts, dtype, 11);
      const outputs = s.layout.outputs;
      const count = rows * outputs;
      // Targets of the batch's first row and of its last element (in the tail where count % 8 > 0).
      s.Y[s.order[0]! * outputs + 1] = NaN;
      s.Y[s.order[rows - 1]! * outputs + outputs - 1] = NaN;
      expect(Number.isNaN(expectSame(s, rows, `${rows} rows (${count} values), NaN targets`))).toBe(true);
    }
  });

  it('gives them with a NaN output (a NaN output bias), and with infinite targets', () => {
    const { dims, acts } = SHAPES[1]!;
    const s = setup(dims, acts, dtype, 5);
    s.params[s.layout.biasOffsets[1]! + 7] = NaN;
    expect(Number.isNaN(expectSame(s, 15, 'NaN output'))).toBe(true);
    const t = setup(dims, acts, dtype, 6);
    t.Y[t.order[2]! * 10 + 3] = Infinity;
    expect(expectSame(t, 13, 'infinite target')).toBe(Infinity);
  });
});
