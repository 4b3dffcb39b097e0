/**
 * Activation functions. Each is a small frozen descriptor; the numerics live in the backends' kernel
 * table (native/kernels/activations.h, lib/backend/js.ts), selected by `code`.
 */
import { ActivationCode } from './backend/kernels';

/** An activation function applied after a layer's affine map. */
export interface Activation {
  /** The name used in model files and messages. */
  readonly name: 'identity' | 'relu' | 'sigmoid' | 'tanh' | 'leakyRelu' | 'softmax';
  /** The kernel code. */
  readonly code: ActivationCode;
  /** Softmax couples a whole row and is allowed on the output layer only. */
  readonly outputOnly: boolean;
}

function activation(name: Activation['name'], outputOnly = false): Activation {
  return Object.freeze({ name, code: ActivationCode[name], outputOnly });
}

/** f(z) = z. For regression outputs (with {@link MSE}). */
export const Identity = activation('identity');
/** f(z) = max(z, 0); f'(0) is taken as 0, as in PyTorch. The usual hidden-layer choice. */
export const Relu = activation('relu');
/** f(z) = 1 / (1 + e^-z), computed without overflow for any z. Outputs in (0, 1). */
export const Sigmoid = activation('sigmoid');
/** f(z) = tanh(z). */
export const Tanh = activation('tanh');
/** f(z) = z for z > 0, 0.01 z otherwise (PyTorch's default slope). */
export const LeakyRelu = activation('leakyRelu');
/** Row-wise e^z / sum(e^z), shifted by the row maximum so it never overflows. Output layer only. */
export const Softmax = activation('softmax', true);

/** Every activation, by name. */
export const ACTIVATIONS: Readonly<Record<Activation['name'], Activation>> = Object.freeze({
  identity: Identity,
  relu: Relu,
  sigmoid: Sigmoid,
  tanh: Tanh,
  leakyRelu: LeakyRelu,
  softmax: Softmax,
});

/**
 * The activation with that name or descriptor, or undefined. Names are looked up as own properties only:
 * `'constructor'` or `{ name: 'toString' }` are not activations (they used to find Object's methods).
 */
export function findActivation(value: unknown): Activation | undefined {
  return findNamed(ACTIVATIONS, value);
}

/**
 * The entry of `table` that `value` names: a name (an own property), or a descriptor `{ name, code }`
 * whose code is that entry's too. findActivation and findLoss look up with it.
 */
export function findNamed<T extends { readonly name: string; readonly code: number }>(
  table: Readonly<Record<string, T>>,
  value: unknown,
): T | undefined {
  if (typeof value === 'string') return Object.hasOwn(table, value) ? table[value] : undefined;
  if (typeof value === 'object' && value !== null && 'name' in value) {
    const name = (value as { name: unknown }).name;
    const known = typeof name === 'string' && Object.hasOwn(table, name) ? table[name] : undefined;
    return known && known.code === (value as T).code ? known : undefined;
  }
  return undefined;
}
