/**
 * The mean squared error's sum order: eight partial sums over i mod 8, a tail into lanes 0, 1, ..., then the
 * lanes one by one (native/kernels/losses.h laneSum; the js backend adds in the same order). Where the
 * native kernels run their AVX2 clone (an AVX2 CPU without AVX-512, `blasInfo().smallGemm === 'avx2'`),
 * neither side fuses a multiply into an add, so the float64 loss must equal the js backend's bit for bit
 * for every length (tails of every size; the AVX2 path of native/kernels/losses.h computes it in two
 * registers). Elsewhere the AVX-512 clone's fused multiply-adds round less often: within 1e-15. float32
 * values are taken up to double before the subtraction on both sides (the native AVX2 path widens four at a
 * time), so float32 arrays must give the same bits too.
 */
import { ActivationCode as Act, backends, blasInfo, LossCode as Loss } from '../../lib';
import { Random } from '../../lib/random';

describe('meanSquaredError: native and js add in the same order', () => {
  const cases: [string, typeof Float64Array | typeof Float32Array][] = [
    ['float64', Float64Array],
    ['float32', Float32Array],
  ];
  it.each(cases)('%s, lengths 1-300', (_name, Floats) => {
    const exact = blasInfo().smallGemm === 'avx2';
    const random = new Random(20261201);
    for (let count = 1; count <= 300; count++) {
      const A = Floats.from(
        Array.from({ length: count }, () => random.uniform() * 10 ** Math.floor(random.uniform() * 6 - 3)),
      );
      const Y = Floats.from(Array.from({ length: count }, () => (random.uniform() < 0.1 ? 1 : 0)));
      const [native, js] = [backends.native, backends.js].map((b) =>
        b.lossValue(Loss.meanSquaredError, Act.sigmoid, 1, count, A, A, Y),
      );
      if (exact ? !Object.is(native, js) : !(Math.abs(native! - js!) <= 1e-15 * Math.abs(js!)))
        throw new Error(`${count} values: native ${native}, js ${js}`);
    }
  });
});
