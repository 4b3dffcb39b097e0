/**
 * The target column(s): classification or regression decided as a person would (labels written as words
 * or booleans, or a few distinct whole numbers, are classes; other numbers are quantities), the classes
 * ordered as scikit-learn's LabelEncoder orders them (numbers by value, words by code point), and the
 * labels given back in the target's own terms (a number column's classes come back as numbers).
 */
import { OptionError, TableError } from '../errors';
import { categoryOf, isMissing, numberOf, quote, type MissingSet } from './cells';
import type { Task } from './network-plan';
import type { RowSource } from './rows';

/** At most this many distinct whole numbers make a classification target (fewer than half the rows, too). */
export const MAX_INTEGER_CLASSES = 20;

/** A label in the target's own terms. */
export type Label = string | number | boolean;

/** A fitted classification target. */
export interface ClassTarget {
  task: 'classification';
  column: string;
  /** Class keys, indexed by class. */
  classes: string[];
  /** How labels are given back: the type the training cells had. */
  labelType: 'string' | 'number' | 'boolean';
}

/** A fitted regression target: one or more numeric columns, each standardised for training. */
export interface RegressionTarget {
  task: 'regression';
  columns: string[];
  mean: number[];
  scale: number[];
}

export type TargetEncoder = ClassTarget | RegressionTarget;

/** The key of a class label: numbers (and numeric strings) by value, so "1", "1.0" and 1 are one class. */
export function classKey(value: unknown): string {
  const n = numberOf(value);
  return n !== undefined ? String(n) : categoryOf(value);
}

/** A class key back in the target's terms. */
export function labelOf(key: string, target: ClassTarget): Label {
  if (target.labelType === 'number') return Number(key);
  if (target.labelType === 'boolean') return key === 'true';
  return key;
}

/** The rows (of `indices`) whose every target cell is present. */
export function rowsWithTarget(
  source: RowSource,
  columns: readonly string[],
  missing: MissingSet,
): { kept: number[]; skipped: number } {
  const kept: number[] = [];
  for (let i = 0; i < source.length; i++) {
    if (columns.every((c) => !isMissing(source.cell(i, c), missing))) kept.push(i);
  }
  return { kept, skipped: source.length - kept.length };
}

/**
 * Fits the target on rows `indices` (all with a target).
 * @throws {@link TableError} (`ERR_TABLE_ONE_CLASS`) for a classification target with one class;
 *   (`ERR_TABLE_NOT_NUMERIC`) for a regression target cell that is not a number;
 *   {@link OptionError} (`ERR_TABLE_OPTION`) for `task: 'classification'` with several targets
 */
export function fitTarget(
  source: RowSource,
  columns: readonly string[],
  indices: readonly number[],
  task: Task | undefined,
): TargetEncoder {
  if (columns.length > 1) {
    if (task === 'classification') {
      throw new OptionError(
        'ERR_TABLE_OPTION',
        'options.task',
        "'regression' (several targets are regression targets)",
        "'classification'",
      );
    }
    return fitRegression(source, columns, indices);
  }
  const column = columns[0]!;
  const cells = indices.map((i) => source.cell(i, column));
  const numbers = cells.map(numberOf);
  const allNumbers = numbers.every((n) => n !== undefined);
  if (task === 'regression' || (task === undefined && allNumbers && !fewWholeNumbers(numbers as number[]))) {
    return fitRegression(source, columns, indices);
  }
  const keys = [...new Set(cells.map(classKey))];
  if (allNumbers) keys.sort((a, b) => Number(a) - Number(b));
  else keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (keys.length < 2) {
    throw new TableError(
      'ERR_TABLE_ONE_CLASS',
      `The target ${quote(column)} holds one class (${quote(keys[0] ?? '')}) in every training row: there is nothing to learn`,
      { column },
    );
  }
  const labelType = cells.every((c) => typeof c === 'boolean') ? 'boolean' : allNumbers ? 'number' : 'string';
  return { task: 'classification', column, classes: keys, labelType };
}

function fewWholeNumbers(numbers: number[]): boolean {
  const distinct = new Set(numbers).size;
  return numbers.every(Number.isInteger) && distinct <= MAX_INTEGER_CLASSES && distinct * 2 <= numbers.length;
}

/** Row i's regression target in `column`, as a number; a cell that is not one is refused. */
function targetNumber(source: RowSource, i: number, column: string): number {
  const value = source.cell(i, column);
  const n = numberOf(value);
  if (n === undefined) {
    throw new TableError(
      'ERR_TABLE_NOT_NUMERIC',
      `Row ${i}, target ${quote(column)}: a regression target must be a number but found ${quote(value)}`,
      { column, row: i },
    );
  }
  return n;
}

function fitRegression(source: RowSource, columns: readonly string[], indices: readonly number[]): RegressionTarget {
  const mean: number[] = [];
  const scale: number[] = [];
  for (const column of columns) {
    let sum = 0;
    const values = indices.map((i) => {
      const n = targetNumber(source, i, column);
      sum += n;
      return n;
    });
    const m = sum / values.length;
    const deviation = Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / values.length);
    if (!Number.isFinite(m) || !Number.isFinite(deviation)) {
      throw new TableError(
        'ERR_TABLE_NOT_FINITE',
        `The target ${quote(column)} holds values too large to standardise in float64 (their sum or spread overflows); rescale it first`,
        { column },
      );
    }
    mean.push(m);
    scale.push(deviation > 0 ? deviation : 1);
  }
  return { task: 'regression', columns: [...columns], mean, scale };
}

/** Each row's class index, or -1 for a label that is not one of the classes. */
export function classIndices(source: RowSource, target: ClassTarget, indices: readonly number[]): Int32Array {
  const index = new Map(target.classes.map((c, k) => [c, k]));
  return Int32Array.from(indices, (i) => index.get(classKey(source.cell(i, target.column))) ?? -1);
}

/** Regression targets, standardised (rows x targets), or raw with `raw`. */
export function regressionValues(
  source: RowSource,
  target: RegressionTarget,
  indices: readonly number[],
  raw = false,
): Float64Array {
  const k = target.columns.length;
  const out = new Float64Array(indices.length * k);
  indices.forEach((i, r) => {
    target.columns.forEach((column, j) => {
      const n = targetNumber(source, i, column);
      out[r * k + j] = raw ? n : (n - target.mean[j]!) / target.scale[j]!;
    });
  });
  return out;
}
