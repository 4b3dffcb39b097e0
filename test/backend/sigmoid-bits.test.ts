/**
 * The native sigmoid's bits do not depend on where a value sits in its array. On AVX2-only CPUs the
 * forward sigmoid takes 16 float64 (32 float32) values at a time through four registers side by side
 * (native/kernels/simd.h: expNonPositiveFmaChains, float64 and float32, where the CPU has FMA; vexpChains
 * for float32 where it has not) and leaves the rest of the array to a scalar version that promises the same
 * operations on every value in the same order (sigmoidFma in activations.h, the same fused multiply-adds one
 * value at a time; without FMA, the plain loop). So every value of a long array, computed in one call (through the chains,
 * and a tail of more than one register after whole blocks through one more block padded with zeros, or in
 * float32 overlapping the block before), in place or not, must
 * equal, bit for bit, the same value computed alone (a call of one value, which the scalar version does). On
 * other CPUs both sides take the plain loop and this holds trivially. Values span exp's range: around zero,
 * where exp overflows and underflows (subnormal results), the infinities, both zeros and NaN; the lengths
 * leave tails of every size.
 *
 * Both sides could share a mistake, so the values of both types are also checked one by one against the js
 * backend (Math.exp in double, an independent exp; float32 rounds its result once) across the whole range,
 * subnormal outputs included.
 */
import { readFileSync } from 'node:fs';
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
      // In place too (a hidden layer's activation is): float32's last block overlaps the one before it and
      // reads the values it recomputes from a copy made before any block is written (activations.h).
      const inPlace = Z.slice();
      backends.native.activationForward(Act.sigmoid, 1, count, inPlace, inPlace);
      const alone = new Floats(1);
      for (let i = 0; i < count; i++) {
        backends.native.activationForward(Act.sigmoid, 1, 1, Z.subarray(i, i + 1), alone);
        if (!Object.is(together[i], alone[0]))
          throw new Error(`${count} values, z = ${Z[i]}: ${together[i]} in the block, ${alone[0]} alone`);
        if (!Object.is(inPlace[i], alone[0]))
          throw new Error(`${count} values in place, z = ${Z[i]}: ${inPlace[i]}, ${alone[0]} alone`);
      }
    }
  });
});

// The distance from |x| to the next value up of its type (the smallest subnormal among the subnormals).
function ulpOf(x: number, Floats: typeof Float64Array | typeof Float32Array): number {
  const magnitude = Math.abs(x);
  if (Floats === Float32Array) {
    if (magnitude < 2 ** -126) return 2 ** -149;
    const bits = new Uint32Array(Float32Array.of(magnitude).buffer)[0]!;
    return new Float32Array(Uint32Array.of(bits + 1).buffer)[0]! - magnitude;
  }
  if (magnitude < 2 ** -1022) return 2 ** -1074;
  const bits = new BigUint64Array(Float64Array.of(magnitude).buffer)[0]!;
  return new Float64Array(BigUint64Array.of(bits + 1n).buffer)[0]! - magnitude;
}

// Whether the addon's float32 sigmoid is the FMA one (native/kernels/simd.h avx2FmaSigmoidChosen: AVX2 and
// FMA, no AVX-512, and not the sanitizer build, which has no clones). It is within 2.4 ulp of the exact value
// (bench/README.md, "What we tried" 67), so within 3 of the js backend's rounded one; dropping exp's ln2 low
// part from it makes 4. The loop over vexp elsewhere is within 2.8 ulp (4 of the js backend), as float64.
function fmaSigmoid(): boolean {
  const sanitized = (process.env.LD_PRELOAD ?? '').includes('libasan') || process.env.ASAN_OPTIONS !== undefined;
  if (process.arch !== 'x64' || process.platform !== 'linux' || sanitized) return false;
  const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.split(/\s+/) ?? [];
  return flags.includes('avx2') && flags.includes('fma') && !flags.includes('avx512f');
}

// float64 z in [-750, 750] and float32 z in [-110, 110]: outputs from 0 through the subnormals to 1.
const ranges: [string, typeof Float64Array | typeof Float32Array, number, number][] = [
  ['float64, z in [-750, 750], within 4 ulp', Float64Array, 750, 4],
  [`float32, z in [-110, 110], within ${fmaSigmoid() ? 3 : 4} ulp`, Float32Array, 110, fmaSigmoid() ? 3 : 4],
];

describe('native sigmoid: within 3-4 ulp of the js backend, value by value', () => {
  it.each(ranges)('%s', (_name, Floats, limit, tolerance) => {
    const count = 300001;
    const step = (2 * limit) / (count - 1);
    const Z = Floats.from(Array.from({ length: count }, (_, i) => -limit + i * step + (i % 7) * step * 0.02));
    const [aNative, aJs] = [backends.native, backends.js].map((backend) => {
      const A = new Floats(count);
      backend.activationForward(Act.sigmoid, 1, count, Z, A);
      return A;
    });
    for (let i = 0; i < count; i++) {
      const ulp = ulpOf(aJs![i]!, Floats);
      const difference = Math.abs(aNative![i]! - aJs![i]!);
      if (!(difference <= tolerance * ulp))
        throw new Error(`z = ${Z[i]}: native ${aNative![i]}, js ${aJs![i]} (${difference / ulp} ulp)`);
    }
  });
  it('float64, at the special values', () => {
    const Z = Float64Array.of(0, -0, Infinity, -Infinity, NaN, 745, -745, 746, -746, 800, -800, 1e-300, -1e-300);
    const A = new Float64Array(Z.length);
    backends.native.activationForward(Act.sigmoid, 1, Z.length, Z, A);
    expect(Array.from(A)).toEqual([0.5, 0.5, 1, 0, NaN, 1, 5e-324, 1, 0, 1, 0, 0.5, 0.5]);
  });
  it('float32, at the special values', () => {
    const Z = Float32Array.of(0, -0, Infinity, -Infinity, NaN, 103, -103, 104, -104, 120, -120, 1e-30, -1e-30);
    const A = new Float32Array(Z.length);
    backends.native.activationForward(Act.sigmoid, 1, Z.length, Z, A);
    // sigmoid(-103) = 1.4e-45 is float32's smallest subnormal, 2^-149.
    expect(Array.from(A)).toEqual([0.5, 0.5, 1, 0, NaN, 1, 2 ** -149, 1, 0, 1, 0, 0.5, 0.5]);
  });
});
