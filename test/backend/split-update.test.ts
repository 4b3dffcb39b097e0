/**
 * The plain SGD update split over blasnet's second thread (native/kernels/second_thread.h), taken when
 * OpenBLAS runs several threads and a vector (or, on the lean path, a layer) has 32,768 elements or more.
 * Each half runs the one-thread loop, so 1 and 2 threads must give the same parameters bit for bit, on the
 * gradient vector path and on the layer scratch path alike, for networkSteps and for a whole fit.
 *
 * The reference is the one-thread update. That is only a fair comparison where the products themselves do
 * not split over OpenBLAS's threads (their bits then differ in the last places): OpenBLAS 0.3.21 keeps a
 * dgemm of at most 65,536 x 4 multiply-adds on one thread, so the minibatches here are 3 rows.
 *
 * These failed before issue 20's fifth session, when the update over 65,536 elements or more went to
 * OpenBLAS's threaded daxpy: it rounds the last few elements of each thread's share without a fused
 * multiply-add, so a few weights' last bits depended on the thread count and on how the vector was cut.
 */
import {
  ActivationCode as Act,
  backends,
  getNumThreads,
  LossCode as Loss,
  MSE,
  Network,
  Relu,
  setNumThreads,
  Sigmoid,
} from '../../lib';
import { NetworkLayout } from '../../lib/backend/layout';
import { Random } from '../../lib/random';
import { classification, sameBits } from '../helpers/training';

const ROWS = 3;
// Layer 0 has 66,816 parameters and layer 1 65,792 (each split on the lean path); 133,379 in all.
const layout = new NetworkLayout([260, 256, 256, 3], [Act.relu, Act.tanh, Act.identity]);
const native = backends.native;

function setup(dtype: 'float64' | 'float32') {
  const F = dtype === 'float32' ? Float32Array : Float64Array;
  const random = new Random(7);
  const params = new F(layout.parameterCount);
  for (let i = 0; i < params.length; i++) params[i] = random.normal() * 0.06;
  const samples = 30;
  const X = new F(samples * 260);
  for (let i = 0; i < X.length; i++) X[i] = random.normal();
  const Y = new F(samples * 3);
  for (let i = 0; i < Y.length; i++) Y[i] = random.normal();
  const order = Uint32Array.from({ length: samples }, () => random.integer(samples));
  return { F, params, X, Y, order, samples };
}

/** networkSteps over all samples in minibatches of ROWS at `threads` OpenBLAS threads. */
function steps(dtype: 'float64' | 'float32', threads: number, lean: boolean, learningRate = 0.05) {
  const s = setup(dtype);
  const losses = new Float64Array(s.samples / ROWS);
  const saved = getNumThreads();
  setNumThreads(threads);
  try {
    const ran = native.networkSteps(
      layout.encode(),
      s.params,
      new s.F(lean ? layout.largestLayerSize : layout.parameterCount),
      new s.F(layout.workspaceSize(ROWS)),
      ROWS,
      Loss.meanSquaredError,
      s.X,
      s.Y,
      s.order,
      0,
      ROWS,
      s.samples,
      learningRate,
      losses,
    );
    return { ran, losses, params: s.params, before: setup(dtype).params };
  } finally {
    setNumThreads(saved);
  }
}

describe('the SGD update split over two threads', () => {
  beforeAll(() => {
    expect(layout.largestLayerSize).toBe(66816);
    expect(layout.parameterCount).toBe(133379);
  });

  describe.each(['float64', 'float32'] as const)('%s', (dtype) => {
    it.each([false, true])('networkSteps gives the one-thread bits at 2 threads (layer scratch: %s)', (lean) => {
      const one = steps(dtype, 1, false);
      const two = steps(dtype, 2, lean);
      expect(two.ran).toBe(10);
      expect(one.losses.every(Number.isFinite)).toBe(true);
      expect(sameBits(one.params, one.before)).toBe(false);
      expect(Array.from(two.losses)).toEqual(Array.from(one.losses));
      expect(sameBits(two.params, one.params)).toBe(true);
    });
  });

  // Updates that overflow in one place only, the rest of the parameters staying finite: a huge input
  // feature r whose weights are 0 (the forward pass does not see it; dW_0's row r is huge), or a huge
  // first-layer unit u (its bias) whose outgoing weights are 0 (dW_1's row u is huge). Row 2 of W_0 lies
  // in the first half of every split; row 200 in layer 0's second half (the lean path splits each layer,
  // and writes layer 0 last); unit 10's row of W_1 in the whole vector's second half.
  it.each([
    ['W_0 row 2', 0, 2],
    ['W_0 row 200', 0, 200],
    ['W_1 row 10', 1, 10],
  ])(
    'refuses, at 2 threads, an update that overflows in %s only: Infinity, every parameter as it was',
    (_, layer, row) => {
      const s = setup('float64');
      const width = 256;
      const start = layout.weightOffsets[layer]! + row * width;
      s.params.fill(0, start, start + width);
      if (layer === 0) {
        for (let i = 0; i < s.samples; i++) s.X[i * 260 + row] = 1e200;
      } else {
        s.params[layout.biasOffsets[0]! + row] = 1e200;
      }
      const rate = 1e110;
      const before = s.params.slice();
      const saved = getNumThreads();
      setNumThreads(2);
      try {
        const workspace = new Float64Array(layout.workspaceSize(ROWS));
        const g = new Float64Array(layout.parameterCount);
        const rest = [Loss.meanSquaredError, s.X, s.Y, s.order, 0, ROWS] as const;
        expect(
          Number.isFinite(native.networkGradients(layout.encode(), s.params, g, workspace, ROWS, ...rest, 0)),
        ).toBe(true);
        const overflows: number[] = [];
        expect(g.every(Number.isFinite)).toBe(true);
        for (let i = 0; i < g.length; i++) {
          if (!Number.isFinite(s.params[i]! - rate * g[i]!)) overflows.push(i);
        }
        expect(overflows.length).toBeGreaterThan(0);
        expect(overflows.every((i) => i >= start && i < start + width)).toBe(true);
        for (const lean of [false, true]) {
          const losses = new Float64Array(1);
          const ran = native.networkSteps(
            layout.encode(),
            s.params,
            new Float64Array(lean ? layout.largestLayerSize : layout.parameterCount),
            workspace,
            ROWS,
            Loss.meanSquaredError,
            s.X,
            s.Y,
            s.order,
            0,
            ROWS,
            ROWS,
            rate,
            losses,
          );
          expect([lean, ran, losses[0]]).toEqual([lean, 1, Infinity]);
          expect(sameBits(s.params, before)).toBe(true);
        }
        // A rate at which nothing overflows goes through, on both paths.
        const ok = steps('float64', 2, true, 1e-3);
        expect(sameBits(ok.params, ok.before)).toBe(false);
      } finally {
        setNumThreads(saved);
      }
    },
  );

  it('a whole fit gives the same parameters at 1 and 2 threads', () => {
    const { x, y } = classification(90, 260, 3, 11);
    const fit = (threads: number) => {
      const saved = getNumThreads();
      setNumThreads(threads);
      try {
        const net = new Network([260, 256, 256, 3], [Relu, Relu, Sigmoid], { seed: 4 });
        net.fit(x, y, { loss: MSE, epochs: 2, batchSize: ROWS, learningRate: 0.1, log: () => {} });
        return net.parameters;
      } finally {
        setNumThreads(saved);
      }
    };
    const one = fit(1);
    const two = fit(2);
    expect(sameBits(two, one)).toBe(true);
    expect(sameBits(one, new Network([260, 256, 256, 3], [Relu, Relu, Sigmoid], { seed: 4 }).parameters)).toBe(false);
    expect(one.every(Number.isFinite)).toBe(true);
  });
});
