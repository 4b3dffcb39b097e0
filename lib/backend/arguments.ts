/**
 * Argument checks for the js backend, mirroring `native/bindings/args.cc` check for check and message for
 * message, so both backends reject the same calls with the same error type, code and text.
 */
import { MAX_DIMENSION } from './layout';

/** Node's codes for the same situations, as the native addon uses. */
function typeError(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_TYPE' });
}

function rangeError(message: string): RangeError {
  return Object.assign(new RangeError(message), { code: 'ERR_OUT_OF_RANGE' });
}

/** The same short account of a value as the native layer gives. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return String(value);
    case 'number':
      return String(value);
    case 'string':
      return 'a string';
    case 'symbol':
      return 'a symbol';
    case 'bigint':
      return 'a bigint';
    case 'function':
      return 'a function';
    default:
      break;
  }
  if (ArrayBuffer.isView(value)) {
    return value instanceof DataView ? 'a DataView' : Object.prototype.toString.call(value).slice(8, -1);
  }
  if (Array.isArray(value)) return 'an Array';
  if (value instanceof ArrayBuffer) return 'an ArrayBuffer';
  return 'an object';
}

export function expectCount(kernel: string, count: number, received: number): void {
  if (received !== count) throw typeError(`${kernel} expects ${count} arguments but received ${received}`);
}

export function flag(kernel: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw typeError(`${kernel}: expected ${name} to be a boolean but received ${describe(value)}`);
  }
  return value;
}

export function dimension(kernel: string, name: string, value: unknown): number {
  if (typeof value !== 'number') {
    throw typeError(`${kernel}: expected ${name} to be a non-negative integer but received ${describe(value)}`);
  }
  if (!(value >= 0 && value <= MAX_DIMENSION) || Math.trunc(value) !== value) {
    throw rangeError(
      `${kernel}: expected ${name} to be an integer from 0 to ${MAX_DIMENSION} but received ${describe(value)}`,
    );
  }
  return value;
}

/**
 * A finite number; for a kernel over float32 arrays (`tag`), also within float32's range, as native
 * Call::scalarFor checks (a larger value would become an infinity on conversion).
 */
export function scalar(kernel: string, name: string, value: unknown, tag?: FloatTag): number {
  if (typeof value !== 'number') {
    throw typeError(`${kernel}: expected ${name} to be a number but received ${describe(value)}`);
  }
  if (!Number.isFinite(value)) {
    throw rangeError(`${kernel}: expected ${name} to be a finite number but received ${describe(value)}`);
  }
  if (tag === 'Float32Array' && !(Math.abs(value) <= FLOAT32_MAX)) {
    throw rangeError(
      `${kernel}: expected ${name} to be within float32's range (|x| <= 3.4028234663852886e+38) for Float32Array arguments but received ${describe(value)}`,
    );
  }
  return value;
}

/** The largest finite float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

export function code(kernel: string, name: string, value: unknown, count: number): number {
  if (typeof value !== 'number') {
    throw typeError(`${kernel}: expected ${name} to be an integer code but received ${describe(value)}`);
  }
  if (!(value >= 0 && value < count) || Math.trunc(value) !== value) {
    throw rangeError(
      `${kernel}: expected ${name} to be an integer from 0 to ${count - 1} but received ${describe(value)}`,
    );
  }
  return value;
}

/**
 * Realm-independent: an array made in another realm (a vm context, a jest sandbox) fails `instanceof`
 * but carries the same built-in tag, as it does for the native layer.
 */
function isTypedArrayOf<T extends string>(value: unknown, tag: T): value is TypedArrayByTag[T & keyof TypedArrayByTag] {
  return ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === `[object ${tag}]`;
}

interface TypedArrayByTag {
  Float64Array: Float64Array;
  Float32Array: Float32Array;
  Uint32Array: Uint32Array;
  Int32Array: Int32Array;
}

/** A detached buffer reads as length 0; only then is it worth asking (constructing a view on one throws). */
function isDetached(array: ArrayBufferView): boolean {
  if (array.byteLength !== 0) return false;
  try {
    new Uint8Array(array.buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * The native layer picks the element type from one array argument before checking anything else (see
 * `dispatch` in args.h), so a wrong type there is reported first; this is that check, type only.
 */
export function dispatchType(kernel: string, name: string, value: unknown): FloatTag {
  if (isTypedArrayOf(value, 'Float64Array')) return 'Float64Array';
  if (isTypedArrayOf(value, 'Float32Array')) return 'Float32Array';
  throw typeError(`${kernel}: expected ${name} to be a Float64Array or Float32Array but received ${describe(value)}`);
}

/** The element types kernels compute in. */
export type FloatTag = 'Float64Array' | 'Float32Array';

/** A Float64Array whatever the call's element type (losses), not detached, at least `needed` long. */
export function float64Array(
  kernel: string,
  name: string,
  value: unknown,
  needed: number,
  formula: string,
): Float64Array {
  return floatArray(kernel, name, value, needed, formula, 'Float64Array') as Float64Array;
}

/** An Int32Array (a network layout), not detached. */
export function int32Array(kernel: string, name: string, value: unknown): Int32Array {
  if (!isTypedArrayOf(value, 'Int32Array')) {
    throw typeError(`${kernel}: expected ${name} to be a Int32Array but received ${describe(value)}`);
  }
  if (isDetached(value)) {
    throw typeError(
      `${kernel}: ${name} is a Int32Array whose buffer is detached (transferred or structured-cloned away)`,
    );
  }
  return value;
}

/** A Uint32Array (a generator's words, a row order), not detached. */
export function uint32Array(kernel: string, name: string, value: unknown): Uint32Array {
  if (!isTypedArrayOf(value, 'Uint32Array')) {
    throw typeError(`${kernel}: expected ${name} to be a Uint32Array but received ${describe(value)}`);
  }
  if (isDetached(value)) {
    throw typeError(
      `${kernel}: ${name} is a Uint32Array whose buffer is detached (transferred or structured-cloned away)`,
    );
  }
  return value;
}

/** A typed array of the call's element type `tag`, not detached, holding at least `needed` elements. */
export function floatArray(
  kernel: string,
  name: string,
  value: unknown,
  needed: number,
  formula: string,
  tag: FloatTag,
): Float64Array | Float32Array {
  if (!isTypedArrayOf(value, tag)) {
    throw typeError(`${kernel}: expected ${name} to be a ${tag} but received ${describe(value)}`);
  }
  const array = value as Float64Array | Float32Array;
  if (isDetached(array)) {
    throw typeError(`${kernel}: ${name} is a ${tag} whose buffer is detached (transferred or structured-cloned away)`);
  }
  if (array.length < needed) {
    throw rangeError(
      `${kernel}: expected ${name} to hold at least ${formula} = ${needed} elements but the ${tag} has ${array.length}`,
    );
  }
  return array;
}

export function indexArray(kernel: string, name: string, value: unknown): Uint32Array | Int32Array {
  if (!isTypedArrayOf(value, 'Uint32Array') && !isTypedArrayOf(value, 'Int32Array')) {
    throw typeError(`${kernel}: expected ${name} to be a Uint32Array or Int32Array but received ${describe(value)}`);
  }
  if (isDetached(value)) {
    throw typeError(`${kernel}: ${name}'s buffer is detached (transferred or structured-cloned away)`);
  }
  return value;
}

/**
 * The output's first `outNeeded` elements must not partly overlap the input's first `inNeeded`; with
 * `allowSame`, exactly the same elements (in place) are fine.
 */
export function disjoint(
  kernel: string,
  outName: string,
  out: ArrayBufferView,
  outNeeded: number,
  inName: string,
  input: ArrayBufferView,
  inNeeded: number,
  allowSame: boolean,
): void {
  if (out.buffer !== input.buffer || outNeeded === 0 || inNeeded === 0) return;
  const outSize = (out as Float64Array).BYTES_PER_ELEMENT;
  const inSize = (input as Float64Array).BYTES_PER_ELEMENT;
  const outStart = out.byteOffset;
  const inStart = input.byteOffset;
  const outEnd = outStart + outNeeded * outSize;
  const inEnd = inStart + inNeeded * inSize;
  if (outEnd <= inStart || inEnd <= outStart) return;
  if (allowSame && outStart === inStart && outEnd === inEnd) return;
  throw rangeError(
    allowSame
      ? `${kernel}: ${outName} partly overlaps ${inName}; it may be the very same elements (in place) or separate memory, not a partial overlap`
      : `${kernel}: ${outName} overlaps ${inName}; the output must be separate memory`,
  );
}

export { rangeError, typeError };
