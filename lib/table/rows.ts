/**
 * The rows a user gives, in one shape: an array of plain objects (what database drivers and JSON.parse
 * return) or a parsed CSV (`{ columns, rows }`, each row an array of cells in the columns' order). Both
 * are read through {@link RowSource}, so the encoders never care which it was.
 */
import { OptionError, TableError } from '../errors';
import { describeValue } from '../validate';
import { quote } from './cells';

/** One row as an object: column name -> cell. */
export type Row = Readonly<Record<string, unknown>>;

/** A parsed CSV: the header's names and the rows' cells in that order. */
export interface ParsedTable {
  columns: readonly string[];
  rows: readonly (readonly unknown[])[];
}

/** What the table model takes: objects, or a parsed CSV. */
export type TableRows = readonly Row[] | ParsedTable;

/** Read access to rows of either shape. */
export interface RowSource {
  /** Every column name, in first-seen order. */
  readonly columns: readonly string[];
  readonly length: number;
  /** Whether some row has the column at all (a key absent from every object is a missing column). */
  has(column: string): boolean;
  /** The cell of row `i` in `column` (undefined when that row lacks it). */
  cell(i: number, column: string): unknown;
}

/**
 * Checks and wraps `rows` (named `name` in messages).
 * @throws {@link OptionError} (`ERR_TABLE_ROWS`) for anything but an array of objects or a parsed CSV;
 *   {@link TableError} (`ERR_TABLE_DUPLICATE_COLUMN`, `ERR_TABLE_RAGGED`) for a parsed CSV whose header
 *   repeats a name or whose row has the wrong number of cells
 */
export function rowSource(rows: unknown, name = 'rows'): RowSource {
  if (Array.isArray(rows)) return objectSource(rows, name);
  if (
    typeof rows === 'object' &&
    rows !== null &&
    Array.isArray((rows as ParsedTable).columns) &&
    Array.isArray((rows as ParsedTable).rows)
  ) {
    return tableSource(rows as ParsedTable, name);
  }
  throw new OptionError(
    'ERR_TABLE_ROWS',
    name,
    'an array of objects or a parsed CSV ({ columns, rows })',
    describeValue(rows),
  );
}

function objectSource(rows: readonly unknown[], name: string): RowSource {
  const columns: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (typeof row !== 'object' || row === null || Array.isArray(row) || row instanceof Date) {
      throw new OptionError(
        'ERR_TABLE_ROWS',
        `${name}[${i}]`,
        'a plain object (column name -> cell)',
        describeValue(row),
      );
    }
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  const objects = rows as readonly Row[];
  return {
    columns,
    length: objects.length,
    has: (column) => seen.has(column),
    cell: (i, column) => (Object.prototype.hasOwnProperty.call(objects[i], column) ? objects[i]![column] : undefined),
  };
}

function tableSource(table: ParsedTable, name: string): RowSource {
  const index = new Map<string, number>();
  table.columns.forEach((column, j) => {
    if (typeof column !== 'string')
      throw new OptionError('ERR_TABLE_ROWS', `${name}.columns[${j}]`, 'a string', describeValue(column));
    if (index.has(column)) {
      throw new TableError(
        'ERR_TABLE_DUPLICATE_COLUMN',
        `${name} names the column ${quote(column)} twice (columns ${index.get(column)! + 1} and ${j + 1})`,
        { column },
      );
    }
    index.set(column, j);
  });
  table.rows.forEach((row, i) => {
    if (!Array.isArray(row))
      throw new OptionError('ERR_TABLE_ROWS', `${name}.rows[${i}]`, 'an array of cells', describeValue(row));
    if (row.length !== table.columns.length) {
      throw new TableError(
        'ERR_TABLE_RAGGED',
        `${name}.rows[${i}] has ${row.length} cells but there are ${table.columns.length} columns`,
        { row: i },
      );
    }
  });
  return {
    columns: [...table.columns],
    length: table.rows.length,
    has: (column) => index.has(column),
    cell: (i, column) => {
      const j = index.get(column);
      return j === undefined ? undefined : table.rows[i]![j];
    },
  };
}
