/**
 * The small-network step's bits (native/kernels/network.h `smallStep`, issue 20): where every product of a
 * training step is the small kernel's, networkGradients reads the minibatch's inputs in place instead of
 * gathering them, forms each bias gradient as one more row of the weight-gradient product, and checks the
 * SGD update through a bound read in that product's stores. None of that may change a bit:
 *   - the gradient vector must be exactly what the kernels give one call at a time (gather, bias broadcast +
 *     gemm + activation, outputDelta (squared error's as its scaling and the activation's backward, which
 *     outputDelta fuses for a sigmoid output), gemm A^T B + columnSums, gemm A B^T + activationBackward);
 *   - the parameters after networkSteps must be exactly the lean path's (layer_steps.h, which still checks
 *     and writes in passes of their own), batch by batch, with the same losses and the same refusals;
 *   - a hidden Relu's activation, applied in the first layer's product's stores, is Relu's (+0 for NaN);
 *   - where the bound fails (a parameter beyond max / 4, an update of more than max / 4) the exact check
 *     decides: a finite update is still written, an overflowing one refused with the parameters untouched.
 * Shapes inside the small kernel's rule (5-16 units in float64, 4-32 in float32, up to 64 inputs), float64
 * and float32. On a CPU where
 * the small kernel does not run (or with BLASNET_SMALL_GEMM=0) both sides take the general path and the
 * comparisons still hold.
 */
import { ActivationCode as Act, backends, LossCode as Loss } from '../../lib';
import { NetworkLayout } from '../../lib/backend/layout';
import { Random } from '../../lib/random';
import { SMALL_STEP_NETWORKS } from '../helpers/small-step-networks';
import { sameBits } from '../helpers/training';

type Floats = Float64Array | Float32Array;
const native = backends.native;
const CAPACITY = 15;
const ROWS = 50; // batches of 15, 15, 15 and 5

const NETWORKS = SMALL_STEP_NETWORKS;

function setup(dims: number[], acts: Act[], dtype: 'float64' | 'float32', seed = 7) {
  const layout = new NetworkLayout(dims, acts);
  const F = dtype === 'float32' ? Float32Array : Float64Array;
  const random = new Random(seed);
  const inputs = dims[0]!;
  const outputs = layout.outputs;
  const filled = (length: number, value: () => number): Floats => {
    const array = new F(length);
    for (let i = 0; i < length; i++) array[i] = value();
    return array;
  };
  const params = filled(layout.parameterCount, () => random.normal() * 0.3);
  const X = filled(60 * inputs, () => random.normal());
  const Y = new F(60 * outputs);
  for (let i = 0; i < 60; i++) Y[i * outputs + random.integer(outputs)] = 1;
  const order = Uint32Array.from({ length: 60 }, () => random.integer(60));
  return { layout, F, params, X, Y, order };
}

type Setup = ReturnType<typeof setup>;

/** networkGradients' gradient vector, one native kernel call at a time. */
function gradientsByParts(s: Setup, loss: Loss, rows: number): Floats {
  const { layout, F, params } = s;
  const make = (length: number) => new F(length);
  const inputs = layout.units[0]!;
  const x = make(rows * inputs);
  const y = make(rows * layout.outputs);
  native.gatherRows(rows, inputs, s.X, s.order, 0, x);
  native.gatherRows(rows, layout.outputs, s.Y, s.order, 0, y);
  const zs: Floats[] = [];
  const as: Floats[] = [x];
  for (let i = 0; i < layout.layers; i++) {
    const units = layout.units[i + 1]!;
    const W = params.subarray(layout.weightOffsets[i]!, layout.weightOffsets[i]! + layout.units[i]! * units);
    const z = make(rows * units);
    for (let r = 0; r < rows; r++)
      z.set(params.subarray(layout.biasOffsets[i]!, layout.biasOffsets[i]! + units), r * units);
    native.gemm(false, false, rows, units, layout.units[i]!, 1, as[i]!, W, 1, z);
    const a = make(rows * units);
    native.activationForward(layout.activations[i]!, rows, units, z, a);
    zs.push(z);
    as.push(a);
  }
  const last = layout.layers - 1;
  const gradients = make(layout.parameterCount);
  let delta = make(rows * layout.outputs);
  if (loss === Loss.meanSquaredError) {
    // Squared error's delta in its two parts (outputDelta fuses them for a sigmoid output): 2 (a - y) / count,
    // as outputDelta gives it for an identity output, then the output activation's backward.
    native.outputDelta(loss, Act.identity, rows, layout.outputs, zs[last]!, as[last + 1]!, y, delta);
    native.activationBackward(layout.activations[last]!, rows, layout.outputs, zs[last]!, as[last + 1]!, delta, delta);
  } else {
    native.outputDelta(loss, layout.activations[last]!, rows, layout.outputs, zs[last]!, as[last + 1]!, y, delta);
  }
  for (let i = last; i >= 0; i--) {
    const inUnits = layout.units[i]!;
    const units = layout.units[i + 1]!;
    const dW = gradients.subarray(layout.weightOffsets[i]!, layout.weightOffsets[i]! + inUnits * units);
    native.gemm(true, false, inUnits, units, rows, 1, as[i]!, delta, 0, dW);
    native.columnSums(rows, units, delta, gradients.subarray(layout.biasOffsets[i]!, layout.biasOffsets[i]! + units));
    if (i > 0) {
      const W = params.subarray(layout.weightOffsets[i]!, layout.weightOffsets[i]! + inUnits * units);
      const g = make(rows * inUnits);
      native.gemm(false, true, rows, inUnits, units, 1, delta, W, 0, g);
      const below = make(rows * inUnits);
      native.activationBackward(layout.activations[i - 1]!, rows, inUnits, zs[i - 1]!, as[i]!, g, below);
      delta = below;
    }
  }
  return gradients;
}

function steps(s: Setup, loss: Loss, lean: boolean, learningRate: number, rows = ROWS) {
  const { layout, F } = s;
  const losses = new Float64Array(Math.ceil(rows / CAPACITY)).fill(-1);
  const ran = native.networkSteps(
    layout.encode(),
    s.params,
    new F(lean ? layout.largestLayerSize : layout.parameterCount),
    new F(layout.workspaceSize(CAPACITY)),
    CAPACITY,
    loss,
    s.X,
    s.Y,
    s.order,
    0,
    CAPACITY,
    rows,
    learningRate,
    losses,
  );
  return { ran, losses: Array.from(losses) };
}

function expectSameBits(actual: Floats, expected: Floats, label: string): void {
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i]))
      throw new Error(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

describe.each(['float64', 'float32'] as const)('the small-network step, %s', (dtype) => {
  it.each(NETWORKS)('gives the gradients of its parts, bit for bit: $name', ({ dims, acts, loss }) => {
    for (const rows of [15, 12, 5]) {
      const s = setup(dims, acts, dtype);
      const gradients = new s.F(s.layout.parameterCount);
      native.networkGradients(
        s.layout.encode(),
        s.params,
        gradients,
        new s.F(s.layout.workspaceSize(CAPACITY)),
        CAPACITY,
        loss,
        s.X,
        s.Y,
        s.order,
        0,
        rows,
        0,
      );
      expectSameBits(gradients, gradientsByParts(s, loss, rows), `${rows} rows`);
    }
  });

  it('gives the gradients of its parts with a NaN weight under a Relu (Relu of NaN is +0, in the stores too)', () => {
    const { dims, acts, loss } = NETWORKS[0]!;
    const s = setup(dims, acts, dtype);
    s.params[3 * 15 + 4] = NaN; // W_0[3][4]: unit 4's z is NaN on every row, its activation must be +0
    const gradients = new s.F(s.layout.parameterCount);
    const value = native.networkGradients(
      s.layout.encode(),
      s.params,
      gradients,
      new s.F(s.layout.workspaceSize(CAPACITY)),
      CAPACITY,
      loss,
      s.X,
      s.Y,
      s.order,
      0,
      CAPACITY,
      0,
    );
    expect(Number.isFinite(value)).toBe(true);
    expectSameBits(gradients, gradientsByParts(s, loss, CAPACITY), 'NaN weight');
  });

  it.each(NETWORKS)('leaves the lean path bits after four batches: $name', ({ dims, acts, loss }) => {
    const full = setup(dims, acts, dtype);
    const lean = setup(dims, acts, dtype);
    const a = steps(full, loss, false, 0.1);
    const c = steps(lean, loss, true, 0.1);
    expect(a.ran).toBe(4);
    expect(a.losses).toEqual(c.losses);
    expect(sameBits(full.params, lean.params)).toBe(true);
    expect(sameBits(full.params, setup(dims, acts, dtype).params)).toBe(false);
  });

  it('writes a finite update beyond the bound: an output bias above max / 4 (the exact check decides)', () => {
    const { dims, acts, loss } = NETWORKS[0]!;
    const huge = dtype === 'float32' ? 3e38 : 1.7e308;
    const full = setup(dims, acts, dtype);
    const lean = setup(dims, acts, dtype);
    const bias = full.layout.biasOffsets[1]!;
    full.params[bias] = huge; // sigmoid(huge) is exactly 1, its delta 0: the update stays finite
    lean.params[bias] = huge;
    const before = full.params.slice();
    const a = steps(full, loss, false, 0.1);
    const c = steps(lean, loss, true, 0.1);
    expect(a.ran).toBe(4);
    expect(a.losses.every(Number.isFinite)).toBe(true);
    expect(a.losses).toEqual(c.losses);
    expect(sameBits(full.params, lean.params)).toBe(true);
    expect(sameBits(full.params, before)).toBe(false);
  });

  it.each([
    ['an update beyond max / 4 that stays finite', 2],
    ['an update that overflows', 20],
  ])('decides as the exact check does: %s', (_, scale) => {
    // A learning rate of `scale` x max / (4 max|gradient|), past the bound's gradient limit either way: at 2
    // every p - rate g is finite and must be written, at 20 some overflow and the update must be refused.
    // Targets of 1e3 and inputs of some hundreds make gradients large enough for such a rate to be finite.
    const { dims, acts, loss } = NETWORKS[3]!;
    const make = () => {
      const s = setup(dims, acts, dtype);
      s.Y.fill(1e3);
      for (let i = 0; i < s.X.length; i++) s.X[i] = s.X[i]! * 100;
      return s;
    };
    const probe = make();
    const gradients = new probe.F(probe.layout.parameterCount);
    native.networkGradients(
      probe.layout.encode(),
      probe.params,
      gradients,
      new probe.F(probe.layout.workspaceSize(CAPACITY)),
      CAPACITY,
      loss,
      probe.X,
      probe.Y,
      probe.order,
      0,
      CAPACITY,
      0,
    );
    let largest = 0;
    for (const g of gradients) largest = Math.max(largest, Math.abs(g));
    const max = dtype === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
    const rate = (max / largest) * (scale / 4);
    expect(rate).toBeLessThan(max);
    const full = make();
    const lean = make();
    const before = full.params.slice();
    const a = steps(full, loss, false, dtype === 'float32' ? Math.fround(rate) : rate, CAPACITY);
    const c = steps(lean, loss, true, dtype === 'float32' ? Math.fround(rate) : rate, CAPACITY);
    expect(a.losses).toEqual(c.losses);
    expect(sameBits(full.params, lean.params)).toBe(true);
    if (scale < 4) {
      expect(Number.isFinite(a.losses[0]!)).toBe(true);
      expect(sameBits(full.params, before)).toBe(false);
      expect(full.params.every(Number.isFinite)).toBe(true);
    } else {
      expect(a.losses[0]).toBe(Infinity);
      expect(sameBits(full.params, before)).toBe(true);
    }
  });

  it('refuses an update whose gradient is not finite, parameters untouched', () => {
    // Targets of 1e3 give a finite loss and gradients of some hundreds; a rate of the largest value makes
    // every p - rate g overflow.
    const { dims, acts, loss } = NETWORKS[3]!;
    const s = setup(dims, acts, dtype);
    s.Y.fill(1e3);
    const before = s.params.slice();
    const max = dtype === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
    const r = steps(s, loss, false, max, CAPACITY);
    expect(r.losses[0]).toBe(Infinity);
    expect(sameBits(s.params, before)).toBe(true);
  });
});
