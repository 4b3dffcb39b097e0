/**
 * Random search's candidates, as scikit-learn's RandomizedSearchCV (ParameterSampler) draws them: each
 * candidate independently, every searched setting from its own distribution, by one seeded generator,
 * so the same seed gives the same candidates. Bergstra & Bengio (2012) is why random rather than a grid:
 * with a few settings that matter, n random trials try n values of each, a grid only n^(1/d).
 */
import { Random } from '../random';
import { resolveSettings, type TrialSettings } from './settings';

/** Where each searched setting is drawn from. */
export interface SearchSpace {
  /** Candidate hidden layer sizes, chosen uniformly. */
  hidden: number[][];
  /** Log-uniform on [min, max]. */
  learningRate: [number, number];
  /** Chosen uniformly. */
  batchSize: number[];
  /** 0 with probability `zero`, else log-uniform on [min, max]. */
  weightDecay: { zero: number; range: [number, number] };
}

/** The default space: small to medium networks, the usual rate and batch ranges. */
export const DEFAULT_SPACE: SearchSpace = {
  hidden: [[16], [32], [64], [128], [32, 16], [64, 32], [128, 64]],
  learningRate: [1e-4, 1e-1],
  batchSize: [16, 32, 64, 128],
  weightDecay: { zero: 1 / 3, range: [1e-6, 1e-2] },
};

/** The settings a search varies (the rest are held at their given or default values). */
export const SEARCHED = ['hidden', 'learningRate', 'batchSize', 'weightDecay'] as const;

function logUniform(random: Random, [min, max]: [number, number]): number {
  return Math.exp(Math.log(min) + random.uniform() * (Math.log(max) - Math.log(min)));
}

function choice<T>(random: Random, values: readonly T[]): T {
  return values[random.integer(values.length)]!;
}

/**
 * `count` candidates. A setting in `fixed` is held at that value in every candidate; the draws of the
 * others do not depend on which are fixed (every setting is drawn, then the fixed ones overwrite), so
 * fixing one setting leaves the others' values as they were.
 */
export function sampleCandidates(
  count: number,
  seed: number,
  fixed: Partial<TrialSettings>,
  space: SearchSpace = DEFAULT_SPACE,
): TrialSettings[] {
  const random = new Random(seed);
  return Array.from({ length: count }, (_, i) => {
    const drawn: Partial<TrialSettings> = {
      hidden: [...choice(random, space.hidden)],
      learningRate: logUniform(random, space.learningRate),
      batchSize: choice(random, space.batchSize),
      weightDecay: random.uniform() < space.weightDecay.zero ? 0 : logUniform(random, space.weightDecay.range),
    };
    return resolveSettings({ ...drawn, ...fixed }, `candidate ${i + 1}`);
  });
}
