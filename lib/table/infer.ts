/**
 * A column's kind, inferred from its training cells as AutoGluon's feature generators do (numbers,
 * categories, dates; ID-like and constant columns dropped), unless the user named it. The rules, in the
 * order they apply (documented in docs/table.md):
 *
 * 1. no cell present (every one missing): dropped, "empty";
 * 2. one distinct value and no missing cell: dropped, "constant";
 * 3. every present cell a number (or a numeric string): numeric, unless it looks like a row key (whole
 *    numbers, all distinct, increasing, or a name such as `id`/`user_id`), which is dropped as "ID-like";
 * 4. every present cell a date (a `Date` or an ISO string): date;
 * 5. otherwise categorical, unless more than half the present cells are distinct values (at 10 or more
 *    rows): then it is ID-like (a name, a key, free text) and dropped.
 */
import { categoryOf, numberOf, shapeOf, type CellShape, type MissingSet } from './cells';
import type { RowSource } from './rows';

/** What a column becomes. `ignore`: left out. */
export type ColumnKind = 'numeric' | 'categorical' | 'date' | 'ignore';
/** Every kind, as options name them. */
export const COLUMN_KINDS: readonly ColumnKind[] = ['numeric', 'categorical', 'date', 'ignore'];

/** Why an inferred column was left out. */
export type DropReason = 'empty' | 'constant' | 'id';

/** The inferred kind and, for a dropped column, why. */
export interface Inferred {
  kind: ColumnKind;
  drop?: DropReason;
  /** For messages: how the cells looked. */
  shapes: Record<CellShape, number>;
  distinct: number;
}

/** A column name that says "I am a key". */
const ID_NAME = /^(id|key|index|uuid|guid|row|rownum|row_number)$|[_\s-](id|key|uuid)$|[a-z]Id$/i;

/** More distinct values than this fraction of the present cells makes a text column ID-like. */
export const ID_DISTINCT_FRACTION = 0.5;
/** ...at this many present cells or more (a tiny table's categories are all rare). */
export const ID_MIN_ROWS = 10;

/** Infers `column`'s kind from rows `indices` of `source`. */
export function inferKind(
  source: RowSource,
  column: string,
  indices: ArrayLike<number>,
  missing: MissingSet,
): Inferred {
  const shapes: Record<CellShape, number> = { missing: 0, number: 0, boolean: 0, date: 0, text: 0 };
  const distinct = new Set<string>();
  let increasing = true;
  let integers = true;
  let previous = -Infinity;
  for (let k = 0; k < indices.length; k++) {
    const value = source.cell(indices[k]!, column);
    const shape = shapeOf(value, missing);
    shapes[shape]++;
    if (shape === 'missing') continue;
    distinct.add(categoryOf(value));
    if (shape === 'number') {
      const n = numberOf(value)!;
      if (!Number.isInteger(n)) integers = false;
      if (n <= previous) increasing = false;
      previous = n;
    }
  }
  const present = indices.length - shapes.missing;
  const result = { shapes, distinct: distinct.size };
  if (present === 0) return { kind: 'ignore', drop: 'empty', ...result };
  if (distinct.size === 1 && shapes.missing === 0) return { kind: 'ignore', drop: 'constant', ...result };
  if (shapes.number === present) {
    const allDistinct = distinct.size === present;
    if (integers && allDistinct && present >= ID_MIN_ROWS && (increasing || ID_NAME.test(column)))
      return { kind: 'ignore', drop: 'id', ...result };
    return { kind: 'numeric', ...result };
  }
  if (shapes.date === present) return { kind: 'date', ...result };
  if (present >= ID_MIN_ROWS && distinct.size > ID_DISTINCT_FRACTION * present)
    return { kind: 'ignore', drop: 'id', ...result };
  return { kind: 'categorical', ...result };
}
