/**
 * The fitted encoders, one per kept column, as plain JSON (saved in the model file) with the code that
 * fits them on the training rows and applies them, unchanged, to any rows later: scikit-learn's
 * ColumnTransformer habit.
 *
 * - numeric: a missing cell becomes the training median and sets a 0/1 "was missing" column (only for a
 *   column that had missing cells in training, as `SimpleImputer(add_indicator=True)`); the value is then
 *   standardised with the training part's mean and population deviation (after imputation). The
 *   indicator stays 0/1.
 * - categorical: one 0/1 column per kept category, as `OneHotEncoder(handle_unknown='ignore')`: a missing
 *   cell is its own "missing" category; categories seen fewer than `minFrequency` times are pooled into
 *   one "other" column (`min_frequency`), and at most `maxCategories` columns are made (`max_categories`,
 *   "other" included: the most frequent kept, ties by first appearance). A category never seen in
 *   training (or a missing cell in a column that had none) gives all zeros.
 * - date: the parts year, month (1-12), day of month, day of week (0 = Sunday) and hour, in UTC; a part
 *   that is the same in every training row is left out. Each part is imputed and standardised as a
 *   numeric column, with one shared "was missing" indicator.
 */
import { TableError } from '../errors';
import { categoryOf, isMissing, numberOf, quote, timeOf, type MissingSet } from './cells';
import type { RowSource } from './rows';

/** A fitted numeric column. */
export interface NumericEncoder {
  kind: 'numeric';
  column: string;
  median: number;
  mean: number;
  scale: number;
  /** Whether a "was missing" column follows the value. */
  indicator: boolean;
}

/** A fitted categorical column. */
export interface CategoricalEncoder {
  kind: 'categorical';
  column: string;
  /** The kept categories, one output column each, in order. */
  categories: string[];
  /** Whether a "missing" column follows them. */
  missing: boolean;
  /** Whether an "other" column (the pooled rare categories) comes last. */
  other: boolean;
  /** The categories pooled into "other". */
  pooled: string[];
  /** Training rows per kept category (same order), for the summary. */
  counts: number[];
}

/** The date parts blasnet makes. */
export type DatePart = 'year' | 'month' | 'day' | 'weekday' | 'hour';
export const DATE_PARTS: readonly DatePart[] = ['year', 'month', 'day', 'weekday', 'hour'];

/** A fitted date column. */
export interface DateEncoder {
  kind: 'date';
  column: string;
  parts: DatePart[];
  median: number[];
  mean: number[];
  scale: number[];
  indicator: boolean;
}

export type ColumnEncoder = NumericEncoder | CategoricalEncoder | DateEncoder;

/** How categories are pooled. */
export interface CategorySettings {
  minFrequency: number;
  maxCategories: number;
}

/** Output columns of an encoder. */
export function encodedWidth(e: ColumnEncoder): number {
  switch (e.kind) {
    case 'numeric':
      return 1 + (e.indicator ? 1 : 0);
    case 'categorical':
      return e.categories.length + (e.missing ? 1 : 0) + (e.other ? 1 : 0);
    case 'date':
      return e.parts.length + (e.indicator ? 1 : 0);
  }
}

/** The names of an encoder's output columns (`color=red`, `age (missing)`), for reports. */
export function encodedNames(e: ColumnEncoder): string[] {
  switch (e.kind) {
    case 'numeric':
      return e.indicator ? [e.column, `${e.column} (missing)`] : [e.column];
    case 'categorical':
      return [
        ...e.categories.map((c) => `${e.column}=${c}`),
        ...(e.missing ? [`${e.column} (missing)`] : []),
        ...(e.other ? [`${e.column} (other)`] : []),
      ];
    case 'date':
      return [...e.parts.map((p) => `${e.column}.${p}`), ...(e.indicator ? [`${e.column} (missing)`] : [])];
  }
}

function notNumeric(column: string, row: number, value: unknown): TableError {
  return new TableError(
    'ERR_TABLE_NOT_NUMERIC',
    `Row ${row}, column ${quote(column)}: expected a number (the column is numeric) but found ${quote(value)}; declare the column categorical, or add the spelling to options.missing if it means "missing"`,
    { column, row },
  );
}

function notDate(column: string, row: number, value: unknown): TableError {
  return new TableError(
    'ERR_TABLE_NOT_DATE',
    `Row ${row}, column ${quote(column)}: expected a date (a Date or an ISO 8601 string such as 2024-03-05) but found ${quote(value)}`,
    { column, row },
  );
}

/** Median of a non-empty array (sorted in place). */
function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/** Mean and population deviation (1 when zero, as StandardScaler) of `values`. */
function moments(values: ArrayLike<number>): { mean: number; scale: number } {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i]!;
  mean /= values.length;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i]! - mean) ** 2;
  const deviation = Math.sqrt(sum / values.length);
  // An overflowing deviation stays Infinity, for the caller to refuse; only a true zero becomes 1.
  return { mean, scale: deviation > 0 || Number.isNaN(deviation) ? deviation : 1 };
}

/**
 * The cells of `column` in rows `indices`, each parsed by `parse` (a number or a time), undefined where
 * missing. The first present cell that does not parse is refused with `refuse`'s error, naming its row.
 */
function parsedCells(
  source: RowSource,
  column: string,
  indices: ArrayLike<number>,
  missing: MissingSet,
  parse: (value: unknown) => number | undefined,
  refuse: (column: string, row: number, value: unknown) => TableError,
): (number | undefined)[] {
  const cells: (number | undefined)[] = [];
  for (let k = 0; k < indices.length; k++) {
    const value = source.cell(indices[k]!, column);
    if (isMissing(value, missing)) {
      cells.push(undefined);
      continue;
    }
    const parsed = parse(value);
    if (parsed === undefined) throw refuse(column, indices[k]!, value);
    cells.push(parsed);
  }
  return cells;
}

/** Fits a numeric column on rows `indices`. @throws {@link TableError} for a cell that is not a number */
export function fitNumeric(
  source: RowSource,
  column: string,
  indices: ArrayLike<number>,
  missing: MissingSet,
): NumericEncoder {
  const cells = parsedCells(source, column, indices, missing, numberOf, notNumeric);
  const values = new Float64Array(cells.length);
  const present: number[] = [];
  const absent: number[] = [];
  cells.forEach((n, k) => {
    if (n === undefined) absent.push(k);
    else {
      values[k] = n;
      present.push(n);
    }
  });
  if (present.length === 0) throw emptyColumn(column, 'numeric');
  const med = median(present);
  for (const k of absent) values[k] = med;
  const m = moments(values);
  // Values near the float64 limit overflow the mean (1e308 + 1e308 = Infinity): refuse rather than feed NaN.
  if (!Number.isFinite(m.mean) || !Number.isFinite(m.scale)) {
    throw new TableError(
      'ERR_TABLE_NOT_FINITE',
      `Column ${quote(column)}: its values are too large to standardise in float64 (their sum or spread overflows); rescale the column first`,
      { column },
    );
  }
  return { kind: 'numeric', column, median: med, ...m, indicator: absent.length > 0 };
}

/** Fits a categorical column on rows `indices`. */
export function fitCategorical(
  source: RowSource,
  column: string,
  indices: ArrayLike<number>,
  missing: MissingSet,
  settings: CategorySettings,
): CategoricalEncoder {
  const counts = new Map<string, number>();
  let missingCount = 0;
  for (let k = 0; k < indices.length; k++) {
    const value = source.cell(indices[k]!, column);
    if (isMissing(value, missing)) missingCount++;
    else {
      const key = categoryOf(value);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  // Map iteration keeps first appearance, and the sort is stable: ties stay in that order.
  const byCount = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const frequent = byCount.filter(([, n]) => n >= settings.minFrequency);
  const missingSlot = missingCount > 0;
  let kept = frequent;
  let pooled = byCount.filter(([, n]) => n < settings.minFrequency);
  // The cap counts every output column: kept categories, "missing" and "other".
  const room = settings.maxCategories - (missingSlot ? 1 : 0);
  if (kept.length + (pooled.length > 0 ? 1 : 0) > room) {
    kept = frequent.slice(0, Math.max(0, room - 1));
    pooled = [...frequent.slice(Math.max(0, room - 1)), ...pooled];
  }
  // A lone rare category keeps its own name: pooled alone, "other" would be the same column under a vaguer
  // name (scikit-learn pools it anyway, as `infrequent_sklearn`).
  if (pooled.length === 1 && kept.length + 1 <= room) {
    kept = [...kept, pooled[0]!];
    pooled = [];
  }
  // Output order: categories sorted by code point, as OneHotEncoder sorts them, so reports read alphabetically.
  kept = [...kept].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return {
    kind: 'categorical',
    column,
    categories: kept.map(([c]) => c),
    counts: kept.map(([, n]) => n),
    missing: missingSlot,
    other: pooled.length > 0,
    pooled: pooled.map(([c]) => c).sort(),
  };
}

/** The date parts of a time (ms since 1970, UTC). */
function partsOf(t: number): Record<DatePart, number> {
  const d = new Date(t);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    weekday: d.getUTCDay(),
    hour: d.getUTCHours(),
  };
}

/** Fits a date column on rows `indices`. @throws {@link TableError} for a cell that is not a date */
export function fitDate(
  source: RowSource,
  column: string,
  indices: ArrayLike<number>,
  missing: MissingSet,
): DateEncoder {
  const times = parsedCells(source, column, indices, missing, timeOf, notDate);
  const present = times.filter((t): t is number => t !== undefined).map(partsOf);
  if (present.length === 0) throw emptyColumn(column, 'date');
  const parts = DATE_PARTS.filter((p) => present.some((v) => v[p] !== present[0]![p]));
  const encoder: DateEncoder = {
    kind: 'date',
    column,
    parts,
    median: [],
    mean: [],
    scale: [],
    indicator: present.length < times.length,
  };
  for (const part of parts) {
    const med = median(present.map((v) => v[part]));
    const values = times.map((t) => (t === undefined ? med : partsOf(t)[part]));
    const m = moments(values);
    encoder.median.push(med);
    encoder.mean.push(m.mean);
    encoder.scale.push(m.scale);
  }
  return encoder;
}

function emptyColumn(column: string, kind: string): TableError {
  return new TableError(
    'ERR_TABLE_EMPTY_COLUMN',
    `Column ${quote(column)} is declared ${kind} but every one of its training cells is missing; there is nothing to learn from it (declare it ignore)`,
    { column },
  );
}

/** Counts of what a transform met: unseen categories and missing cells, per column. */
export interface TransformCounts {
  unseen: Map<string, number>;
  missing: Map<string, number>;
}

/**
 * Writes row `row`'s encoding by `e` into `out` at `offset`. Numeric and date cells must parse (a wrong
 * type is an error naming the row); an unseen category writes zeros and is counted.
 */
export function encodeCell(
  e: ColumnEncoder,
  value: unknown,
  row: number,
  missing: MissingSet,
  out: Float64Array,
  offset: number,
  counts: TransformCounts,
  lookup: Map<string, number> | undefined,
): void {
  const absent = isMissing(value, missing);
  if (absent) counts.missing.set(e.column, (counts.missing.get(e.column) ?? 0) + 1);
  switch (e.kind) {
    case 'numeric': {
      let n = e.median;
      if (!absent) {
        const parsed = numberOf(value);
        if (parsed === undefined) throw notNumeric(e.column, row, value);
        n = parsed;
      }
      out[offset] = (n - e.mean) / e.scale;
      if (e.indicator) out[offset + 1] = absent ? 1 : 0;
      return;
    }
    case 'categorical': {
      const width = encodedWidth(e);
      for (let j = 0; j < width; j++) out[offset + j] = 0;
      if (absent) {
        if (e.missing) out[offset + e.categories.length] = 1;
        else counts.unseen.set(e.column, (counts.unseen.get(e.column) ?? 0) + 1);
        return;
      }
      const index = lookup!.get(categoryOf(value));
      if (index !== undefined) out[offset + index] = 1;
      else counts.unseen.set(e.column, (counts.unseen.get(e.column) ?? 0) + 1);
      return;
    }
    case 'date': {
      let parts: Record<DatePart, number> | undefined;
      if (!absent) {
        const t = timeOf(value);
        if (t === undefined) throw notDate(e.column, row, value);
        parts = partsOf(t);
      }
      e.parts.forEach((part, j) => {
        out[offset + j] = ((parts ? parts[part] : e.median[j]!) - e.mean[j]!) / e.scale[j]!;
      });
      if (e.indicator) out[offset + e.parts.length] = absent ? 1 : 0;
    }
  }
}

/** The category -> output column map of a categorical encoder ("other" for the pooled ones). */
export function categoryLookup(e: CategoricalEncoder): Map<string, number> {
  const map = new Map<string, number>(e.categories.map((c, j) => [c, j]));
  const otherIndex = e.categories.length + (e.missing ? 1 : 0);
  if (e.other) for (const c of e.pooled) map.set(c, otherIndex);
  return map;
}
