/**
 * A seeded train/test split of raw rows, stratified by the target's class when the target holds classes
 * (as scikit-learn's train_test_split(stratify=y)): the CLI's hold-out, and the bench's.
 */
import { trainTestSplit } from '../data';
import { OptionError } from '../errors';
import { describeValue } from '../validate';
import { DEFAULT_MISSING, isMissing, numberOf } from './cells';
import { rowSource, type Row, type TableRows } from './rows';
import { classKey, MAX_INTEGER_CLASSES } from './target';

/** Options of {@link splitRows}. */
export interface SplitRowsOptions {
  /** The target column: stratify by its classes (words, or few whole numbers). */
  target?: string;
  /** The held-out fraction, in (0, 1). Default 0.2. */
  testFraction?: number;
  seed?: number;
  missing?: readonly string[];
}

/** The rows split into a training and a test part (each an array of objects, in the original order). */
export function splitRows(rows: TableRows, options: SplitRowsOptions = {}): { train: Row[]; test: Row[] } {
  const source = rowSource(rows);
  const missing = new Set(options.missing ?? DEFAULT_MISSING);
  const objects: Row[] = Array.from({ length: source.length }, (_, i) =>
    Object.fromEntries(source.columns.map((c) => [c, source.cell(i, c)])),
  );
  let stratify: Int32Array | undefined;
  if (options.target !== undefined) {
    if (!source.has(options.target))
      throw new OptionError(
        'ERR_TABLE_TARGET',
        'options.target',
        'a column of the rows',
        describeValue(options.target),
      );
    stratify = classLabels(
      objects.map((r) => r[options.target!]),
      missing,
    );
  }
  const split = trainTestSplit(source.length, {
    testFraction: options.testFraction ?? 0.2,
    seed: options.seed ?? 1,
    ...(stratify ? { stratify } : {}),
  });
  return { train: Array.from(split.train, (i) => objects[i]!), test: Array.from(split.test, (i) => objects[i]!) };
}

/**
 * One class index per cell when the cells hold classes (words, or few whole numbers: the table model's
 * rule), in first-seen order with missing cells a class of their own; undefined for a quantity. What
 * {@link splitRows} and tune's folds stratify by.
 */
export function classLabels(cells: readonly unknown[], missing: ReadonlySet<string>): Int32Array | undefined {
  const numbers = cells.filter((c) => !isMissing(c, missing)).map(numberOf);
  const distinct = new Set(numbers);
  const classes =
    numbers.some((n) => n === undefined) ||
    (numbers.every((n) => Number.isInteger(n)) &&
      distinct.size <= MAX_INTEGER_CLASSES &&
      distinct.size * 2 <= numbers.length);
  if (!classes) return undefined;
  const keys = new Map<string, number>();
  return Int32Array.from(cells, (c) => {
    const key = isMissing(c, missing) ? '\u0000missing' : classKey(c);
    if (!keys.has(key)) keys.set(key, keys.size);
    return keys.get(key)!;
  });
}
