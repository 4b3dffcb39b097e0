/**
 * The check that model metadata is plain JSON data, so that what is saved is exactly what loads back:
 * JSON.stringify would quietly turn NaN into null, drop undefined, and flatten a Date or a Map.
 */
import { ValueError } from '../errors';
import { describeValue } from '../validate';
import type { JsonValue, ModelMetadata } from './description';

/** @throws {@link ValueError} (`ERR_INVALID_METADATA`) naming the first value that is not plain JSON data */
export function checkMetadata(value: unknown, name = 'metadata'): ModelMetadata {
  if (!isPlainObject(value)) throw invalidMetadata(name, 'a plain object', value);
  checkValue(value, name, new Set());
  return value as ModelMetadata;
}

function checkValue(value: unknown, path: string, open: Set<object>): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidMetadata(path, 'a finite number (JSON has no NaN or Infinity)', value);
    return;
  }
  if (Array.isArray(value) || isPlainObject(value)) {
    if (open.has(value)) throw new ValueError('ERR_INVALID_METADATA', `Expected ${path} to be JSON data but it refers back to itself (a cycle)`);
    open.add(value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) checkValue(value[i], `${path}[${i}]`, open);
    } else {
      for (const [key, item] of Object.entries(value)) checkValue(item, `${path}.${key}`, open);
    }
    open.delete(value);
    return;
  }
  throw invalidMetadata(path, 'JSON data (null, a boolean, a finite number, a string, an array or a plain object)', value);
}

function isPlainObject(value: unknown): value is Record<string, JsonValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function invalidMetadata(path: string, expected: string, value: unknown): ValueError {
  return new ValueError('ERR_INVALID_METADATA', `Expected ${path} to be ${expected} but received ${describeValue(value)}`);
}
