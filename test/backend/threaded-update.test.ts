/**
 * The fused plain-SGD update of networkGradients on a parameter vector large enough (>= 65,536) for the
 * native backend to split it over blasnet's second thread when OpenBLAS runs several threads (until issue
 * 20's fifth session: OpenBLAS's threaded level-1 routines, whose route a huge parameter or gradient
 * turned back to the exact one-thread check): the update must be the same arithmetic, and its
 * all-or-nothing check must still hold, whichever route it takes. Run at 2 threads and at 1, on both
 * backends (test/backend/split-update.test.ts checks the split's bits against one thread's).
 */
import { ActivationCode as Act, getNumThreads, LossCode as Loss, setNumThreads } from '../../lib';
import { NetworkLayout } from '../../lib/backend/layout';
import { Random } from '../../lib/random';
import { describeBackends } from '../helpers/backends';
import { expectClose } from '../helpers/numbers';
import { sameBits } from '../helpers/training';

const INPUTS = 260;
const layout = new NetworkLayout([INPUTS, 256, 3], [Act.identity, Act.identity]);
const code = layout.encode();
const ROWS = 4;

function setup(xScale = 1) {
  const random = new Random(41);
  const params = Float64Array.from({ length: layout.parameterCount }, () => random.normal() * 0.05);
  const X = Float64Array.from({ length: ROWS * INPUTS }, () => random.normal() * xScale);
  const Y = Float64Array.from({ length: ROWS * 3 }, () => random.normal());
  const order = Uint32Array.from({ length: ROWS }, (_, i) => i);
  return { params, X, Y, order };
}

describe.each([2, 1])('the fused SGD update of a 67,587-parameter network at %i OpenBLAS thread(s)', (threads) => {
  let saved = 1;
  beforeAll(() => {
    expect(layout.parameterCount).toBeGreaterThanOrEqual(65536);
    saved = getNumThreads();
    setNumThreads(threads);
  });
  afterAll(() => setNumThreads(saved));

  describeBackends('networkGradients', (b) => {
    const grads = () => new Float64Array(layout.parameterCount);
    const workspace = () => new Float64Array(layout.workspaceSize(ROWS));

    it('writes params - learningRate * gradients', () => {
      const { params, X, Y, order } = setup();
      const g = grads();
      const loss = b.networkGradients(
        code,
        params,
        g,
        workspace(),
        ROWS,
        Loss.meanSquaredError,
        X,
        Y,
        order,
        0,
        ROWS,
        0,
      );
      // Computed here, with a separate rounding for the product: equal to within one rounding of each value.
      const expected = params.map((p, i) => p - 0.1 * g[i]!);
      expect(
        b.networkGradients(code, params, grads(), workspace(), ROWS, Loss.meanSquaredError, X, Y, order, 0, ROWS, 0.1),
      ).toBe(loss);
      expectClose(params, expected, 1e-15);
    });

    it('applies an update next to a huge finite parameter (its sum of squares overflows): the exact check decides', () => {
      const { params, X, Y, order } = setup();
      // Input 0 is zero in every row: weight row 0 plays no part in the forward pass and its gradients are 0.
      for (let r = 0; r < ROWS; r++) X[r * INPUTS] = 0;
      params[layout.weightOffsets[0]!] = 1e200;
      const before = params.slice();
      const g = grads();
      const loss = b.networkGradients(
        code,
        params.slice(),
        g,
        workspace(),
        ROWS,
        Loss.meanSquaredError,
        X,
        Y,
        order,
        0,
        ROWS,
        0,
      );
      expect(Number.isFinite(loss)).toBe(true);
      expect(
        b.networkGradients(code, params, grads(), workspace(), ROWS, Loss.meanSquaredError, X, Y, order, 0, ROWS, 0.1),
      ).toBe(loss);
      expect(params[layout.weightOffsets[0]!]).toBe(1e200);
      expectClose(
        params,
        before.map((p, i) => p - 0.1 * g[i]!),
        1e-15,
      );
    });

    it('refuses an update that would overflow while the loss is finite: Infinity, params untouched', () => {
      // Inputs of 1e150: the loss (~1e303) is finite, the gradients (~1e301) too, but 1e15 times them is not.
      const { params, X, Y, order } = setup(1e150);
      const before = params.slice();
      const g = grads();
      const loss = b.networkGradients(
        code,
        params,
        g,
        workspace(),
        ROWS,
        Loss.meanSquaredError,
        X,
        Y,
        order,
        0,
        ROWS,
        0,
      );
      expect(Number.isFinite(loss)).toBe(true);
      expect(g.every(Number.isFinite)).toBe(true);
      expect(g.some((v) => !Number.isFinite(v * 1e15))).toBe(true);
      expect(
        b.networkGradients(code, params, grads(), workspace(), ROWS, Loss.meanSquaredError, X, Y, order, 0, ROWS, 1e15),
      ).toBe(Infinity);
      expect(sameBits(params, before)).toBe(true);
    });
  });
});
