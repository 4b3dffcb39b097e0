/**
 * networkSteps with a second parameter buffer (native/kernels/network.h, networkSteps' `spare`: the room a
 * workspace holds beyond its regions). Each small step but a call's last then writes its SGD update, and
 * checks it, in the weight-gradient product's stores, into the other buffer instead of the gradients, and
 * the parameters come back to the caller's vector at the end of the call. None of that may change a bit,
 * a refusal or the gradients left behind, so every case is compared with the paths that update in passes
 * of their own: networkGradients one batch at a time (the update as sgdApply's pass) and networkSteps
 * without the room (and, where it applies, the lean path, layer_steps.h):
 *   - one to four batches a call (zero to three updates in the stores: the parameters end in the spare or
 *     in the caller's vector), the last batch's gradients left in `gradients`;
 *   - one epoch split into calls at different points;
 *   - a parameter above max / 4 (the small step's bound fails, the update is still finite);
 *   - updates beyond the bound's gradient limit in a later batch than the first, so that the buffer they
 *     start from is the spare: a finite one written, after which the next batch's step carries on from it;
 *     an overflowing one refused, every parameter left as the batch before left it, Infinity reported and
 *     that batch's gradients left behind;
 *   - a refusal in the first batch, everything untouched.
 * On a CPU where the small kernel does not run, or where sgdApply's AVX-512 clone runs (which fuses its
 * multiply-add, so the spare is left unused), both sides take the same path and the comparisons hold.
 */
import { ActivationCode as Act, backends, LossCode as Loss } from '../../lib';
import { NetworkLayout } from '../../lib/backend/layout';
import { Random } from '../../lib/random';
import { describeBackends } from '../helpers/backends';
import { SMALL_STEP_NETWORKS } from '../helpers/small-step-networks';
import { sameBits } from '../helpers/training';

type Floats = Float64Array | Float32Array;
type Dtype = 'float64' | 'float32';
const native = backends.native;
const BATCH = 15;
const DATA_ROWS = 60;

const NETWORKS = SMALL_STEP_NETWORKS;

function setup(dims: number[], acts: Act[], dtype: Dtype, seed = 11) {
  const layout = new NetworkLayout(dims, acts);
  const F = dtype === 'float32' ? Float32Array : Float64Array;
  const random = new Random(seed);
  const filled = (length: number, value: () => number): Floats => {
    const array = new F(length);
    for (let i = 0; i < length; i++) array[i] = value();
    return array;
  };
  const params = filled(layout.parameterCount, () => random.normal() * 0.3);
  const X = filled(DATA_ROWS * dims[0]!, () => random.normal());
  const Y = new F(DATA_ROWS * layout.outputs);
  for (let i = 0; i < DATA_ROWS; i++) Y[i * layout.outputs + random.integer(layout.outputs)] = 1;
  const order = Uint32Array.from({ length: DATA_ROWS }, () => random.integer(DATA_ROWS));
  return { layout, F, params, X, Y, order };
}

type Setup = ReturnType<typeof setup>;
type Path = 'spare' | 'plain' | 'lean';

/** networkSteps over rows [offset, offset + rows) of s.order; `spare` gives the workspace its room. */
function steps(s: Setup, loss: Loss, path: Path, learningRate: number, offset: number, rows: number) {
  const { layout, F } = s;
  const losses = new Float64Array(Math.ceil(rows / BATCH)).fill(-1);
  const gradients = new F(path === 'lean' ? layout.largestLayerSize : layout.parameterCount);
  const ran = native.networkSteps(
    layout.encode(),
    s.params,
    gradients,
    new F(layout.workspaceSize(BATCH) + (path === 'spare' ? layout.parameterCount : 0)),
    BATCH,
    loss,
    s.X,
    s.Y,
    s.order,
    offset,
    BATCH,
    rows,
    learningRate,
    losses,
  );
  return { ran, losses: Array.from(losses), gradients };
}

/** The same batches one networkGradients call at a time (its update sgdApply's pass), stopping as networkSteps. */
function oneAtATime(s: Setup, loss: Loss, learningRate: number, offset: number, rows: number) {
  const { layout, F } = s;
  const gradients = new F(layout.parameterCount);
  const workspace = new F(layout.workspaceSize(BATCH));
  const losses: number[] = [];
  for (let start = 0; start < rows; start += BATCH) {
    const value = native.networkGradients(
      layout.encode(),
      s.params,
      gradients,
      workspace,
      BATCH,
      loss,
      s.X,
      s.Y,
      s.order,
      offset + start,
      Math.min(BATCH, rows - start),
      learningRate,
    );
    losses.push(value);
    if (!Number.isFinite(value)) break;
  }
  return { ran: losses.length, losses, gradients };
}

function expectSameBits(actual: Floats, expected: Floats, label: string): void {
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i]))
      throw new Error(`${label}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

const rate = (dtype: Dtype, value: number) => (dtype === 'float32' ? Math.fround(value) : value);

describe.each(['float64', 'float32'] as const)('networkSteps with a spare parameter buffer, %s', (dtype) => {
  it.each(NETWORKS)(
    'gives the separate update pass its bits and gradients, 1 to 4 batches a call: $name',
    ({ dims, acts, loss }) => {
      for (const rows of [BATCH, 2 * BATCH, 3 * BATCH, 50]) {
        const fused = setup(dims, acts, dtype);
        const single = setup(dims, acts, dtype);
        const plain = setup(dims, acts, dtype);
        const a = steps(fused, loss, 'spare', 0.1, 0, rows);
        const b = oneAtATime(single, loss, 0.1, 0, rows);
        const c = steps(plain, loss, 'plain', 0.1, 0, rows);
        expect(a.ran).toBe(Math.ceil(rows / BATCH));
        expect(a.losses.every(Number.isFinite)).toBe(true);
        expect(a.losses).toEqual(b.losses);
        expect(a.losses).toEqual(c.losses);
        expectSameBits(fused.params, single.params, `${rows} rows against one call a batch`);
        expectSameBits(fused.params, plain.params, `${rows} rows against no spare`);
        expectSameBits(a.gradients, b.gradients, `${rows} rows: the last batch's gradients`);
        expect(sameBits(fused.params, setup(dims, acts, dtype).params)).toBe(false);
      }
    },
  );

  it('gives the same bits however an epoch is split into calls', () => {
    const { dims, acts, loss } = NETWORKS[0]!;
    const whole = setup(dims, acts, dtype);
    steps(whole, loss, 'plain', 0.1, 0, DATA_ROWS);
    for (const split of [[4], [1, 3], [2, 2], [3, 1], [1, 2, 1], [1, 1, 1, 1]]) {
      const s = setup(dims, acts, dtype);
      let batch = 0;
      for (const count of split) {
        expect(steps(s, loss, 'spare', 0.1, batch * BATCH, count * BATCH).ran).toBe(count);
        batch += count;
      }
      expectSameBits(s.params, whole.params, `calls of ${split.join(' + ')} batches`);
    }
  });

  it.each(NETWORKS)('updates a parameter above max / 4 as the passes do: $name', (network) => {
    const { dims, acts, loss } = network;
    const make = () => {
      const s = setup(dims, acts, dtype);
      // An output bias near the largest value: a sigmoid or softmax saturates on it and its update stays
      // finite; an identity output's loss overflows (the first batch's, stopping the call either way).
      s.params[s.layout.biasOffsets[s.layout.layers - 1]!] = dtype === 'float32' ? 3e38 : 1.7e308;
      return s;
    };
    const fused = make();
    const single = make();
    const lean = make();
    const a = steps(fused, loss, 'spare', 0.1, 0, DATA_ROWS);
    const b = oneAtATime(single, loss, 0.1, 0, DATA_ROWS);
    const c = steps(lean, loss, 'lean', 0.1, 0, DATA_ROWS);
    expect(a.ran).toBe(b.ran);
    expect(a.losses.slice(0, a.ran)).toEqual(b.losses);
    expect(a.losses).toEqual(c.losses);
    expectSameBits(fused.params, single.params, 'against one call a batch');
    expectSameBits(fused.params, lean.params, 'against the lean path');
  });

  /**
   * 64-16 identity, MSE, rows in order. Input 0's weights are 0 and batch 0's rows have input 0 at 0, so
   * batch 0's update is an ordinary one (within the bound: in the stores, into the spare) and leaves those
   * weights 0; batch 1's rows have input 0 at `scale`, which then reaches only input 0's weight gradient,
   * linearly: a rate that makes that gradient's update `factor` x max / 4 is beyond the bound, finite at 2,
   * overflowing at 20. Batches 2 and 3 are ordinary again.
   */
  function beyondTheBound(factor: number) {
    const { dims, acts, loss } = NETWORKS[3]!;
    const learningRate = rate(dtype, 1e3);
    const make = (scale: number) => {
      const s = setup(dims, acts, dtype);
      s.order.forEach((_, i) => (s.order[i] = i));
      for (let j = 0; j < 16; j++) s.params[j] = 0; // W_0's row for input 0
      for (let r = 0; r < DATA_ROWS; r++) s.X[r * 64] = r >= BATCH && r < 2 * BATCH ? scale : 0;
      return s;
    };
    // Batch 1's input-0 gradient per unit of input 0, at the parameters batch 0 leaves.
    const probe = make(1);
    oneAtATime(probe, loss, learningRate, 0, BATCH);
    const gradients = new probe.F(probe.layout.parameterCount);
    native.networkGradients(
      probe.layout.encode(),
      probe.params,
      gradients,
      new probe.F(probe.layout.workspaceSize(BATCH)),
      BATCH,
      loss,
      probe.X,
      probe.Y,
      probe.order,
      BATCH,
      BATCH,
      0,
    );
    let largest = 0;
    for (let j = 0; j < 16; j++) largest = Math.max(largest, Math.abs(gradients[j]!));
    const max = dtype === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
    const scale = rate(dtype, factor * (max / 4 / learningRate / largest));
    expect(Number.isFinite(scale)).toBe(true);
    const fused = make(scale);
    const single = make(scale);
    const plain = make(scale);
    const before = make(scale);
    oneAtATime(before, loss, learningRate, 0, BATCH); // what batch 0 alone leaves
    const a = steps(fused, loss, 'spare', learningRate, 0, DATA_ROWS);
    const b = oneAtATime(single, loss, learningRate, 0, DATA_ROWS);
    const c = steps(plain, loss, 'plain', learningRate, 0, DATA_ROWS);
    expect(a.ran).toBe(b.ran);
    expect(a.losses.slice(0, a.ran)).toEqual(b.losses);
    expect(a.losses).toEqual(c.losses);
    expectSameBits(fused.params, single.params, 'against one call a batch');
    expectSameBits(fused.params, plain.params, 'against no spare');
    expectSameBits(a.gradients, b.gradients, "the last batch's gradients");
    return { a, fused, before, make, loss, learningRate, scale };
  }

  it('writes a finite update beyond the bound in a later batch, and carries on from it', () => {
    const { a, fused, before } = beyondTheBound(2);
    expect(a.ran).toBe(4);
    expect(a.losses.every(Number.isFinite)).toBe(true);
    expect(fused.params.every(Number.isFinite)).toBe(true);
    expect(sameBits(fused.params, before.params)).toBe(false);
  });

  it('refuses an overflowing update in a later batch: the parameters batch 0 left, Infinity, the next call from there', () => {
    const { a, fused, before, make, loss, learningRate, scale } = beyondTheBound(20);
    expect(a.ran).toBe(2);
    expect(Number.isFinite(a.losses[0]!)).toBe(true);
    expect(a.losses[1]).toBe(Infinity);
    expect(a.losses.slice(2)).toEqual([-1, -1]);
    expectSameBits(fused.params, before.params, 'after the refusal');
    expect(sameBits(fused.params, make(scale).params)).toBe(false);
    // The next call, from batch 2, starts from those parameters as the separate passes do.
    const single = make(scale);
    single.params.set(fused.params);
    const next = steps(fused, loss, 'spare', learningRate, 2 * BATCH, 2 * BATCH);
    const reference = oneAtATime(single, loss, learningRate, 2 * BATCH, 2 * BATCH);
    expect(next.losses).toEqual(reference.losses);
    expectSameBits(fused.params, single.params, 'the next call');
  });

  it('refuses an overflowing first update with everything untouched', () => {
    // Targets of 1e3 give a finite loss and large gradients; a rate of the largest value overflows them.
    const { dims, acts, loss } = NETWORKS[3]!;
    const s = setup(dims, acts, dtype);
    s.Y.fill(1e3);
    const before = s.params.slice();
    const max = dtype === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
    const r = steps(s, loss, 'spare', max, 0, DATA_ROWS);
    expect(r.ran).toBe(1);
    expect(r.losses[0]).toBe(Infinity);
    expectSameBits(s.params, before, 'after the refusal');
  });
});

describeBackends('networkSteps, a workspace with room for a spare parameter vector', (b) => {
  const layout = new NetworkLayout([6, 5, 3], [Act.tanh, Act.softmax]);
  const need = layout.workspaceSize(4);

  it('counts that room in the overlap checks (losses inside it are refused, nothing touched)', () => {
    const random = new Random(3);
    const params = Float64Array.from({ length: layout.parameterCount }, () => random.normal());
    const X = Float64Array.from({ length: 8 * 6 }, () => random.normal());
    const Y = new Float64Array(8 * 3).fill(1 / 3);
    const buffer = new Float64Array(need + layout.parameterCount);
    const losses = buffer.subarray(need + 1, need + 3); // in the room, past the workspace's regions
    const before = params.slice();
    const call = (workspace: Float64Array) =>
      b.networkSteps(
        layout.encode(),
        params,
        new Float64Array(layout.parameterCount),
        workspace,
        4,
        Loss.crossEntropy,
        X,
        Y,
        Uint32Array.from({ length: 8 }, (_, i) => i),
        0,
        4,
        8,
        0.1,
        losses,
      );
    expect(() => call(buffer)).toThrow(/losses.*workspace|workspace.*losses/);
    expect(sameBits(params, before)).toBe(true);
    // Without the room (one element short of it) the same losses lie past the workspace: accepted.
    expect(call(buffer.subarray(0, need + layout.parameterCount - 1))).toBe(2);
  });
});
