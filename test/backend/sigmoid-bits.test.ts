/**
 * The native sigmoid's bits do not depend on where a value sits in its array. On AVX2-only CPUs the
 * forward sigmoid takes 16 float64 (32 float32) values at a time through four registers side by side
 * (native/kernels/simd.h, vexpChains) and leaves the rest of the array to the plain loop, which promises the
 * same operations on every value in the same order. So every value of a long array, computed in one call
 * (through the chains, and a tail of more than one register after whole blocks through one more block padded
 * with zeros), must equal, bit for bit, the same value computed alone (a call of one value, which the plain
 * loop does). On other CPUs both sides take the plain loop and this holds trivially. Values span
 * exp's range: around zero, where exp overflows and underflows (subnormal results in float32), the
 * infinities, both zeros and NaN; the lengths leave tails of every size.
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
