/**
 * The optimizer kernels on two steps worked out by hand (so momentum and Adam's bias correction are
 * exercised), on both backends, in float64 and float32. One parameter p = 1, gradient 0.5 both times.
 */
import { describeBackends } from '../helpers/backends';

const ARRAY_TYPES = [Float64Array, Float32Array] as const;

/** |actual - expected| within `tolerance` of |expected| (float32 rounding is relative). */
function expectRelative(actual: number | undefined, expected: number, tolerance: number): void {
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(tolerance * Math.abs(expected));
}

describeBackends('sgdStep', (b) => {
  it.each(ARRAY_TYPES)('plain, momentum, nesterov and weight decay (%p)', (Type) => {
    const run = (momentum: number, nesterov: boolean, weightDecay: number) => {
      const p = Type.from([1]);
      const v = Type.from([0]);
      const g = Type.from([0.5]);
      const seen: number[] = [];
      for (let step = 0; step < 2; step++) {
        b.sgdStep(1, 0.1, momentum, nesterov, weightDecay, p, g, v);
        seen.push(p[0]!);
      }
      return seen;
    };
    const digits = Type === Float64Array ? 14 : 6;
    const expectSteps = (actual: number[], expected: number[]) =>
      expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, digits));
    // p -= 0.1 * 0.5 twice
    expectSteps(run(0, false, 0), [0.95, 0.9]);
    // v = 0.5, p = 1 - 0.05 = 0.95; v = 0.9 * 0.5 + 0.5 = 0.95, p = 0.95 - 0.095 = 0.855
    expectSteps(run(0.9, false, 0), [0.95, 0.855]);
    // nesterov: step = g + 0.9 v: 0.5 + 0.45 = 0.95 -> p = 0.905; v = 0.95, step = 0.5 + 0.855 -> p = 0.7695
    expectSteps(run(0.9, true, 0), [0.905, 0.7695]);
    // decay 0.1: g = 0.5 + 0.1 * 1 = 0.6 -> p = 0.94; g = 0.5 + 0.094 -> p = 0.94 - 0.0594 = 0.8806
    expectSteps(run(0, false, 0.1), [0.94, 0.8806]);
  });

  it('leaves the velocity untouched without momentum', () => {
    const v = Float64Array.from([7]);
    b.sgdStep(1, 0.1, 0, false, 0, Float64Array.from([1]), Float64Array.from([0.5]), v);
    expect(v[0]).toBe(7);
  });
});

describeBackends('adamStep', (b) => {
  it.each(ARRAY_TYPES)('Adam and AdamW, with bias correction (%p)', (Type) => {
    const run = (weightDecay: number, decoupled: boolean) => {
      const p = Type.from([1]);
      const m = Type.from([0]);
      const v = Type.from([0]);
      const g = Type.from([0.5]);
      const seen: number[] = [];
      for (let step = 1; step <= 2; step++) {
        b.adamStep(1, 0.1, 0.9, 0.999, 1e-8, weightDecay, decoupled, step, p, g, m, v);
        seen.push(p[0]!);
      }
      return { seen, m: m[0]!, v: v[0]! };
    };
    const tolerance = Type === Float64Array ? 1e-13 : 1e-5;
    // Step 1: m = 0.05, v = 0.00025; step size 0.1 / (1 - 0.9) = 1; denominator sqrt(0.00025) / sqrt(0.001)
    // + 1e-8 = 0.5 + 1e-8; p = 1 - 0.05 / (0.5 + 1e-8) = 0.900000002.
    // Step 2: m = 0.095, v = 0.00049975; step size 0.1 / 0.19; denominator again 0.5 + 1e-8 (v / (1 -
    // 0.999^2) = 0.25); p = 0.900000002 - (0.1 / 0.19) * 0.095 / (0.5 + 1e-8) = 0.800000004.
    const adam = run(0, false);
    expectRelative(adam.seen[0], 1 - 0.05 / (0.5 + 1e-8), tolerance);
    expectRelative(adam.seen[1], 1 - 0.05 / (0.5 + 1e-8) - ((0.1 / 0.19) * 0.095) / (0.5 + 1e-8), tolerance);
    expectRelative(adam.m, 0.095, tolerance);
    expectRelative(adam.v, 0.00049975, tolerance * 10);
    // AdamW, decay 0.1: p *= 1 - 0.1 * 0.1 before each step: 0.99 - 0.0999999980 = 0.890000002, then
    // 0.890000002 * 0.99 - 0.0999999980 = 0.78110000398.
    const adamW = run(0.1, true);
    const stepOne = 0.05 / (0.5 + 1e-8);
    expectRelative(adamW.seen[0], 0.99 - stepOne, tolerance);
    expectRelative(adamW.seen[1], (0.99 - stepOne) * 0.99 - stepOne, tolerance);
    // Adam's L2 decay instead adds 0.1 p to the gradient: g = 0.6 at step 1, so m = 0.06, v = 0.00036,
    // denominator sqrt(0.00036) / sqrt(0.001) + 1e-8 = 0.6 + 1e-8, p = 1 - 0.06 / (0.6 + 1e-8).
    expectRelative(run(0.1, false).seen[0], 1 - 0.06 / (0.6 + 1e-8), tolerance);
  });
});
