/**
 * Data helpers: read a numeric CSV (plain or gzipped), one-hot encode labels, split rows into seeded train
 * and test parts, and standardise features with statistics fitted on the training part only.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

import { ShapeError, ValueError } from './errors';
import { decompressedLimit, fileKind } from './input-limits';
import { Matrix, toMatrix, type MatrixLike } from './matrix';
import { Random } from './random';
import { integerIn, invalid, numberIn, optionsObject } from './validate';

/** What {@link readCsv} returns. */
export interface CsvTable {
  /** The header line's cells, when the file has one. */
  header: string[] | undefined;
  /** Every data row, as numbers. */
  data: Matrix;
}

/**
 * Reads a CSV file of numbers (comma separated, one row per line, `.gz` files decompressed). A first line
 * that is not all numbers is taken as a header.
 * The whole file is read into memory: it must be a regular file, of at most 512 MiB of text (V8's
 * longest string), decompressed (gzip may expand at most 100 times beyond the first 4 MiB, see
 * input-limits.ts).
 * @throws {@link ValueError} (`ERR_CSV`) naming the line and column of a cell that is not a number, or of
 *   a row with the wrong number of cells; (`ERR_NOT_A_FILE`) for a directory, a device or a pipe;
 *   (`ERR_FILE_TOO_LARGE`) for more text than that, naming the limit
 */
export function readCsv(file: string): CsvTable {
  let bytes: Buffer = readRegularFile(file);
  if (file.endsWith('.gz')) {
    const limit = Math.min(decompressedLimit(bytes.length), MAX_TEXT);
    try {
      bytes = zlib.gunzipSync(bytes, { maxOutputLength: limit });
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') throw error;
      throw new ValueError(
        'ERR_FILE_TOO_LARGE',
        `${file} decompresses to more than ${limit} bytes (${bytes.length} compressed; at most 100 times that beyond the first 4 MiB, and 512 MiB in all): refused as a likely gzip bomb`,
      );
    }
  }
  const lines = bytes.toString('utf8').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) throw new ValueError('ERR_CSV', `${file} holds no rows`);
  const first = lines[0]!.split(',');
  const header = first.some((cell) => !isNumber(cell)) ? first.map((cell) => cell.trim()) : undefined;
  const start = header ? 1 : 0;
  const cols = first.length;
  const data = new Float64Array((lines.length - start) * cols);
  for (let line = start; line < lines.length; line++) {
    const cells = lines[line]!.split(',');
    if (cells.length !== cols) {
      throw new ShapeError(
        'ERR_CSV',
        `${file}, line ${line + 1}: expected ${cols} cells (as line 1 has) but found ${cells.length}`,
      );
    }
    for (let j = 0; j < cols; j++) {
      const cell = cells[j]!;
      if (!isNumber(cell)) {
        throw new ValueError(
          'ERR_CSV',
          `${file}, line ${line + 1}, column ${j + 1}: expected a number but found ${JSON.stringify(cell)}`,
        );
      }
      data[(line - start) * cols + j] = Number(cell);
    }
  }
  return { header, data: new Matrix(lines.length - start, cols, data) };
}

/** The most text readCsv takes: V8's longest string. */
const MAX_TEXT = 2 ** 29 - 24;

/** A regular file's bytes, at most MAX_TEXT of them, never reading past the size it had when opened. */
function readRegularFile(file: string): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const stats = fs.fstatSync(fd);
    const kind = fileKind(stats);
    if (kind !== undefined)
      throw new ValueError('ERR_NOT_A_FILE', `Cannot read ${file} as CSV: it is ${kind}, not a regular file`);
    if (stats.size > MAX_TEXT) {
      throw new ValueError(
        'ERR_FILE_TOO_LARGE',
        `Cannot read ${file} as CSV: it holds ${stats.size} bytes, more than readCsv's limit of ${MAX_TEXT}`,
      );
    }
    const bytes = Buffer.alloc(stats.size);
    let offset = 0;
    while (offset < bytes.length) {
      const read = fs.readSync(fd, bytes, offset, bytes.length - offset, offset);
      if (read === 0) break;
      offset += read;
    }
    return bytes.subarray(0, offset);
  } finally {
    fs.closeSync(fd);
  }
}

function isNumber(cell: string): boolean {
  return cell.trim() !== '' && Number.isFinite(Number(cell));
}

/** Splits off one column (default: the last) as labels; the rest are features. */
export function splitColumn(table: Matrix, column = table.cols - 1): { features: Matrix; labels: Float64Array } {
  integerIn('column', column, 0, table.cols - 1);
  const features = new Matrix(table.rows, table.cols - 1);
  const labels = new Float64Array(table.rows);
  for (let i = 0; i < table.rows; i++) {
    const row = table.data.subarray(i * table.cols, (i + 1) * table.cols);
    labels[i] = row[column]!;
    features.data.set(row.subarray(0, column), i * features.cols);
    features.data.set(row.subarray(column + 1), i * features.cols + column);
  }
  return { features, labels };
}

/**
 * One row per label with a 1 in the label's column.
 * @param labels - class indices, integers from 0
 * @param classes - columns (default: the largest label + 1)
 */
export function oneHot(labels: ArrayLike<number>, classes?: number): Matrix {
  let count = classes ?? 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || (classes !== undefined && label >= classes)) {
      throw invalid(
        'ERR_INVALID_ARGUMENT',
        `labels[${i}]`,
        `a class index from 0 to ${classes === undefined ? 'any' : classes - 1}`,
        label,
      );
    }
    if (classes === undefined) count = Math.max(count, label + 1);
  }
  const out = new Matrix(labels.length, count);
  for (let i = 0; i < labels.length; i++) out.data[i * count + labels[i]!] = 1;
  return out;
}

/** Options of {@link trainTestSplit}. */
export interface SplitOptions {
  /** The fraction of rows held out for testing, in (0, 1). Default 0.2. */
  testFraction?: number;
  /** Seeds the shuffle. Default 0. */
  seed?: number;
  /** Class labels: split each class in the same proportion (stratified), as scikit-learn's `stratify`. */
  stratify?: ArrayLike<number>;
}

/**
 * Seeded random split of row indices into train and test parts; each part keeps the original row order.
 * With `stratify`, every class contributes round(testFraction * its rows) test rows.
 */
export function trainTestSplit(rows: number, options: SplitOptions = {}): { train: Uint32Array; test: Uint32Array } {
  const given = optionsObject('options', options, ['testFraction', 'seed', 'stratify'] as const);
  integerIn('rows', rows, 2);
  const fraction = numberIn('options.testFraction', given.testFraction ?? 0.2, Number.MIN_VALUE, 1 - Number.EPSILON);
  const random = new Random(integerIn('options.seed', given.seed ?? 0, 0));
  const stratify = given.stratify as ArrayLike<number> | undefined;
  const groups = new Map<number, number[]>();
  if (stratify !== undefined) {
    if (stratify.length !== rows) {
      throw new ShapeError(
        'ERR_SHAPE_MISMATCH',
        `Expected options.stratify to hold ${rows} labels but it holds ${stratify.length}`,
      );
    }
    for (let i = 0; i < rows; i++) {
      const group = groups.get(stratify[i]!) ?? [];
      group.push(i);
      groups.set(stratify[i]!, group);
    }
  } else {
    groups.set(
      0,
      Array.from({ length: rows }, (_, i) => i),
    );
  }
  const isTest = new Uint8Array(rows);
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const members = groups.get(key)!;
    random.shuffle(members);
    const take = Math.min(
      members.length - (stratify ? 0 : 1),
      Math.max(stratify ? 0 : 1, Math.round(members.length * fraction)),
    );
    for (let i = 0; i < take; i++) isTest[members[i]!] = 1;
  }
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < rows; i++) (isTest[i] ? test : train).push(i);
  return { train: Uint32Array.from(train), test: Uint32Array.from(test) };
}

/** The listed rows of a matrix, as a new matrix. */
export function takeRows(matrix: MatrixLike, indices: ArrayLike<number>): Matrix {
  const source = toMatrix(matrix, 'matrix', { finite: false, nonEmpty: false });
  const out = new Matrix(indices.length, source.cols);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i]!;
    if (!Number.isInteger(row) || row < 0 || row >= source.rows) {
      throw invalid('ERR_INVALID_ARGUMENT', `indices[${i}]`, `a row index from 0 to ${source.rows - 1}`, row);
    }
    out.data.set(source.data.subarray(row * source.cols, (row + 1) * source.cols), i * source.cols);
  }
  return out;
}

/** The listed entries of a label array. */
export function takeLabels(labels: ArrayLike<number>, indices: ArrayLike<number>): Float64Array {
  const out = new Float64Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = labels[indices[i]!]!;
  return out;
}

/**
 * Per-column standardisation, (x - mean) / deviation, with statistics fitted on one data set (the training
 * part) and applied unchanged to others, so no information leaks from test rows. A constant column gets
 * deviation 1 (it becomes 0), as in scikit-learn's StandardScaler.
 */
export class Standardizer {
  /** @param mean - per-column means  @param scale - per-column population standard deviations */
  constructor(
    readonly mean: Float64Array,
    readonly scale: Float64Array,
  ) {}

  /** Fits means and deviations to `x`'s columns. */
  static fit(x: MatrixLike): Standardizer {
    const m = toMatrix(x, 'x');
    const mean = new Float64Array(m.cols);
    const scale = new Float64Array(m.cols);
    for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) mean[j]! += m.data[i * m.cols + j]!;
    for (let j = 0; j < m.cols; j++) mean[j]! /= m.rows;
    for (let i = 0; i < m.rows; i++) {
      for (let j = 0; j < m.cols; j++) {
        const d = m.data[i * m.cols + j]! - mean[j]!;
        scale[j]! += d * d;
      }
    }
    for (let j = 0; j < m.cols; j++) {
      const deviation = Math.sqrt(scale[j]! / m.rows);
      scale[j] = deviation > 0 ? deviation : 1;
    }
    return new Standardizer(mean, scale);
  }

  /** A standardised copy of `x`. */
  transform(x: MatrixLike): Matrix {
    const m = toMatrix(x, 'x');
    if (m.cols !== this.mean.length) {
      throw new ShapeError(
        'ERR_SHAPE_MISMATCH',
        `Expected x to have ${this.mean.length} columns (as fitted) but it has ${m.cols}`,
      );
    }
    const out = new Matrix(m.rows, m.cols);
    for (let i = 0; i < m.rows; i++) {
      for (let j = 0; j < m.cols; j++)
        out.data[i * m.cols + j] = (m.data[i * m.cols + j]! - this.mean[j]!) / this.scale[j]!;
    }
    return out;
  }
}
