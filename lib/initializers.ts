/**
 * Weight initialisers, drawn from the network's seeded generator (biases always start at 0):
 * - `lecunNormal` (default, the numpy reference program's): N(0, 1) / sqrt(fan_in), LeCun normal (Keras's
 *   `lecun_normal` without the truncation). `xavier` is its former name, kept as an alias: the same draws;
 * - `he` (for ReLU layers): N(0, 1) * sqrt(2 / fan_in), as `torch.nn.init.kaiming_normal_`;
 * - `glorotUniform`: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), as Keras's default and
 *   `torch.nn.init.xavier_uniform_`.
 */
import type { Random } from './random';

/** `'xavier'` is `'lecunNormal'`'s former name (it is not Glorot's scale), accepted as an alias. */
export type InitializerName = 'lecunNormal' | 'he' | 'glorotUniform' | 'xavier';

export const INITIALIZER_NAMES: readonly InitializerName[] = ['lecunNormal', 'he', 'glorotUniform', 'xavier'];

/** How an error message lists the names. */
export const INITIALIZER_CHOICES = "'lecunNormal', 'he' or 'glorotUniform' (or 'xavier', lecunNormal's former name)";

/** Fills `weights` (fanIn x fanOut) from `random` (its fill methods: nothing boxed, bench/README.md "Memory, B"). */
export function initialize(
  name: InitializerName,
  weights: Float64Array | Float32Array,
  fanIn: number,
  fanOut: number,
  random: Random,
): void {
  switch (name) {
    case 'lecunNormal':
    case 'xavier': {
      const scale = 1 / Math.sqrt(fanIn);
      random.fillNormal(weights, scale);
      return;
    }
    case 'he': {
      const scale = Math.sqrt(2 / fanIn);
      random.fillNormal(weights, scale);
      return;
    }
    case 'glorotUniform': {
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      random.fillSymmetricUniform(weights, limit);
      return;
    }
  }
}
