/**
 * The check that model metadata is plain JSON data, so that what is saved is exactly what loads back:
 * JSON.stringify would quietly turn NaN into null, drop undefined, and flatten a Date or a Map.
 */
import { ValueError } from '../errors';
import { describeValue } from '../validate';
import type { JsonValue, ModelMetadata } from './description';

/**
 * How deeply metadata may nest (the metadata object itself is level 1). JSON.stringify recurses, so a
 * deeper value would overflow the stack when a model is saved; readers refuse deeper files too, so what
 * one blasnet saves another loads.
 */
export const MAX_METADATA_DEPTH = 100;

/**
 * @throws {@link ValueError} (`ERR_INVALID_METADATA`) naming the first value that is not plain JSON data,
 *   or that nests deeper than {@link MAX_METADATA_DEPTH}
 */
export function checkMetadata(value: unknown, name = 'metadata'): ModelMetadata {
  if (!isPlainObject(value)) throw invalidMetadata(name, 'a plain object', value);
  checkValue(value, name, new Set());
  return value as ModelMetadata;
}

/**
 * The deepest nesting of arrays and objects in a parsed JSON value (a scalar is 0), measured without
 * recursion, so a hostile file of a million brackets cannot overflow the stack; stops counting past `limit`.
 */
export function jsonDepth(value: unknown, limit = MAX_METADATA_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function checkValue(value: unknown, path: string, open: Set<object>): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidMetadata(path, 'a finite number (JSON has no NaN or Infinity)', value);
    return;
  }
  if (Array.isArray(value) || isPlainObject(value)) {
    if (open.has(value))
      throw new ValueError(
        'ERR_INVALID_METADATA',
        `Expected ${path} to be JSON data but it refers back to itself (a cycle)`,
      );
    // `open` holds the containers around this one: its size is this value's depth.
    if (open.size >= MAX_METADATA_DEPTH) {
      throw new ValueError(
        'ERR_INVALID_METADATA',
        `Expected metadata nested at most ${MAX_METADATA_DEPTH} levels deep but ${path.slice(0, 60)}... is deeper`,
      );
    }
    open.add(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) checkValue(value[i], `${path}[${i}]`, open);
    } else {
      for (const [key, item] of Object.entries(value)) checkValue(item, `${path}.${key}`, open);
    }
    open.delete(value);
    return;
  }
  throw invalidMetadata(
    path,
    'JSON data (null, a boolean, a finite number, a string, an array or a plain object)',
    value,
  );
}

function isPlainObject(value: unknown): value is Record<string, JsonValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function invalidMetadata(path: string, expected: string, value: unknown): ValueError {
  return new ValueError(
    'ERR_INVALID_METADATA',
    `Expected ${path} to be ${expected} but received ${describeValue(value)}`,
  );
}
