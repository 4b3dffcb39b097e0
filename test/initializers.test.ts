import { Network, Relu, Sigmoid } from '../lib';

function moments(values: ArrayLike<number>): { mean: number; variance: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    max = Math.max(max, Math.abs(values[i]!));
  }
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i]! - mean) ** 2;
  return { mean, variance: squares / values.length, max };
}

describe('initialisers', () => {
  // 400 x 300 = 120,000 draws: a variance estimate within about 0.4% (one standard error).
  const dims = [400, 300, 2];

  it('lecunNormal, the default and the same draws under its former name xavier', () => {
    const byDefault = new Network(dims, [Relu, Sigmoid], { seed: 1 }).parameters;
    expect(new Network(dims, [Relu, Sigmoid], { seed: 1, initializer: 'lecunNormal' }).parameters).toEqual(byDefault);
    expect(new Network(dims, [Relu, Sigmoid], { seed: 1, initializer: 'xavier' }).parameters).toEqual(byDefault);
    expect(new Network(dims, [Relu, Sigmoid], { seed: 1, initializer: 'he' }).parameters).not.toEqual(byDefault);
  });

  it('lecunNormal (default): N(0, 1/fan_in)', () => {
    const { mean, variance } = moments(new Network(dims, [Relu, Sigmoid], { seed: 1 }).layers[0]!.weights);
    expect(Math.abs(mean)).toBeLessThan(0.001);
    expect(variance * 400).toBeCloseTo(1, 1);
  });

  it('he: N(0, 2/fan_in)', () => {
    const { mean, variance } = moments(
      new Network(dims, [Relu, Sigmoid], { seed: 1, initializer: 'he' }).layers[0]!.weights,
    );
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect((variance * 400) / 2).toBeCloseTo(1, 1);
  });

  it('glorotUniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)), variance a^2 / 3', () => {
    const a = Math.sqrt(6 / 700);
    const { variance, max } = moments(
      new Network(dims, [Relu, Sigmoid], { seed: 1, initializer: 'glorotUniform' }).layers[0]!.weights,
    );
    expect(max).toBeLessThanOrEqual(a);
    expect(max).toBeGreaterThan(a * 0.999);
    expect(variance / ((a * a) / 3)).toBeCloseTo(1, 1);
  });

  it('biases start at 0, and an unknown name is rejected', () => {
    expect(
      new Network(dims, [Relu, Sigmoid], { seed: 1, initializer: 'he' }).layers[0]!.biases.every((b) => b === 0),
    ).toBe(true);
    expect(() => new Network(dims, [Relu, Sigmoid], { initializer: 'lecun' as never })).toThrow(
      /options.initializer to be 'lecunNormal', 'he' or 'glorotUniform' \(or 'xavier', lecunNormal's former name\)/,
    );
  });
});
