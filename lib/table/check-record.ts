/**
 * A table record read from a model file, checked field by field before anything uses it: the file is
 * data, so a forged or damaged record (a class that is not a string, encoders that are not an array, a
 * mean of words) is refused by name rather than crashing later inside predict or a report.
 */
import { COLUMN_KINDS } from './infer';
import { DATE_PARTS, encodedWidth, type ColumnEncoder } from './encoders';
import type { TableSpec } from './model';

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const arrayOf = (v: unknown, item: (x: unknown) => boolean, length?: number): v is unknown[] =>
  Array.isArray(v) && (length === undefined || v.length === length) && v.every(item);

function checkEncoder(e: unknown, i: number, bad: (what: string) => Error): asserts e is ColumnEncoder {
  const at = `encoders[${i}]`;
  if (!isObject(e) || !isString(e.column)) throw bad(`${at} is not an encoder with a column name`);
  switch (e.kind) {
    case 'numeric':
      if (![e.median, e.mean, e.scale].every(isFiniteNumber) || typeof e.indicator !== 'boolean')
        throw bad(`${at} (numeric) needs finite median, mean, scale and a boolean indicator`);
      return;
    case 'categorical':
      if (
        !arrayOf(e.categories, isString) ||
        !arrayOf(e.pooled, isString) ||
        !arrayOf(e.counts, isCount, e.categories.length)
      ) {
        throw bad(`${at} (categorical) needs string categories and pooled names, and a count per category`);
      }
      if (typeof e.missing !== 'boolean' || typeof e.other !== 'boolean')
        throw bad(`${at} (categorical) needs boolean missing and other`);
      return;
    case 'date': {
      const parts = e.parts;
      if (!arrayOf(parts, (p) => (DATE_PARTS as readonly unknown[]).includes(p)))
        throw bad(`${at} (date) has unknown date parts`);
      const n = parts.length;
      if (
        !arrayOf(e.median, isFiniteNumber, n) ||
        !arrayOf(e.mean, isFiniteNumber, n) ||
        !arrayOf(e.scale, isFiniteNumber, n) ||
        typeof e.indicator !== 'boolean'
      ) {
        throw bad(`${at} (date) needs finite median, mean and scale per part and a boolean indicator`);
      }
      return;
    }
    default:
      throw bad(`${at} has an unknown kind`);
  }
}

/**
 * Checks `value` as a table record for a network of `inputs` inputs and `outputs` outputs.
 * @throws what `bad` makes, naming the first field that is wrong
 */
export function checkTableRecord(
  value: unknown,
  inputs: number,
  outputs: number,
  bad: (what: string) => Error,
): asserts value is TableSpec {
  if (!isObject(value)) throw bad('the table record is not an object');
  if (value.table !== 1)
    throw bad(`table layout ${JSON.stringify(value.table) ?? 'undefined'} is not one this blasnet reads (1)`);
  const target = value.target;
  if (!isObject(target)) throw bad('target is not an object');
  if (target.task === 'classification') {
    if (!isString(target.column)) throw bad('target.column is not a string');
    const expected = outputs === 1 ? 2 : outputs;
    if (!arrayOf(target.classes, isString, expected))
      throw bad(`target.classes is not ${expected} class names (strings) for ${outputs} outputs`);
    if (!['string', 'number', 'boolean'].includes(target.labelType as string))
      throw bad('target.labelType is not string, number or boolean');
  } else if (target.task === 'regression') {
    if (!arrayOf(target.columns, isString, outputs)) throw bad(`target.columns is not ${outputs} column names`);
    if (!arrayOf(target.mean, isFiniteNumber, outputs) || !arrayOf(target.scale, isFiniteNumber, outputs))
      throw bad('target.mean or target.scale does not match the outputs');
  } else {
    throw bad('target.task is neither classification nor regression');
  }
  if (!Array.isArray(value.encoders)) throw bad('encoders is not an array');
  value.encoders.forEach((e, i) => checkEncoder(e, i, bad));
  const width = (value.encoders as ColumnEncoder[]).reduce((sum, e) => sum + encodedWidth(e), 0);
  if (width !== inputs) throw bad(`its encoders make ${width} inputs but the network takes ${inputs}`);
  const summaryOk = (s: unknown) =>
    isObject(s) &&
    isString(s.column) &&
    (COLUMN_KINDS as readonly unknown[]).includes(s.kind) &&
    isString(s.source) &&
    isCount(s.missing) &&
    isCount(s.width) &&
    isString(s.note) &&
    (s.categories === undefined || arrayOf(s.categories, isString)) &&
    (s.parts === undefined || arrayOf(s.parts, isString)) &&
    (s.pooled === undefined || isCount(s.pooled));
  if (!arrayOf(value.columns, summaryOk)) throw bad('columns is not a list of column summaries');
  if (!arrayOf(value.missing, isString)) throw bad('missing is not a list of strings');
  if (!isCount(value.rows) || !isCount(value.skipped)) throw bad('rows or skipped is not a count');
}
