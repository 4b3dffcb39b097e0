/**
 * Issue 14, item 6: networks and trainings are bounded by what training needs (parameters, gradients,
 * optimizer state, workspace) against the memory available now, or BLASNET_MEMORY_LIMIT; refused before
 * anything is allocated. (The old guard compared the parameters alone with the machine's total memory,
 * so a 20 GB network was accepted and then filled memory for minutes.)
 */
import { Adam, Matrix, MSE, Network, SGD, Sigmoid, ValueError } from '../../lib';
import { describeBackends } from '../helpers/backends';
import { sameBits } from '../helpers/training';

function withLimit<T>(limit: string | undefined, body: () => T): T {
  const before = process.env.BLASNET_MEMORY_LIMIT;
  if (limit === undefined) delete process.env.BLASNET_MEMORY_LIMIT;
  else process.env.BLASNET_MEMORY_LIMIT = limit;
  try {
    return body();
  } finally {
    if (before === undefined) delete process.env.BLASNET_MEMORY_LIMIT;
    else process.env.BLASNET_MEMORY_LIMIT = before;
  }
}

describeBackends('the memory guard', (backend) => {
  it('refuses [50000, 50000, 10] (20 GB of parameters) and [2^31 - 1, 1] at once, naming the need and the override', () => {
    withLimit(undefined, () => {
      for (const dims of [
        [50000, 50000, 10],
        [2 ** 31 - 1, 1],
      ]) {
        expect(
          () =>
            new Network(
              dims,
              dims.slice(1).map(() => Sigmoid),
              { backend },
            ),
        ).toThrow(
          expect.objectContaining({
            code: 'ERR_TOO_LARGE',
            message: expect.stringMatching(/needs about \d+\.\d GiB .*BLASNET_MEMORY_LIMIT/),
          }),
        );
      }
    });
  });

  it('counts parameters and gradients at construction: 640,800 float64 parameters need 9.8 MiB', () => {
    withLimit('8M', () => {
      expect(() => new Network([800, 800], [Sigmoid], { backend })).toThrow(ValueError);
      expect(() => new Network([800, 800], [Sigmoid], { backend })).toThrow(
        /needs about 9\.8 MiB .*BLASNET_MEMORY_LIMIT=8M \(8\.0 MiB\)/,
      );
      // float32 halves it.
      expect(new Network([800, 800], [Sigmoid], { backend, dtype: 'float32' }).parameters.length).toBe(640_800);
    });
    withLimit('none', () => expect(new Network([800, 800], [Sigmoid], { backend }).parameters.length).toBe(640_800));
  });

  it('checks a training run’s optimizer state and workspace before it starts, changing nothing', async () => {
    // 250,500 parameters: 3.8 MiB with gradients; plain SGD adds the guard's copy, Adam two moments more.
    const net = withLimit('5M', () => new Network([500, 500], [Sigmoid], { seed: 1, backend }));
    const before = net.parameters.slice();
    const xs = new Matrix(2, 500, new Float64Array(1000).fill(0.5));
    const ys = new Matrix(2, 500, new Float64Array(1000).fill(1));
    withLimit('5M', () => {
      expect(() => net.fit(xs, ys, { loss: MSE, epochs: 1, log: null, optimizer: new Adam() })).toThrow(
        expect.objectContaining({
          code: 'ERR_TOO_LARGE',
          message: expect.stringMatching(/^Training dims \[500,500\] with batchSize 32 needs about 7\.\d MiB/),
        }),
      );
    });
    await withLimit('5M', () =>
      expect(net.fitAsync(xs, ys, { loss: MSE, epochs: 1, log: null, optimizer: new Adam() })).rejects.toMatchObject({
        code: 'ERR_TOO_LARGE',
      }),
    );
    expect(sameBits(net.parameters, before)).toBe(true);
    expect(net.optimizer).toBeUndefined();
    withLimit('5M', () => net.fit(xs, ys, { loss: MSE, epochs: 1, log: null, optimizer: new SGD() }));
    expect(net.epochsTrained).toBe(1);
  });

  it('refuses a BLASNET_MEMORY_LIMIT it cannot read', () => {
    withLimit('lots', () =>
      expect(() => new Network([2, 1], [Sigmoid], { backend })).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_ARGUMENT',
          message: expect.stringMatching(/BLASNET_MEMORY_LIMIT .* "lots"/),
        }),
      ),
    );
  });
});
