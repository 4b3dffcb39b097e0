/**
 * The native sigmoid's bits do not depend on where a value sits in its array. On AVX2-only CPUs the
 * forward sigmoid takes 16 float64 (32 float32) values at a time through four registers side by side
 * (native/kernels/simd.h: expNonPositiveFmaChains for float64 where the CPU has FMA, vexpChains for
 * float32) and leaves the rest of the array to a scalar version that promises the same operations on every
 * value in the same order (float64: sigmoidFma in activations.h, the same fused multiply-adds one value at a
 * time; float32: the plain loop). So every value of a long array, computed in one call (through the chains,
 * and a tail of more than one register after whole blocks through one more block padded with zeros), must
 * equal, bit for bit, the same value computed alone (a call of one value, which the scalar version does). On
 * other CPUs both sides take the plain loop and this holds trivially. Values span exp's range: around zero,
 * where exp overflows and underflows (subnormal results), the infinities, both zeros and NaN; the lengths
 * leave tails of every size.
 *
 * Both sides could share a mistake, so the float64 values are also checked one by one against the js
 * backend (Math.exp, an independent exp) across the whole range, subnormal outputs included.
 */
import { ActivationCode as Act, backends } from '../../lib';

function values(count: number): number[] {
  const special = [0, -0, NaN, Infinity, -Infinity, 745, -745, 800, -800, 88, -88, 103, -103, 120, -120, 1e-300];
  return Array.from({ length: count }, (_, i) =>
    i < special.length ? special[i]! : (i % 2 === 0 ? 1 : -1) * Math.exp((((i * 7919) % count) / count) * 13 - 6),
  );
}

describe('native sigmoid: the same bits in a block of values as alone', () => {
  const cases: [string, typeof Float64Array | typeof Float32Array][] = [
    ['float64', Float64Array],
    ['float32', Float32Array],
  ];
  it.each(cases)('%s', (_name, Floats) => {
    for (const count of [16, 31, 32, 33, 47, 150, 4801]) {
      const Z = Floats.from(values(count));
      const together = new Floats(count);
      backends.native.activationForward(Act.sigmoid, 1, count, Z, together);
      const alone = new Floats(1);
      for (let i = 0; i < count; i++) {
        backends.native.activationForward(Act.sigmoid, 1, 1, Z.subarray(i, i + 1), alone);
        if (!Object.is(together[i], alone[0]))
          throw new Error(`${count} values, z = ${Z[i]}: ${together[i]} in the block, ${alone[0]} alone`);
      }
    }
  });
});

describe('native float64 sigmoid: within 4 ulp of the js backend, value by value', () => {
  // The distance to the next double up from |x| (2^-1074 among the subnormals).
  const ulp = (x: number) => {
    const magnitude = Math.abs(x);
    if (magnitude < 2 ** -1022) return 2 ** -1074;
    const bits = new BigUint64Array(Float64Array.of(magnitude).buffer)[0]!;
    return new Float64Array(BigUint64Array.of(bits + 1n).buffer)[0]! - magnitude;
  };
  it('for z in [-750, 750] (outputs from 0 through the subnormals to 1)', () => {
    const count = 300001;
    const Z = Float64Array.from({ length: count }, (_, i) => -750 + i * 0.005 + (i % 7) * 1e-4);
    const [aNative, aJs] = [backends.native, backends.js].map((backend) => {
      const A = new Float64Array(count);
      backend.activationForward(Act.sigmoid, 1, count, Z, A);
      return A;
    });
    for (let i = 0; i < count; i++) {
      const difference = Math.abs(aNative![i]! - aJs![i]!);
      if (!(difference <= 4 * ulp(aJs![i]!)))
        throw new Error(`z = ${Z[i]}: native ${aNative![i]}, js ${aJs![i]} (${difference / ulp(aJs![i]!)} ulp)`);
    }
  });
  it('at the special values', () => {
    const Z = Float64Array.of(0, -0, Infinity, -Infinity, NaN, 745, -745, 746, -746, 800, -800, 1e-300, -1e-300);
    const A = new Float64Array(Z.length);
    backends.native.activationForward(Act.sigmoid, 1, Z.length, Z, A);
    expect(Array.from(A)).toEqual([0.5, 0.5, 1, 0, NaN, 1, 5e-324, 1, 0, 1, 0, 0.5, 0.5]);
  });
});
