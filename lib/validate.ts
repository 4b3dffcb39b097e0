/**
 * Checks for the public API, in one voice: every failure names the argument, what was expected and what
 * was received ("Expected options.batchSize to be a positive integer but received 0 (number)"). The raw
 * input is described, never a derived value.
 */
import { ShapeError, ValueError, type BlasnetErrorCode } from './errors';

/** A short, safe description of any value for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return `${value} (number)`;
  if (typeof value === 'string')
    return `${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)} (string)`;
  if (typeof value === 'boolean' || typeof value === 'bigint') return `${String(value)} (${typeof value})`;
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) {
    const tag = Object.prototype.toString.call(value).slice(8, -1);
    return `a ${tag}${'length' in value ? ` of length ${(value as unknown as { length: number }).length}` : ''}`;
  }
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

export function invalid(code: BlasnetErrorCode, name: string, expected: string, value: unknown): ValueError {
  return new ValueError(code, `Expected ${name} to be ${expected} but received ${describeValue(value)}`);
}

/** An integer in [min, max]. */
export function integerIn(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER
        ? min === 1
          ? 'a positive integer'
          : `an integer >= ${min}`
        : `an integer from ${min} to ${max}`;
    throw invalid('ERR_INVALID_ARGUMENT', name, range, value);
  }
  return value;
}

/** A finite number greater than 0. */
export function positiveNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalid('ERR_INVALID_ARGUMENT', name, 'a finite number greater than 0', value);
  }
  return value;
}

/** A finite number in [min, max]. */
export function numberIn(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw invalid('ERR_INVALID_ARGUMENT', name, `a finite number from ${min} to ${max}`, value);
  }
  return value;
}

/**
 * Options objects: a plain object (or undefined) whose keys are all known. Unknown keys are rejected so a
 * typo ("learningrate") fails loudly instead of silently training with the default; the message suggests
 * the closest known name.
 */
export function optionsObject<K extends string>(
  name: string,
  value: unknown,
  known: readonly K[],
): Partial<Record<K, unknown>> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('ERR_INVALID_ARGUMENT', name, 'an object', value);
  }
  for (const key of Object.keys(value)) {
    if (!(known as readonly string[]).includes(key)) {
      const suggestion = closest(key, known);
      throw new ValueError(
        'ERR_UNKNOWN_OPTION',
        `Unknown option ${name}.${key}${suggestion ? ` (did you mean ${suggestion}?)` : ''}; known options: ${known.join(', ')}`,
      );
    }
  }
  return value as Partial<Record<K, unknown>>;
}

/** The known name nearest to `word` by edit distance, if it is near enough to be a likely typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export function shapeMismatch(message: string): ShapeError {
  return new ShapeError('ERR_SHAPE_MISMATCH', message);
}
