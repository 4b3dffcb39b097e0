/**
 * CSV records from a file (`.gz` decompressed on the fly) or stdin (`-`), one at a time, through
 * csv-parse's streaming parser: quoted fields, CRLF line ends and a byte-order mark are handled, and
 * memory stays bounded however large the file is (the async iterator pulls, so the file is read only as
 * fast as records are used).
 */
import { promises as fs } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { parse } from 'csv-parse';

import { DataError, fileError } from './errors';

/** One record: its cells (trimmed) and the line it ends on (from 1), for error messages. */
export interface CsvRecord {
  cells: string[];
  line: number;
}

/** How to read the file. */
export interface CsvOptions {
  /** The field separator. Default `,`. */
  delimiter?: string;
}

/** The file name as messages show it. */
export function displayName(file: string): string {
  return file === '-' ? 'stdin' : file;
}

/**
 * Opens `file` first, so that a missing or unreadable file is reported at once, by name, rather than
 * from inside the stream.
 */
async function openSource(file: string): Promise<Readable> {
  if (file === '-') return process.stdin;
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
    const stats = await handle.stat();
    if (stats.isDirectory()) {
      await handle.close();
      throw new DataError('ERR_CLI_FILE', `cannot read ${file}: it is a directory`);
    }
  } catch (error) {
    throw fileError(error, file);
  }
  return handle.createReadStream({ highWaterMark: 1 << 16 });
}

/**
 * The file's records, in order. Empty lines are skipped; rows of differing length are passed on (the
 * caller names the line and the counts).
 * @throws {@link DataError} for a file that cannot be opened, is not valid gzip, or is not valid CSV
 *   (an unclosed quote...), naming the file and, where csv-parse knows it, the line
 */
export async function* readRecords(file: string, options: CsvOptions = {}): AsyncGenerator<CsvRecord> {
  const source = await openSource(file);
  const parser = parse({
    delimiter: options.delimiter ?? ',',
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
  });
  const stages: NodeJS.ReadWriteStream[] = file.endsWith('.gz') ? [createGunzip()] : [];
  // pipeline destroys every stage with the first error, so the iteration below throws it.
  pipeline([source, ...stages, parser], () => undefined);
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { cells: item.record, line: item.info.lines };
    }
  } catch (error) {
    throw describeReadError(error, file);
  } finally {
    // An early return (the caller stopped on an error of its own) must not leave the file open.
    parser.destroy();
    if (source !== process.stdin) source.destroy();
  }
}

function describeReadError(error: unknown, file: string): unknown {
  if (error instanceof DataError) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message;
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') {
    return new DataError('ERR_CLI_GZIP', `cannot read ${displayName(file)}: it is not valid gzip (${message})`, { cause: error });
  }
  if (typeof code === 'string' && code.startsWith('CSV_')) {
    return new DataError('ERR_CSV_SYNTAX', `${displayName(file)} is not valid CSV: ${message}`, { cause: error });
  }
  return fileError(error, displayName(file));
}
