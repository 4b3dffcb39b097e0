/**
 * Whether a CSV file's first line is a header, and which kind. Auto-detection compares the first two
 * lines column by column, as Python's csv.Sniffer.has_header does: a column whose first cell is not a
 * number while the second is a number means the first line holds names. (Testing the first line alone
 * cannot work once labels are strings: "5.1,3.5,1.4,0.2,setosa" has a non-number too.)
 *
 * One more form is recognised: scikit-learn's bundled data files (iris.csv, wine_data.csv,
 * breast_cancer.csv) start with `n_samples,n_features,class name,class name,...`, e.g.
 * `150,4,setosa,versicolor,virginica`; the class names then name the integer labels 0, 1, 2.
 */
import { DataError } from './errors';
import { parseNumber } from './number';

/** `--header`: detect, or say. */
export type HeaderMode = 'auto' | 'yes' | 'no';

/** The values `--header` takes. */
export const HEADER_MODES: readonly HeaderMode[] = ['auto', 'yes', 'no'];

/** What the first line turned out to be. */
export type Header =
  | { kind: 'none' }
  | { kind: 'names'; names: string[] }
  /** scikit-learn's form: the row and feature counts it states, and the names of the classes 0, 1, ... */
  | { kind: 'sklearn'; rows: number; features: number; classes: string[] };

const isNumber = (cell: string) => parseNumber(cell) !== undefined;

/**
 * @param first - the first record's cells
 * @param second - the second record's, if there is one
 */
export function detectHeader(
  first: readonly string[],
  second: readonly string[] | undefined,
  mode: HeaderMode,
): Header {
  if (mode === 'no') return { kind: 'none' };
  const sklearn = sklearnHeader(first, second);
  if (sklearn) return sklearn;
  if (mode === 'yes') return { kind: 'names', names: [...first] };
  const looksLikeNames =
    second === undefined
      ? first.every((cell) => !isNumber(cell))
      : first.some((cell, j) => !isNumber(cell) && second[j] !== undefined && isNumber(second[j]!));
  return looksLikeNames ? { kind: 'names', names: [...first] } : { kind: 'none' };
}

function sklearnHeader(first: readonly string[], second: readonly string[] | undefined): Header | undefined {
  if (first.length < 4 || second === undefined) return undefined;
  const [rows, features, ...classes] = first;
  const isCount = (cell: string) => /^\d+$/.test(cell);
  if (!isCount(rows!) || !isCount(features!)) return undefined;
  if (second.length !== Number(features) + 1) return undefined;
  if (classes.some((name) => name === '' || isNumber(name)) || new Set(classes).size !== classes.length)
    return undefined;
  return { kind: 'sklearn', rows: Number(rows), features: Number(features), classes };
}

/** The name of every column: the header's, or `column 1`, `column 2`... */
export function columnNames(header: Header, width: number): string[] {
  if (header.kind === 'names') return header.names.slice(0, width);
  return Array.from({ length: width }, (_, j) => `column ${j + 1}`);
}

/**
 * The header names used by more than one column, each with its columns (from 1). predict and evaluate
 * find columns by name, so two columns of one name would silently read the first one twice.
 */
export function repeatedNames(names: readonly string[]): { name: string; columns: number[] }[] {
  const columns = new Map<string, number[]>();
  names.forEach((name, j) => columns.set(name, [...(columns.get(name) ?? []), j + 1]));
  return [...columns].filter(([, at]) => at.length > 1).map(([name, at]) => ({ name, columns: at }));
}

/**
 * Refuses a header that names a column more than once: columns are found by name, so a repeated name
 * would read the first such column twice. Cells are trimmed as they are read, so " a" and "a" are one name.
 */
export function refuseRepeatedNames(header: Header, names: readonly string[], source: string, line: number): void {
  const repeated = header.kind === 'names' ? repeatedNames(names) : [];
  if (repeated.length === 0) return;
  const list = repeated
    .map(({ name, columns }) => `${JSON.stringify(name)} (columns ${columns.join(', ')})`)
    .join(', ');
  throw new DataError(
    'ERR_CSV_DUPLICATE_COLUMN',
    `${source}, line ${line}: the header names ${repeated.length === 1 ? 'a column' : 'columns'} more than once: ${list}; columns are found by name, so give each its own`,
  );
}
