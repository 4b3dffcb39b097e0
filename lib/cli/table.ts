/**
 * A CSV file as numeric feature rows and target cells, chunk by chunk: the header is detected, the
 * caller chooses the columns once it is known, then every row is checked (its length, each feature cell
 * a number) and converted into one matrix. Only `blasnet tune` reads files this way now (numeric features);
 * train, predict and evaluate read rows for the table model (rows.ts).
 */
import { Matrix } from '../matrix';
import { displayName, readRecords, type CsvOptions, type CsvRecord } from './csv';
import { DataError } from './errors';
import { columnNames, detectHeader, refuseRepeatedNames, type Header, type HeaderMode } from './header';
import { parseNumber } from './number';

/** What is known once the first lines are read. */
export interface TableLayout {
  file: string;
  header: Header;
  /** Every column's name (`column 3` without a header). */
  names: string[];
  /** Cells per row. */
  width: number;
  /** The line that fixed the width (the header, or the first data row), for the ragged-row message. */
  widthLine: number;
}

/** The columns a command reads: features in the order the network takes them, and the target, if any. */
export interface ColumnPlan {
  features: number[];
  target?: number;
  /** Added to the message about a non-numeric cell in the first data row (e.g. "is it the target?"). */
  firstRowHint?: (column: number) => string | undefined;
}

/** Rows read: features (rows x features), target cells (when the plan has a target) and their lines. */
export interface TableChunk {
  features: Matrix;
  targets: string[];
  lines: number[];
}

/** How to read a table: the CSV options, the header mode and the chunk size. */
export interface TableOptions extends CsvOptions {
  header?: HeaderMode;
  /** Rows per chunk. Default 4096. */
  chunkRows?: number;
}

/**
 * Reads `file` in chunks. `choose` is called once, with the layout, before the first row is converted.
 * @throws {@link DataError} for an empty file, a row with the wrong number of cells (line and both
 *   counts), a feature cell that is not a number (line, column, name and value), an empty target cell
 */
export async function* readTableChunks(
  file: string,
  options: TableOptions,
  choose: (layout: TableLayout) => ColumnPlan,
): AsyncGenerator<TableChunk> {
  const name = displayName(file);
  const chunkRows = Math.max(2, options.chunkRows ?? 4096);
  const records = readRecords(file, options);
  try {
    const first = await records.next();
    if (first.done) throw new DataError('ERR_CSV_EMPTY', `${name} holds no rows`);
    const second = await records.next();
    const header = detectHeader(first.value.cells, second.done ? undefined : second.value.cells, options.header ?? 'auto');
    const headerLine = header.kind === 'none' ? undefined : first.value;
    const firstRow: CsvRecord | undefined = header.kind === 'none' ? first.value : second.done ? undefined : second.value;
    if (firstRow === undefined) throw new DataError('ERR_CSV_EMPTY', `${name} holds a header line but no data rows`);
    const widthRecord = header.kind === 'names' ? headerLine! : firstRow;
    const layout: TableLayout = {
      file,
      header,
      names: columnNames(header, widthRecord.cells.length),
      width: widthRecord.cells.length,
      widthLine: widthRecord.line,
    };
    refuseRepeatedNames(header, layout.names, name, widthRecord.line);
    const plan = choose(layout);
    const featureCount = plan.features.length;
    let buffer = new Float64Array(chunkRows * featureCount);
    let targets: string[] = [];
    let lines: number[] = [];
    let isFirstRow = true;

    const convert = (record: CsvRecord): void => {
      const { cells, line } = record;
      if (cells.length !== layout.width) {
        throw new DataError(
          'ERR_CSV_RAGGED',
          `${name}, line ${line}: expected ${layout.width} cells (as line ${layout.widthLine} has) but found ${cells.length}`,
        );
      }
      const base = lines.length * featureCount;
      for (let k = 0; k < featureCount; k++) {
        const column = plan.features[k]!;
        const value = parseNumber(cells[column]!);
        if (value === undefined) {
          const cell = cells[column]!;
          // A word in the first row is most likely a label column; a blank cell is just missing.
          throw notANumber(layout, line, column, cell, isFirstRow && cell !== '' ? plan.firstRowHint?.(column) : undefined);
        }
        buffer[base + k] = value;
      }
      if (plan.target !== undefined) {
        const target = cells[plan.target]!;
        if (target === '') {
          throw new DataError('ERR_CSV_EMPTY_TARGET', `${name}, line ${line}: the target, ${describeColumn(layout, plan.target)}, is empty`);
        }
        targets.push(target);
      }
      lines.push(line);
      isFirstRow = false;
    };
    const take = (): TableChunk => {
      const rows = lines.length;
      const chunk = { features: new Matrix(rows, featureCount, buffer.subarray(0, rows * featureCount)), targets, lines };
      buffer = new Float64Array(chunkRows * featureCount);
      targets = [];
      lines = [];
      return chunk;
    };

    convert(firstRow);
    // With a header, the second record was the first data row, converted just now.
    if (header.kind === 'none' && !second.done) convert(second.value);
    for await (const record of records) {
      if (lines.length >= chunkRows) yield take();
      convert(record);
    }
    if (lines.length > 0) yield take();
  } finally {
    // Closes the file when reading stops early (an error, or a caller that stops iterating).
    await records.return(undefined);
  }
}

/** Every row of the file in one chunk, and the layout and plan it was read with. */
export async function readTable(
  file: string,
  options: TableOptions,
  choose: (layout: TableLayout) => ColumnPlan,
): Promise<TableChunk & { layout: TableLayout; plan: ColumnPlan }> {
  let layout: TableLayout | undefined;
  let plan: ColumnPlan | undefined;
  const chunks: TableChunk[] = [];
  const remember = (given: TableLayout): ColumnPlan => {
    layout = given;
    plan = choose(given);
    return plan;
  };
  for await (const chunk of readTableChunks(file, options, remember)) chunks.push(chunk);
  const rows = chunks.reduce((sum, c) => sum + c.features.rows, 0);
  const cols = plan!.features.length;
  const features = new Matrix(rows, cols);
  let offset = 0;
  for (const chunk of chunks) {
    features.data.set(chunk.features.data, offset);
    offset += chunk.features.data.length;
  }
  return { layout: layout!, plan: plan!, features, targets: chunks.flatMap((c) => c.targets), lines: chunks.flatMap((c) => c.lines) };
}

/** `column 5 ("species")`, or `column 5` without names. */
export function describeColumn(layout: TableLayout, column: number): string {
  return layout.header.kind === 'names' ? `column ${column + 1} (${JSON.stringify(layout.names[column])})` : `column ${column + 1}`;
}

function notANumber(layout: TableLayout, line: number, column: number, cell: string, hint: string | undefined): DataError {
  const found = cell === '' ? 'an empty cell (missing values are not supported: fill or drop them first)' : JSON.stringify(cell.length > 60 ? `${cell.slice(0, 57)}...` : cell);
  return new DataError(
    'ERR_CSV_NOT_A_NUMBER',
    `${displayName(layout.file)}, line ${line}, ${describeColumn(layout, column)}: expected a number but found ${found}${hint ? `; ${hint}` : ''}`,
  );
}
