/**
 * networkSteps' lean path (native/kernels/layer_steps.h): given a scratch of the largest layer's size
 * instead of a gradient vector, it must leave exactly the parameters the gradient vector's path leaves
 * (that path is the reference: the update checked as a whole before anything is written), refuse exactly
 * the same updates with the parameters untouched, and take its exact path (check, then redo) where its
 * bound on the update cannot show every result finite.
 */
import { ActivationCode as Act, LossCode as Loss } from '../../lib';
import { NetworkLayout } from '../../lib/backend/layout';
import { Random } from '../../lib/random';
import { describeBackends } from '../helpers/backends';
import { expectClose } from '../helpers/numbers';
import { sameBits } from '../helpers/training';

type Floats = Float64Array | Float32Array;
const CAPACITY = 16;
const ROWS = 50; // batches of 16, 16, 16 and 2

const NETWORKS = [
  {
    name: '30-40-20-7 relu/relu/sigmoid, MSE',
    layout: new NetworkLayout([30, 40, 20, 7], [Act.relu, Act.relu, Act.sigmoid]),
    loss: Loss.meanSquaredError,
  },
  {
    name: '6-5-3 tanh/softmax, cross-entropy',
    layout: new NetworkLayout([6, 5, 3], [Act.tanh, Act.softmax]),
    loss: Loss.crossEntropy,
  },
  {
    name: '9-70-12-4 leaky/tanh/identity, MSE',
    layout: new NetworkLayout([9, 70, 12, 4], [Act.leakyRelu, Act.tanh, Act.identity]),
    loss: Loss.meanSquaredError,
  },
  {
    name: '20-24-16-12-5 relu/relu/tanh/sigmoid, MSE',
    layout: new NetworkLayout([20, 24, 16, 12, 5], [Act.relu, Act.relu, Act.tanh, Act.sigmoid]),
    loss: Loss.meanSquaredError,
  },
  {
    // Layer 1's gradient and mask end 12 elements before the workspace does.
    name: '8-30-20-3 relu/relu/softmax, cross-entropy',
    layout: new NetworkLayout([8, 30, 20, 3], [Act.relu, Act.relu, Act.softmax]),
    loss: Loss.crossEntropy,
  },
  {
    name: '12-10 one sigmoid layer, MSE',
    layout: new NetworkLayout([12, 10], [Act.sigmoid]),
    loss: Loss.meanSquaredError,
  },
];

function setup(layout: NetworkLayout, dtype: 'float64' | 'float32', seed = 5) {
  const F = dtype === 'float32' ? Float32Array : Float64Array;
  const random = new Random(seed);
  const inputs = layout.units[0]!;
  const outputs = layout.outputs;
  const filled = (length: number, value: () => number) => {
    const array = new F(length);
    for (let i = 0; i < length; i++) array[i] = value();
    return array;
  };
  const params = filled(layout.parameterCount, () => random.normal() * 0.3);
  const X = filled(60 * inputs, () => random.normal());
  const Y = new F(60 * outputs);
  for (let i = 0; i < 60; i++) Y[i * outputs + random.integer(outputs)] = 1;
  const order = Uint32Array.from({ length: 60 }, () => random.integer(60));
  return { F, params, X, Y, order };
}

/**
 * Where the inputs-ahead arrangement's writes end in the workspace at CAPACITY rows (layer_steps.h,
 * inputsAheadFit), worked out here by hand from the layout's regions: a_1 .. a_{L-1}, z_L and a_L, the
 * delta scratch (the widest hidden layer), the inputs, the targets. Layer i >= 2's gradient from the
 * inputs region on, layer 1's after a_1 and its mask after it (counted at a quarter element a unit),
 * layer 0's after a_0; undefined where the arrangement does not apply (or does not fit).
 */
function inputsAheadEnd(layout: NetworkLayout): number | undefined {
  const u = layout.units;
  if (u.length < 4 || layout.activations[0] !== Act.relu) return undefined;
  const sizes = u.slice(1).map((d, i) => u[i]! * d + d);
  const hidden = u.slice(1, -1);
  const inputsAt = CAPACITY * (hidden.reduce((x, d) => x + d, 0) + 2 * layout.outputs + Math.max(...hidden));
  const end = inputsAt + CAPACITY * (u[0]! + layout.outputs);
  const ends = [
    ...sizes.slice(2).map((size) => inputsAt + size),
    CAPACITY * (u[1]! + u[2]!) + sizes[1]! + Math.ceil((CAPACITY * u[1]!) / 4),
    CAPACITY * u[1]! + sizes[0]!,
  ];
  return Math.max(...ends) <= end ? Math.max(...ends) : undefined;
}

/**
 * A lean scratch of leanScratchSize's length right before a workspace, in one buffer. Its size is checked
 * here by hand: the layers above the first, or the first's beyond the dead workspace (every a_i, z_L and
 * a_L at CAPACITY rows); or, where the inputs-ahead arrangement fits and that is less, the minibatch's
 * inputs.
 */
function adjacent(layout: NetworkLayout, F: Float64ArrayConstructor | Float32ArrayConstructor) {
  const u = layout.units;
  const sizes = u.slice(1).map((d, i) => u[i]! * d + d);
  const dead = CAPACITY * (u.slice(1, -1).reduce((x, d) => x + d, 0) + 2 * layout.outputs);
  const behind = Math.max(sizes[0]! - dead, ...sizes.slice(1));
  const ahead = CAPACITY * u[0]!;
  const least = inputsAheadEnd(layout) !== undefined && ahead < behind ? ahead : behind;
  expect(layout.leanScratchSize(CAPACITY, true)).toBe(least);
  const whole = new F(least + layout.workspaceSize(CAPACITY));
  return { scratch: whole.subarray(0, least), workspace: whole.subarray(least) };
}

describeBackends('networkSteps with a layer scratch', (b) => {
  function steps(
    layout: NetworkLayout,
    loss: Loss,
    s: ReturnType<typeof setup>,
    gradients: Floats,
    learningRate: number,
    rows = ROWS,
    workspace?: Floats,
  ) {
    const losses = new Float64Array(Math.ceil(rows / CAPACITY)).fill(-1);
    const ran = b.networkSteps(
      layout.encode(),
      s.params,
      gradients,
      workspace ?? new s.F(layout.workspaceSize(CAPACITY)),
      CAPACITY,
      loss,
      s.X,
      s.Y,
      s.order,
      1,
      CAPACITY,
      rows,
      learningRate,
      losses,
    );
    return { ran, losses };
  }

  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    it.each(NETWORKS)('leaves the gradient vector path bits: $name', ({ layout, loss }) => {
      const full = setup(layout, dtype);
      const lean = setup(layout, dtype);
      const a = steps(layout, loss, full, new full.F(layout.parameterCount), 0.1);
      const scratch = new lean.F(layout.largestLayerSize);
      const c = steps(layout, loss, lean, scratch, 0.1);
      expect(c.ran).toBe(4);
      expect(Array.from(c.losses)).toEqual(Array.from(a.losses));
      expect(sameBits(lean.params, full.params)).toBe(true);
      expect(sameBits(lean.params, setup(layout, dtype).params)).toBe(false);
    });

    it.each(NETWORKS.filter(({ layout }) => layout.layers >= 2))(
      'leaves the same bits with a shorter scratch right before the workspace: $name',
      ({ layout, loss }) => {
        const full = setup(layout, dtype);
        const lean = setup(layout, dtype);
        const a = steps(layout, loss, full, new full.F(layout.parameterCount), 0.1);
        const { scratch, workspace } = adjacent(layout, lean.F);
        const c = steps(layout, loss, lean, scratch, 0.1, ROWS, workspace);
        expect(c.ran).toBe(4);
        expect(Array.from(c.losses)).toEqual(Array.from(a.losses));
        expect(sameBits(lean.params, full.params)).toBe(true);
      },
    );

    it.each(NETWORKS.filter(({ layout }) => inputsAheadEnd(layout) !== undefined))(
      'keeps only the inputs in the scratch where that fits, with the same bits: $name',
      ({ layout }) => {
        expect(layout.leanScratchSize(CAPACITY, true)).toBe(CAPACITY * layout.units[0]!);
      },
    );

    it.each([false, true])(
      'takes its exact path where the bound fails, with the same bits, inputs ahead: %s',
      (ahead) => {
        const { layout, loss } = NETWORKS[0]!;
        const huge = dtype === 'float32' ? 3e38 : 1.7e308;
        const full = setup(layout, dtype);
        const lean = setup(layout, dtype);
        const bias = layout.biasOffsets[2]!;
        full.params[bias] = huge;
        lean.params[bias] = huge;
        const a = steps(layout, loss, full, new full.F(layout.parameterCount), 0.1);
        const { scratch, workspace } = adjacent(layout, lean.F);
        const c = ahead
          ? steps(layout, loss, lean, scratch, 0.1, ROWS, workspace)
          : steps(layout, loss, lean, new lean.F(layout.largestLayerSize), 0.1);
        expect(Array.from(c.losses)).toEqual(Array.from(a.losses));
        expect(sameBits(lean.params, full.params)).toBe(true);
      },
    );

    it('refuses, inputs ahead, what the gradient vector path refuses, leaving its parameters', () => {
      const { layout, loss } = NETWORKS[0]!;
      // Targets of 1e3 make every delta large: at a rate near the largest value every update overflows.
      const rate = dtype === 'float32' ? 3e38 : Number.MAX_VALUE;
      const full = setup(layout, dtype);
      const lean = setup(layout, dtype);
      full.Y.fill(1e3);
      lean.Y.fill(1e3);
      const before = lean.params.slice();
      const a = steps(layout, loss, full, new full.F(layout.parameterCount), rate);
      const { scratch, workspace } = adjacent(layout, lean.F);
      const c = steps(layout, loss, lean, scratch, rate, ROWS, workspace);
      expect([a.ran, a.losses[0]]).toEqual([1, Infinity]);
      expect([c.ran, c.losses[0]]).toEqual([1, Infinity]);
      expect(sameBits(lean.params, before)).toBe(true);
    });

    it('stops at a non-finite loss, inputs ahead, as the gradient vector path does', () => {
      const { layout, loss } = NETWORKS[0]!;
      const full = setup(layout, dtype);
      const lean = setup(layout, dtype);
      full.Y[full.order[20]! * layout.outputs] = NaN;
      lean.Y.set(full.Y);
      const a = steps(layout, loss, full, new full.F(layout.parameterCount), 0.1);
      const { scratch, workspace } = adjacent(layout, lean.F);
      const c = steps(layout, loss, lean, scratch, 0.1, ROWS, workspace);
      expect([a.ran, c.ran]).toEqual([2, 2]);
      expect(Number.isNaN(c.losses[1]!)).toBe(true);
      expect(sameBits(lean.params, full.params)).toBe(true);
    });

    it('takes its exact path where the bound fails, with the same bits: a saturated output bias near the largest value', () => {
      const { layout, loss } = NETWORKS[0]!;
      const huge = dtype === 'float32' ? 3e38 : 1.7e308;
      const full = setup(layout, dtype);
      const lean = setup(layout, dtype);
      // Far beyond the bound's limit (the largest value / 16), yet a sigmoid of it is exactly 1, its delta 0:
      // every update stays finite, so nothing may be refused.
      const bias = layout.biasOffsets[2]!;
      full.params[bias] = huge;
      lean.params[bias] = huge;
      const before = lean.params.slice();
      const a = steps(layout, loss, full, new full.F(layout.parameterCount), 0.1);
      const c = steps(layout, loss, lean, new lean.F(layout.largestLayerSize), 0.1);
      expect(a.ran).toBe(4);
      expect(Number.isFinite(a.losses[3]!)).toBe(true);
      expect(Array.from(c.losses)).toEqual(Array.from(a.losses));
      expect(sameBits(lean.params, full.params)).toBe(true);
      expect(sameBits(lean.params, before)).toBe(false);
      expect(lean.params[bias]).toBe(dtype === 'float32' ? Math.fround(huge) : huge);
    });
  });

  it('refuses an update that overflows in the bottom layer only, leaving every layer untouched', () => {
    // Identity layers: inputs of 1e200 through weights of 1e-200 give activations near 1, so only the
    // first layer's gradient (inputs^T delta) is huge; a learning rate of 1e110 takes it past the largest
    // value while every other layer's update stays small. The layers are updated top down, so a lean path
    // that wrote as it went would have changed the upper layers before finding the bottom one's overflow.
    const layout = new NetworkLayout([5, 4, 3], [Act.identity, Act.identity]);
    const s = setup(layout, 'float64');
    for (let i = 0; i < layout.biasOffsets[0]!; i++) s.params[i]! *= 1e-200;
    for (let i = 0; i < s.X.length; i++) s.X[i]! *= 1e200;
    const reference = setup(layout, 'float64');
    reference.params.set(s.params);
    reference.X.set(s.X);
    const before = s.params.slice();
    const full = steps(layout, Loss.meanSquaredError, reference, new Float64Array(layout.parameterCount), 1e110);
    const lean = steps(layout, Loss.meanSquaredError, s, new Float64Array(layout.largestLayerSize), 1e110);
    expect(full.ran).toBe(1);
    expect(full.losses[0]).toBe(Infinity);
    expect(lean.ran).toBe(1);
    expect(lean.losses[0]).toBe(Infinity);
    expect(lean.losses[1]).toBe(-1);
    expect(sameBits(s.params, before)).toBe(true);
    // The same with layer 0's gradient over the dead workspace (here all of it fits there).
    const { scratch, workspace } = adjacent(layout, Float64Array);
    expect(scratch.length).toBeLessThan(layout.largestLayerSize);
    const over = steps(layout, Loss.meanSquaredError, s, scratch, 1e110, ROWS, workspace);
    expect([over.ran, over.losses[0]]).toEqual([1, Infinity]);
    expect(sameBits(s.params, before)).toBe(true);
    // The same minibatch at a rate whose update is finite goes through.
    const ok = steps(layout, Loss.meanSquaredError, s, new Float64Array(layout.largestLayerSize), 1e-10, CAPACITY);
    expect(Number.isFinite(ok.losses[0]!)).toBe(true);
    expect(sameBits(s.params, before)).toBe(false);
  });

  it('refuses as the gradient vector path does: a rate of the largest value, Infinity, params untouched', () => {
    const layout = new NetworkLayout([6, 5, 3], [Act.identity, Act.identity]);
    const s = setup(layout, 'float64');
    s.Y.fill(1e3);
    const before = s.params.slice();
    const lean = steps(layout, Loss.meanSquaredError, s, new Float64Array(layout.largestLayerSize), Number.MAX_VALUE);
    expect(lean.ran).toBe(1);
    expect(lean.losses[0]).toBe(Infinity);
    expect(sameBits(s.params, before)).toBe(true);
  });

  it('stops at a non-finite loss, as the gradient vector path does', () => {
    const { layout, loss } = NETWORKS[0]!;
    const full = setup(layout, 'float64');
    const lean = setup(layout, 'float64');
    full.Y[full.order[20]! * layout.outputs] = NaN;
    lean.Y.set(full.Y);
    const a = steps(layout, loss, full, new Float64Array(layout.parameterCount), 0.1);
    const c = steps(layout, loss, lean, new Float64Array(layout.largestLayerSize), 0.1);
    expect(a.ran).toBe(2);
    expect(c.ran).toBe(2);
    expect(Number.isNaN(c.losses[1]!)).toBe(true);
    expect(sameBits(lean.params, full.params)).toBe(true);
  });

  it('names the size it takes when a scratch right before the workspace is too short', () => {
    const { layout, loss } = NETWORKS[0]!;
    const s = setup(layout, 'float64');
    const least = layout.leanScratchSize(CAPACITY, true);
    const whole = new Float64Array(least - 1 + layout.workspaceSize(CAPACITY));
    const scratch = whole.subarray(0, least - 1);
    expect(() => steps(layout, loss, s, scratch, 0.1, ROWS, whole.subarray(least - 1))).toThrow(
      new RegExp(
        `networkSteps: expected gradients to hold the layout's parameter count \\(${layout.parameterCount}\\) or, right before the workspace, at least ${least} \\(the largest layer above the first, or the first's beyond the workspace dead by then; below a Relu first layer where they fit, the minibatch's inputs\\) but it holds ${least - 1}`,
      ),
    );
  });

  it('names both sizes it takes when the scratch is too short', () => {
    const { layout, loss } = NETWORKS[0]!;
    const s = setup(layout, 'float64');
    expect(() => steps(layout, loss, s, new Float64Array(layout.largestLayerSize - 1), 0.1)).toThrow(
      new RegExp(
        `networkSteps: expected gradients to hold the layout's parameter count \\(${layout.parameterCount}\\) or at least its largest layer's \\(${layout.largestLayerSize}, max of d_\\{i-1\\}\\*d_i\\+d_i\\) but it holds ${layout.largestLayerSize - 1}`,
      ),
    );
  });
});

describe('networkSteps with the inputs ahead, native', () => {
  // What the arrangement is for (B's peak RSS): the workspace past its writes and before the targets is
  // never written, so those pages are never touched.
  it.each(NETWORKS.filter(({ layout }) => (inputsAheadEnd(layout) ?? Infinity) < layout.gatheredTargets(CAPACITY)))(
    'leaves the workspace past its gradients untouched: $name',
    ({ layout, loss }) => {
      const { backends } = jest.requireActual<typeof import('../../lib')>('../../lib');
      const s = setup(layout, 'float64');
      const least = layout.leanScratchSize(CAPACITY, true);
      const whole = new Float64Array(least + layout.workspaceSize(CAPACITY)).fill(7);
      const workspace = whole.subarray(least);
      const end = inputsAheadEnd(layout)!;
      const targets = layout.gatheredTargets(CAPACITY);
      backends.native.networkSteps(
        layout.encode(),
        s.params,
        whole.subarray(0, least),
        workspace,
        CAPACITY,
        loss,
        s.X,
        s.Y,
        s.order,
        1,
        CAPACITY,
        ROWS,
        0.1,
        new Float64Array(4),
      );
      expect(workspace.subarray(end, targets).every((v) => v === 7)).toBe(true);
      expect(workspace[end - 1]).not.toBe(7);
    },
  );
});

describe('networkSteps with a layer scratch, native against js', () => {
  it.each(NETWORKS)('agrees to rounding: $name', ({ layout, loss }) => {
    const { backends } = jest.requireActual<typeof import('../../lib')>('../../lib');
    const run = (backend: typeof backends.native) => {
      const s = setup(layout, 'float64');
      backend.networkSteps(
        layout.encode(),
        s.params,
        new Float64Array(layout.largestLayerSize),
        new Float64Array(layout.workspaceSize(CAPACITY)),
        CAPACITY,
        loss,
        s.X,
        s.Y,
        s.order,
        1,
        CAPACITY,
        ROWS,
        0.1,
        new Float64Array(4),
      );
      return s.params;
    };
    expectClose(run(backends.native), run(backends.js), 1e-12);
  });
});
