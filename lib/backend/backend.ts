import type { Kernels } from './kernels';

/** The names of the built-in backends. */
export type BackendName = 'native' | 'js';

/**
 * A backend: every kernel of the contract ({@link Kernels}) plus its name. The `Network` sends every
 * matrix product and elementwise loop through one of these.
 */
export interface Backend extends Kernels {
  readonly name: BackendName;
}
