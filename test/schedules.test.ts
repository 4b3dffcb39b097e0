import { schedules } from '../lib';

describe('learning-rate schedules, as PyTorch defines them', () => {
  it('step: initial * gamma^floor(epoch / stepSize)', () => {
    const s = schedules.step({ initial: 0.1, stepSize: 3, gamma: 0.5 });
    expect([0, 1, 2, 3, 5, 6, 9].map(s)).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
  });

  it('exponential: initial * gamma^epoch', () => {
    const s = schedules.exponential({ initial: 1, gamma: 0.9 });
    expect(s(0)).toBe(1);
    expect(s(2)).toBeCloseTo(0.81, 15);
  });

  it('cosine: from initial to minimum over `epochs`, then flat', () => {
    const s = schedules.cosine({ initial: 0.1, epochs: 10, minimum: 0.01 });
    expect(s(0)).toBe(0.1);
    // Halfway: cos(pi / 2) = 0, so the mean of the two ends.
    expect(s(5)).toBeCloseTo(0.055, 15);
    expect(s(10)).toBeCloseTo(0.01, 15);
    expect(s(25)).toBeCloseTo(0.01, 15);
  });

  it('reject bad settings, and fit rejects a schedule that returns a bad rate', () => {
    expect(() => schedules.step({ initial: 0, stepSize: 1 })).toThrow(/options.initial/);
    expect(() => schedules.cosine({ initial: 0.1, epochs: 0 })).toThrow(/options.epochs/);
    expect(() => schedules.cosine({ initial: 0.1, epochs: 5, minimum: 1 })).toThrow(/options.minimum/);
  });
});
