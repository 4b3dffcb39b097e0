/**
 * CSV records from a file (`.gz` decompressed on the fly) or stdin (`-`), one at a time, through
 * csv-parse's streaming parser: quoted fields, CRLF line ends and a byte-order mark are handled, and
 * memory stays bounded however large the file is (the async iterator pulls, so the file is read only as
 * fast as records are used).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';

import { CsvError, parse } from 'csv-parse';

import { decompressedLimit, fileKind } from '../input-limits';
import { DataError, fileError } from './errors';
import { printable } from './terminal';

/**
 * The longest record (row) read, in characters: 256 KiB, beyond any ordinary table of numbers (a
 * 25,000-column row of 10-digit cells fits), and the bound that keeps a file of one endless line from
 * filling memory. (csv-parse takes about 3 s to split a 1 MiB row, so the bound is also what a hostile
 * one-line file costs: 0.7 s.)
 */
export const MAX_RECORD_CHARS = 2 ** 18;
/** The longest cell read, in characters. */
export const MAX_CELL_CHARS = 2 ** 16;

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
 * The data file's name as a model file records it: the base name only. The directory would make a model's
 * bytes depend on where it was trained (the same seed must give the same file), and a shared model (or its
 * ONNX export, which copies the metadata) would reveal the trainer's paths.
 */
export function recordedName(file: string): string {
  return path.basename(file);
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
    const kind = fileKind(stats);
    if (kind !== undefined) {
      await handle.close();
      // Endless (/dev/zero) or never-ending (a FIFO nobody writes to) sources are refused; stdin is `-`.
      const advice = stats.isDirectory()
        ? ''
        : ', not a regular file (to read a pipe, give - and redirect it to stdin)';
      throw new DataError('ERR_CLI_FILE', `cannot read ${file}: it is ${kind}${advice}`);
    }
  } catch (error) {
    throw fileError(error, file);
  }
  return handle.createReadStream({ highWaterMark: 1 << 16 });
}

/** Counts bytes through a stream: the compressed side of a gzip bomb check. */
class Counter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

/** The line breaks in chunk from `from` on. */
function countLineBreaks(chunk: Buffer, from: number): number {
  let count = 0;
  for (let at = chunk.indexOf(10, from); at >= 0; at = chunk.indexOf(10, at + 1)) count++;
  return count;
}

/**
 * The text side: refuses NUL bytes (a binary file, not CSV text), and decompressed data that outgrows
 * its compressed size (see input-limits.ts).
 */
class TextGuard extends Transform {
  private bytes = 0;
  constructor(
    private readonly file: string,
    private readonly compressed: Counter | undefined,
  ) {
    super();
  }
  /** Bytes since the last line break, and line breaks so far. */
  private lineBytes = 0;
  private lines = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (chunk.includes(0)) {
      done(
        new DataError(
          'ERR_CSV_BINARY',
          `${displayName(this.file)} is not CSV text: it holds NUL bytes (a binary file?)`,
        ),
      );
      return;
    }
    // A line longer than any record may be is refused here, as it streams (csv-parse's own bound,
    // max_record_size, is checked too, but only after the parser has split megabytes into cells). Lines
    // within one chunk are shorter than a chunk (64 KiB), so only the ones that cross chunks can be long.
    const first = chunk.indexOf(10);
    if (first < 0) {
      this.lineBytes += chunk.length;
    } else {
      if (this.lineBytes + first > MAX_RECORD_CHARS) return done(this.tooLong());
      this.lines += 1 + countLineBreaks(chunk, first + 1);
      this.lineBytes = chunk.length - chunk.lastIndexOf(10) - 1;
    }
    if (this.lineBytes > MAX_RECORD_CHARS) return done(this.tooLong());
    if (this.compressed !== undefined && this.bytes > decompressedLimit(this.compressed.bytes)) {
      done(
        new DataError(
          'ERR_CLI_GZIP_TOO_LARGE',
          `${displayName(this.file)} decompresses to more than ${decompressedLimit(this.compressed.bytes)} bytes from ${this.compressed.bytes} (at most 100 times the compressed size beyond the first 4 MiB): refused as a likely gzip bomb`,
        ),
      );
      return;
    }
    done(null, chunk);
  }

  private tooLong(): DataError {
    return new DataError(
      'ERR_CSV_RECORD_TOO_LARGE',
      `${displayName(this.file)}, line ${this.lines + 1}: a row of more than ${MAX_RECORD_CHARS} characters, more than blasnet reads (is it CSV?)`,
    );
  }
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
    max_record_size: MAX_RECORD_CHARS,
  });
  const counter = file.endsWith('.gz') ? new Counter() : undefined;
  const stages: NodeJS.ReadWriteStream[] = counter ? [counter, createGunzip()] : [];
  // pipeline destroys every stage with the first error, so the iteration below throws it.
  pipeline([source, ...stages, new TextGuard(file, counter), parser], () => undefined);
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const long = item.record.findIndex((cell) => cell.length > MAX_CELL_CHARS);
      if (long >= 0) {
        throw new DataError(
          'ERR_CSV_CELL_TOO_LARGE',
          `${displayName(file)}, line ${item.info.lines}, column ${long + 1}: a cell of ${item.record[long]!.length} characters, more than the ${MAX_CELL_CHARS} read`,
        );
      }
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

/** csv-parse's error codes, as a person would put them (its own messages quote the whole offending input). */
const CSV_PROBLEMS: Record<string, string> = {
  // csv-parse names this one without its usual prefix.
  INVALID_OPENING_QUOTE: 'a quote inside a cell that does not start with one',
  CSV_INVALID_CLOSING_QUOTE: 'text right after a closing quote',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'text right after a closing quote',
  CSV_QUOTE_NOT_CLOSED: 'a quoted cell that is never closed',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'a row with a different number of cells',
  CSV_INVALID_ARGUMENT: 'an invalid setting',
};

function describeReadError(error: unknown, file: string): unknown {
  if (error instanceof DataError) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message;
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') {
    return new DataError(
      'ERR_CLI_GZIP',
      `cannot read ${displayName(file)}: it is not valid gzip (${printable(message)})`,
      { cause: error },
    );
  }
  if (typeof code === 'string' && (error instanceof CsvError || code.startsWith('CSV_'))) {
    const lines = (error as { lines?: unknown }).lines;
    const where = typeof lines === 'number' ? `, line ${lines}` : '';
    if (code === 'CSV_MAX_RECORD_SIZE') {
      return new DataError(
        'ERR_CSV_RECORD_TOO_LARGE',
        `${displayName(file)}${where}: a row of more than ${MAX_RECORD_CHARS} characters, more than blasnet reads (is it CSV?)`,
        { cause: error },
      );
    }
    const problem = CSV_PROBLEMS[code] ?? `malformed CSV (${code})`;
    return new DataError('ERR_CSV_SYNTAX', `${displayName(file)} is not valid CSV${where}: ${problem}`, {
      cause: error,
    });
  }
  return fileError(error, displayName(file));
}
