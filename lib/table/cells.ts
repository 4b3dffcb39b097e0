/**
 * One cell of a raw row, as a user has it (a CSV string, or what `pg`, `mysql2`, `better-sqlite3` or
 * `JSON.parse` put in an object): is it missing, is it a number, a date, a word? Every other file of the
 * table layer asks these questions here, so a cell means the same thing when fitting and predicting.
 */

/**
 * The spellings of a missing cell, matched exactly (case-sensitive, after trimming spaces): the empty
 * string, `NA`, `N/A`, `NaN`, `?`, `null` and `none`. `null`, `undefined`, `NaN` and a key absent from a
 * row are always missing, whatever the spellings. Case-sensitive on purpose: `None` is a real category
 * in some data sets (the FAA bird-strike file's "damage: None"); give `missing` to change the list.
 */
export const DEFAULT_MISSING: readonly string[] = ['', 'NA', 'N/A', 'NaN', '?', 'null', 'none'];

/** Decimal notation as people write it (not "0x1A", "Infinity" or "" that Number() would also take). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * ISO 8601 dates and timestamps: `2024-03-05`, `2024-03-05T14:30`, `2024-03-05 14:30:15.250`, with an
 * optional `Z` or `+01:00` offset. Without an offset the time is read as UTC, so a model gives the same
 * date parts on every machine whatever its time zone.
 */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** A set of missing spellings, for quick lookups. */
export type MissingSet = ReadonlySet<string>;

/** Whether `value` is a missing cell. */
export function isMissing(value: unknown, missing: MissingSet): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'number') return Number.isNaN(value);
  if (typeof value === 'string') return missing.has(value.trim());
  if (value instanceof Date) return Number.isNaN(value.getTime());
  return false;
}

/** The number in a cell (a finite number, or a string of decimal notation), else undefined. */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (!DECIMAL.test(trimmed)) return undefined;
    const n = Number(trimmed);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Milliseconds since 1970 (UTC) of a `Date` or an ISO string, else undefined. */
export function timeOf(value: unknown): number | undefined {
  if (value instanceof Date) {
    const t = value.getTime();
    return Number.isNaN(t) ? undefined : t;
  }
  if (typeof value !== 'string') return undefined;
  const m = ISO_DATE.exec(value.trim());
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second, fraction, zone] = [m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]];
  const ms = fraction === undefined ? 0 : Math.round(Number(`0.${fraction}`) * 1000);
  const t = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour ?? 0),
    Number(minute ?? 0),
    Number(second ?? 0),
    ms,
  );
  const check = new Date(t);
  // 2024-02-31 would silently become March 2nd: refuse dates that do not exist.
  if (check.getUTCMonth() !== Number(month) - 1 || check.getUTCDate() !== Number(day)) return undefined;
  if (zone === undefined || zone === 'Z') return t;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return t - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/**
 * The category a cell stands for: strings as written, booleans as `true`/`false`, numbers in their
 * shortest form (`1` for 1 and 1.0 given as numbers; the strings "1" and "1.0" stay two categories, as
 * written), dates as ISO strings. Two cells are the same category exactly when their keys are equal.
 */
export function categoryOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A cell, column name or label for a message or a report: JSON-quoted (so quotes, newlines and control
 * characters are escaped) and cut to `max` characters. */
export function quote(value: unknown, max = 60): string {
  const text = typeof value === 'string' ? value : categoryOf(value);
  const cut = text.length > max ? `${text.slice(0, max - 3)}...` : text;
  return JSON.stringify(cut);
}

/** What a cell looks like, for inferring its column's kind. */
export type CellShape = 'missing' | 'number' | 'boolean' | 'date' | 'text';

/** The shape of one cell. */
export function shapeOf(value: unknown, missing: MissingSet): CellShape {
  if (isMissing(value, missing)) return 'missing';
  if (typeof value === 'boolean') return 'boolean';
  if (numberOf(value) !== undefined) return 'number';
  if (timeOf(value) !== undefined) return 'date';
  return 'text';
}
