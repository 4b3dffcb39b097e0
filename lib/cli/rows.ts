/**
 * A data file as raw rows for the table model, in chunks: CSV (plain or .gz, through csv.ts; the header
 * detected as header.ts detects it), `.json` (an array of objects) or `.ndjson`/`.jsonl` (one object a
 * line, streamed like CSV). Cells stay as they are in the file (strings for CSV); the table model decides
 * what they mean. Training reads every chunk; predict handles each chunk and lets it go.
 */
import { createReadStream, promises as fs } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

import type { Row } from '../table/rows';
import { fileKind } from '../input-limits';
import { displayName, MAX_RECORD_CHARS, readRecords, type CsvOptions, type CsvRecord } from './csv';
import { DataError, fileError } from './errors';
import { columnNames, detectHeader, refuseRepeatedNames, type Header, type HeaderMode } from './header';
import { parseNumber } from './number';
import type { TableLayout } from './table';

/** The input formats, by file name. */
export type InputFormat = 'csv' | 'json' | 'ndjson';

/** `.json` -> json, `.ndjson`/`.jsonl` (optionally .gz) -> ndjson, anything else CSV. */
export function inputFormat(file: string): InputFormat {
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.ndjson') || name.endsWith('.jsonl')) return 'ndjson';
  return 'csv';
}

/** A chunk of rows: objects (JSON) or cells in `layout.names` order (CSV), with each row's line. */
export interface RowChunk {
  rows: Row[] | { columns: string[]; rows: string[][] };
  lines: number[];
}

/** How to read: CSV options, the header mode and the chunk size. */
export interface RowOptions extends CsvOptions {
  header?: HeaderMode;
  chunkRows?: number;
}

/**
 * The file's rows in chunks; `onLayout` is called once the columns are known, before the first chunk.
 * @throws {@link DataError} for an empty file, a ragged CSV row (line and both counts), JSON that does not
 *   parse or is not objects (line)
 */
export async function* readRowChunks(
  file: string,
  options: RowOptions,
  onLayout: (layout: TableLayout) => void,
): AsyncGenerator<RowChunk> {
  const chunkRows = Math.max(1, options.chunkRows ?? 4096);
  const format = inputFormat(file);
  if (format === 'json') {
    const rows = await readJsonArray(file);
    onLayout(objectLayout(file, rows));
    for (let start = 0; start < rows.length; start += chunkRows) {
      const part = rows.slice(start, start + chunkRows);
      yield { rows: part, lines: part.map((_, i) => start + i + 1) };
    }
    return;
  }
  if (format === 'ndjson') {
    yield* readNdjson(file, chunkRows, onLayout);
    return;
  }
  yield* readCsvChunks(file, options, chunkRows, onLayout);
}

/** Every row in one chunk, with the layout. */
export async function readAllRows(file: string, options: RowOptions): Promise<RowChunk & { layout: TableLayout }> {
  let layout: TableLayout | undefined;
  const objects: Row[] = [];
  const cells: string[][] = [];
  const lines: number[] = [];
  for await (const chunk of readRowChunks(file, { ...options, chunkRows: 1 << 16 }, (l) => (layout = l))) {
    if (Array.isArray(chunk.rows)) objects.push(...chunk.rows);
    else cells.push(...chunk.rows.rows);
    lines.push(...chunk.lines);
  }
  const rows = inputFormat(file) === 'csv' ? { columns: layout!.names, rows: cells } : objects;
  return { layout: layout!, rows, lines };
}

function objectLayout(file: string, rows: readonly Row[]): TableLayout {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const row of rows)
    for (const key of Object.keys(row)) {
      if (!seen.has(key)) {
        seen.add(key);
        names.push(key);
      }
    }
  return { file, header: { kind: 'names', names }, names, width: names.length, widthLine: 1 };
}

function checkObject(value: unknown, file: string, line: number): Row {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DataError(
      'ERR_JSON_ROW',
      `${displayName(file)}, ${line === 0 ? 'the file' : `line ${line}`}: expected an object (column name -> value) but found ${Array.isArray(value) ? 'an array' : (JSON.stringify(value)?.slice(0, 40) ?? String(value))}`,
    );
  }
  return value as Row;
}

/**
 * Refuses what is not a regular file, as csv.ts does for CSV: an endless source (/dev/zero) or a FIFO
 * nobody writes to would never end; stdin is `-`.
 */
async function checkRegularFile(file: string): Promise<void> {
  if (file === '-') return;
  let kind: string | undefined;
  let directory = false;
  try {
    const stats = await fs.stat(file);
    kind = fileKind(stats);
    directory = stats.isDirectory();
  } catch (error) {
    throw fileError(error, file);
  }
  if (kind !== undefined) {
    throw new DataError(
      'ERR_CLI_FILE',
      `cannot read ${file}: it is ${kind}${directory ? '' : ', not a regular file (to read a pipe, give - and redirect it to stdin)'}`,
    );
  }
}

async function readText(file: string): Promise<string> {
  await checkRegularFile(file);
  try {
    if (file === '-') {
      const parts: Buffer[] = [];
      for await (const part of process.stdin) parts.push(part as Buffer);
      return Buffer.concat(parts).toString('utf8');
    }
    return (await fs.readFile(file)).toString('utf8');
  } catch (error) {
    throw fileError(error, file);
  }
}

async function readJsonArray(file: string): Promise<Row[]> {
  const text = await readText(file);
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new DataError('ERR_JSON_SYNTAX', `${displayName(file)} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value))
    throw new DataError(
      'ERR_JSON_ROW',
      `${displayName(file)}: expected an array of objects (one per row) but found ${typeof value === 'object' && value !== null ? 'an object' : typeof value}`,
    );
  if (value.length === 0) throw new DataError('ERR_CSV_EMPTY', `${displayName(file)} holds no rows`);
  value.forEach((row, i) => checkObject(row, file, i + 1));
  return value as Row[];
}

async function* readNdjson(
  file: string,
  chunkRows: number,
  onLayout: (layout: TableLayout) => void,
): AsyncGenerator<RowChunk> {
  await checkRegularFile(file);
  const raw = file === '-' ? process.stdin : createReadStream(file);
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let chunk: Row[] = [];
  let numbers: number[] = [];
  let line = 0;
  let announced = false;
  try {
    for await (const text of lines) {
      line++;
      if (text.trim() === '') continue;
      // The same bound on a row as CSV's (csv.ts): a line no table row needs is refused, not parsed.
      if (text.length > MAX_RECORD_CHARS) {
        throw new DataError(
          'ERR_CSV_RECORD_TOO_LARGE',
          `${displayName(file)}, line ${line}: a row of more than ${MAX_RECORD_CHARS} characters, more than blasnet reads (is it NDJSON?)`,
        );
      }
      if (text.includes('\u0000'))
        throw new DataError(
          'ERR_CSV_BINARY',
          `${displayName(file)} is not NDJSON text: it holds NUL bytes (a binary file?)`,
        );
      let value: unknown;
      try {
        value = JSON.parse(line === 1 ? text.replace(/^\uFEFF/, '') : text);
      } catch (error) {
        throw new DataError(
          'ERR_JSON_SYNTAX',
          `${displayName(file)}, line ${line}: not valid JSON (${(error as Error).message})`,
        );
      }
      chunk.push(checkObject(value, file, line));
      numbers.push(line);
      if (chunk.length >= chunkRows) {
        if (!announced) {
          onLayout(objectLayout(file, chunk));
          announced = true;
        }
        yield { rows: chunk, lines: numbers };
        chunk = [];
        numbers = [];
      }
    }
  } finally {
    lines.close();
    if (raw !== process.stdin) raw.destroy();
  }
  if (!announced && chunk.length === 0) throw new DataError('ERR_CSV_EMPTY', `${displayName(file)} holds no rows`);
  if (!announced) onLayout(objectLayout(file, chunk));
  if (chunk.length > 0) yield { rows: chunk, lines: numbers };
}

/** Records read ahead to recognise a header line. */
const LOOK_AHEAD = 20;

/**
 * A first line of names, seen down the columns as csv.Sniffer does over several rows: some column has a
 * word on the first line and a number in most of the rows below it (the row right below may be missing
 * or a word, which is what the two-line rule cannot see past).
 */
function namesByColumn(first: readonly string[], below: readonly CsvRecord[]): boolean {
  const isNumber = (cell: string | undefined) => cell !== undefined && parseNumber(cell) !== undefined;
  return first.some((cell, j) => {
    if (cell === '' || isNumber(cell)) return false;
    const numbers = below.filter((r) => isNumber(r.cells[j])).length;
    return numbers * 2 > below.length;
  });
}

async function* readCsvChunks(
  file: string,
  options: RowOptions,
  chunkRows: number,
  onLayout: (layout: TableLayout) => void,
): AsyncGenerator<RowChunk> {
  const name = displayName(file);
  const records = readRecords(file, options);
  try {
    const first = await records.next();
    if (first.done) throw new DataError('ERR_CSV_EMPTY', `${name} holds no rows`);
    const second = await records.next();
    // A few more records, for a header that the second line alone cannot reveal (its cells missing or words).
    const ahead: CsvRecord[] = [];
    if (!second.done) {
      for (let k = 0; k < LOOK_AHEAD; k++) {
        const next = await records.next();
        if (next.done) break;
        ahead.push(next.value);
      }
    }
    let header: Header = detectHeader(
      first.value.cells,
      second.done ? undefined : second.value.cells,
      options.header ?? 'auto',
    );
    if (
      header.kind === 'none' &&
      (options.header ?? 'auto') === 'auto' &&
      !second.done &&
      namesByColumn(first.value.cells, [second.value, ...ahead])
    ) {
      header = { kind: 'names', names: [...first.value.cells] };
    }
    const firstRow: CsvRecord | undefined =
      header.kind === 'none' ? first.value : second.done ? undefined : second.value;
    if (firstRow === undefined) throw new DataError('ERR_CSV_EMPTY', `${name} holds a header line but no data rows`);
    const widthRecord = header.kind === 'names' ? first.value : firstRow;
    const layout: TableLayout = {
      file,
      header,
      names: columnNames(header, widthRecord.cells.length),
      width: widthRecord.cells.length,
      widthLine: widthRecord.line,
    };
    refuseRepeatedNames(header, layout.names, name, widthRecord.line);
    onLayout(layout);
    let rows: string[][] = [];
    let lines: number[] = [];
    const take = (record: CsvRecord): void => {
      if (record.cells.length !== layout.width) {
        throw new DataError(
          'ERR_CSV_RAGGED',
          `${name}, line ${record.line}: expected ${layout.width} cells (as line ${layout.widthLine} has) but found ${record.cells.length}`,
        );
      }
      rows.push(record.cells);
      lines.push(record.line);
    };
    take(firstRow);
    if (header.kind === 'none' && !second.done) take(second.value);
    for (const record of ahead) {
      if (rows.length >= chunkRows) {
        yield { rows: { columns: layout.names, rows }, lines };
        rows = [];
        lines = [];
      }
      take(record);
    }
    for await (const record of records) {
      if (rows.length >= chunkRows) {
        yield { rows: { columns: layout.names, rows }, lines };
        rows = [];
        lines = [];
      }
      take(record);
    }
    if (rows.length > 0) yield { rows: { columns: layout.names, rows }, lines };
  } finally {
    await records.return(undefined);
  }
}
