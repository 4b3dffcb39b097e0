import type { AllKernels } from './kernels';

/** The names of the built-in backends. */
export type BackendName = 'native' | 'js';

/**
 * A backend: every kernel of the contract ({@link AllKernels}) plus its name. The `Network` sends every
 * matrix product and elementwise loop through one of these.
 */
export interface Backend extends AllKernels {
  readonly name: BackendName;
}
