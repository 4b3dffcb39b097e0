/**
 * Matrix: a row-major block of float64 numbers, and the conversion every data-taking API applies to its
 * input (a Matrix, or an array of rows).
 */
import { ShapeError, ValueError } from './errors';
import { describeValue, invalid } from './validate';

/** The most elements one array may hold: typed arrays are limited to 2^32 - 1... and memory long before. */
export const MAX_ELEMENTS = 2 ** 32 - 1;

/** Small results (up to this many bytes) are carved from a shared slab; larger ones get their own buffer. */
const POOLED_BYTES = 1024;
const SLAB_BYTES = 64 * 1024;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabOffset = 0;

/**
 * A zeroed Float64Array of `length` elements. V8 gives an array over 64 bytes its own off-heap store, which
 * costs about 300 ns to allocate, as much as a whole one-row prediction; a view into a shared slab costs
 * 25 ns. So small arrays share slabs, as Node's Buffer.allocUnsafe shares its pool: their `.buffer` is the
 * slab (copy an array before transferring its buffer to a worker). Slabs are reclaimed by the GC once no
 * view of them is left.
 */
export function allocateFloat64(length: number): Float64Array {
  const bytes = length * 8;
  if (bytes > POOLED_BYTES) return new Float64Array(length);
  if (slabOffset + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabOffset = 0;
  }
  const array = new Float64Array(slab, slabOffset, length);
  slabOffset += bytes;
  return array;
}

/** A rows x cols matrix of float64 numbers stored row by row in `data`. */
export class Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;

  /**
   * Wraps `data` without copying it (or allocates zeros when `data` is omitted).
   * @throws {@link ShapeError} when `data.length !== rows * cols`
   */
  constructor(rows: number, cols: number, data?: Float64Array) {
    if (!Number.isInteger(rows) || rows < 0)
      throw invalid('ERR_INVALID_ARGUMENT', 'rows', 'a non-negative integer', rows);
    if (!Number.isInteger(cols) || cols < 0)
      throw invalid('ERR_INVALID_ARGUMENT', 'cols', 'a non-negative integer', cols);
    if (rows * cols > MAX_ELEMENTS) {
      throw new ValueError('ERR_TOO_LARGE', `A ${rows} x ${cols} matrix has more than ${MAX_ELEMENTS} elements`);
    }
    if (data === undefined) {
      data = allocateFloat64(rows * cols);
    } else if (!isFloat64Array(data)) {
      throw invalid('ERR_INVALID_DATA', 'data', 'a Float64Array', data);
    } else if (data.length !== rows * cols) {
      throw new ShapeError(
        'ERR_SHAPE_MISMATCH',
        `Expected data to hold rows * cols = ${rows} * ${cols} = ${rows * cols} numbers but it holds ${data.length}`,
      );
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data;
  }

  /** Copies an array of equal-length rows into a new Matrix (any numbers, NaN included; empty is fine). */
  static from(rows: readonly ArrayLike<number>[]): Matrix {
    return toMatrix(rows, 'rows', { copy: true, finite: false, nonEmpty: false });
  }

  /**
   * One column from one number per row (a copy): `splitColumn`'s labels as a rows x 1 matrix. Training needs
   * no such step (fit takes a 1-D target for a one-output network); this is for the APIs that want rows.
   */
  static column(values: ArrayLike<number>): Matrix {
    const data = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v !== 'number') throw invalid('ERR_INVALID_DATA', `values[${i}]`, 'a number', v);
      data[i] = v;
    }
    return new Matrix(values.length, 1, data);
  }

  /**
   * A copy of `m` whose data lives on a SharedArrayBuffer. `fitAsync` shares such data with its training
   * thread instead of copying it, so a server that trains again and again on the same rows copies them
   * once, here.
   */
  static shared(m: MatrixLike): Matrix {
    const source = toMatrix(m, 'm', { finite: false, nonEmpty: false });
    const data = new Float64Array(new SharedArrayBuffer(source.data.byteLength));
    data.set(source.data);
    return new Matrix(source.rows, source.cols, data);
  }

  /** Row `i` as a view into `data` (no copy). */
  row(i: number): Float64Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.rows) {
      throw invalid('ERR_INVALID_ARGUMENT', 'i', `a row index from 0 to ${this.rows - 1}`, i);
    }
    return this.data.subarray(i * this.cols, (i + 1) * this.cols);
  }

  /** The rows as plain arrays. */
  toArray(): number[][] {
    const out: number[][] = [];
    for (let i = 0; i < this.rows; i++) out.push(Array.from(this.data.subarray(i * this.cols, (i + 1) * this.cols)));
    return out;
  }
}

/** What data-taking APIs accept: a Matrix (or any `{ rows, cols, data: Float64Array }`), or rows of numbers. */
export type MatrixLike = Matrix | { rows: number; cols: number; data: Float64Array } | readonly ArrayLike<number>[];

/**
 * What training and gradients accept as targets: a MatrixLike (rows x outputs), or for a one-output
 * network (regression, or a sigmoid output) one number per row, as `splitColumn` returns its labels.
 */
export type TargetsLike = MatrixLike | ArrayLike<number>;

/** Whether `value` is one number per row (a typed array, or an array whose first element is a number). */
export function isOneDimensional(value: unknown): value is ArrayLike<number> {
  if (ArrayBuffer.isView(value)) return !(value instanceof DataView);
  return Array.isArray(value) && value.length > 0 && !Array.isArray(value[0]) && !ArrayBuffer.isView(value[0]);
}

/**
 * Targets as a Matrix: a 1-D target becomes one column (copied, so the caller's array is never shared), and
 * only where the network has one output; anything else goes through {@link toMatrix}.
 */
export function toTargets(value: unknown, name: string, outputs: number, options: ToMatrixOptions = {}): Matrix {
  if (!isOneDimensional(value)) return toMatrix(value, name, options);
  const length = value.length;
  if (outputs !== 1) {
    throw new ShapeError(
      'ERR_SHAPE_MISMATCH',
      `Expected ${name} to be rows of ${outputs} numbers (the network's outputs) but received one number per row (${describeValue(value)}); a 1-D target fits only a one-output network (for classes, use oneHot(labels))`,
    );
  }
  const data = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const v = value[i];
    if (typeof v !== 'number') throw invalid('ERR_INVALID_DATA', `${name}[${i}]`, 'a number', v);
    data[i] = v;
  }
  return toMatrix(new Matrix(length, 1, data), name, options);
}

function isFloat64Array(value: unknown): value is Float64Array {
  return ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Float64Array]';
}

export interface ToMatrixOptions {
  /** Always copy, even a Matrix (default false: a Matrix is used as it is, read-only). */
  copy?: boolean;
  /** Reject NaN and Infinity, naming the row and column (default true). */
  finite?: boolean;
  /** Reject zero rows (default true). */
  nonEmpty?: boolean;
}

/**
 * Converts and checks data: rows of equal length holding numbers, or a Matrix whose data length is
 * rows * cols. Never mutates its input.
 * @throws {@link ShapeError} for ragged rows or a Matrix whose data disagrees with its shape
 * @throws {@link ValueError} for the wrong type, empty data, or (by default) NaN/Infinity
 */
export function toMatrix(value: unknown, name: string, options: ToMatrixOptions = {}): Matrix {
  const { copy = false, finite = true, nonEmpty = true } = options;
  let matrix: Matrix;
  if (value instanceof Matrix && !copy) {
    // Its constructor already checked type and shape.
    matrix = value;
  } else if (Array.isArray(value)) {
    matrix = fromRows(value, name);
  } else if (typeof value === 'object' && value !== null && 'data' in value && 'rows' in value && 'cols' in value) {
    const { rows, cols, data } = value as { rows: unknown; cols: unknown; data: unknown };
    if (!isFloat64Array(data)) throw invalid('ERR_INVALID_DATA', `${name}.data`, 'a Float64Array', data);
    if (!Number.isInteger(rows) || (rows as number) < 0 || !Number.isInteger(cols) || (cols as number) < 0) {
      throw invalid(
        'ERR_INVALID_DATA',
        `${name}.rows and ${name}.cols`,
        'non-negative integers',
        `${describeValue(rows)} x ${describeValue(cols)}`,
      );
    }
    if (data.length !== (rows as number) * (cols as number)) {
      throw new ShapeError(
        'ERR_SHAPE_MISMATCH',
        `Expected ${name}.data to hold ${name}.rows * ${name}.cols = ${rows as number} * ${cols as number} = ${(rows as number) * (cols as number)} numbers but it holds ${data.length}`,
      );
    }
    matrix =
      value instanceof Matrix && !copy ? value : new Matrix(rows as number, cols as number, copy ? data.slice() : data);
  } else if (isOneDimensional(value)) {
    // The common slip (issue 13): splitColumn's labels, one number per row, where rows are wanted.
    throw invalid(
      'ERR_INVALID_DATA',
      name,
      'a Matrix or an array of rows (number[][]); for one number per row use Matrix.column(values)',
      value,
    );
  } else {
    throw invalid('ERR_INVALID_DATA', name, 'a Matrix or an array of rows (number[][])', value);
  }
  if (nonEmpty && (matrix.rows === 0 || matrix.cols === 0)) {
    throw new ValueError(
      'ERR_EMPTY_DATA',
      `Expected ${name} to hold at least one row and one column but it is ${matrix.rows} x ${matrix.cols}`,
    );
  }
  if (finite) assertFinite(matrix, name);
  return matrix;
}

function fromRows(rows: readonly unknown[], name: string): Matrix {
  const count = rows.length;
  const first = rows[0];
  if (count > 0 && !Array.isArray(first) && !ArrayBuffer.isView(first)) {
    const hint = typeof first === 'number' ? '; for one number per row use Matrix.column(values)' : '';
    throw invalid('ERR_INVALID_DATA', `${name}[0]`, `an array of numbers (a row)${hint}`, first);
  }
  const cols = count === 0 ? 0 : (first as ArrayLike<unknown>).length;
  if (count * cols > MAX_ELEMENTS)
    throw new ValueError('ERR_TOO_LARGE', `${name} has more than ${MAX_ELEMENTS} numbers`);
  const data = new Float64Array(count * cols);
  for (let i = 0; i < count; i++) {
    const row = rows[i] as ArrayLike<unknown>;
    if (!Array.isArray(row) && !ArrayBuffer.isView(row)) {
      throw invalid('ERR_INVALID_DATA', `${name}[${i}]`, 'an array of numbers (a row)', row);
    }
    if (row.length !== cols) {
      throw new ShapeError(
        'ERR_RAGGED_ROWS',
        `Expected every row of ${name} to have ${cols} values (as row 0 does) but row ${i} has ${row.length}`,
      );
    }
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (typeof v !== 'number') throw invalid('ERR_INVALID_DATA', `${name}[${i}][${j}]`, 'a number', v);
      data[i * cols + j] = v;
    }
  }
  return new Matrix(count, cols, data);
}

/** A network's element type: float64 (the default) or float32 (half the memory, about twice the speed). */
export type Dtype = 'float64' | 'float32';

/** The typed array of a dtype: `Float64Array` for float64, `Float32Array` for float32 (both for `Dtype`). */
export type FloatArrayOf<D extends Dtype> = D extends 'float32' ? Float32Array : Float64Array;

/**
 * A matrix in a network's element type (what the internals pass around; public signatures take {@link Matrix}): a {@link Matrix} for float64 networks, float32 data for
 * float32 ones. The public API takes and returns float64 Matrix objects; training converts once.
 */
export interface FloatMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array | Float32Array;
}

/** @internal `matrix` in `dtype`: the same object for float64, a float32 copy otherwise. */
export function inDtype(matrix: Matrix, dtype: Dtype): FloatMatrix {
  if (dtype === 'float64') return matrix;
  // The constructor rather than Float32Array.from: the same conversion, ~30% faster in V8 (A's data: 92
  // against 130 µs per fit).
  return { rows: matrix.rows, cols: matrix.cols, data: new Float32Array(matrix.data) };
}

/** Which of a float's 16-bit halves holds its sign and exponent: the last on little-endian machines. */
const HIGH_HALF_LAST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Whether every element is finite, from the exponent bits alone: a float is NaN or infinite exactly when
 * its exponent is all ones (0x7ff0 of float64's top 16 bits, 0x7f80 of float32's). Read through a
 * Uint16Array view, every value the loop touches is a small integer, so the loop allocates nothing even
 * before V8 optimises it; a loop over the floats themselves (one sum of v * 0) boxed each element it read
 * until then: 2.1 MB of short-lived heap numbers checking B's 7.9 million inputs, in fit's first call
 * (issue 20, B's peak RSS). A masked exponent plus its lowest bit reaches 0x8000 exactly when the exponent
 * is all ones, and stays below it otherwise, so one OR of those sums has bit 15 set exactly when one element
 * is not finite (an OR rather than the running maximum it replaced, a compare and select per element: 1.4 ns
 * an element, a fifth of a 64-row float32 predict on 64-15-10).
 */
export function allExponentsFinite(data: Float64Array | Float32Array): boolean {
  if (data.length <= SHORT_SCAN) return shortAllFinite(data);
  return data instanceof Float64Array ? doublesFinite(data) : floatsFinite(data);
}

/*
 * One loop per element type, each with its stride and mask as constants and four running ORs: the loop
 * with both as variables and one OR took twice as long (A's 1797 x 64 inputs: 0.24 -> 0.11 ms, measured
 * in one process, best of 500 scans; 0.4 ms of a 1-epoch fit's 1.6 went to this check).
 */
function doublesFinite(data: Float64Array): boolean {
  const halves = new Uint16Array(data.buffer, data.byteOffset, data.length * 4);
  const n = halves.length;
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = HIGH_HALF_LAST ? 3 : 0;
  for (; i + 12 < n; i += 16) {
    a |= (halves[i]! & 0x7ff0) + 0x0010;
    b |= (halves[i + 4]! & 0x7ff0) + 0x0010;
    c |= (halves[i + 8]! & 0x7ff0) + 0x0010;
    d |= (halves[i + 12]! & 0x7ff0) + 0x0010;
  }
  for (; i < n; i += 4) a |= (halves[i]! & 0x7ff0) + 0x0010;
  return ((a | b | c | d) & 0x8000) === 0;
}

function floatsFinite(data: Float32Array): boolean {
  const halves = new Uint16Array(data.buffer, data.byteOffset, data.length * 2);
  const n = halves.length;
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = HIGH_HALF_LAST ? 1 : 0;
  for (; i + 6 < n; i += 8) {
    a |= (halves[i]! & 0x7f80) + 0x0080;
    b |= (halves[i + 2]! & 0x7f80) + 0x0080;
    c |= (halves[i + 4]! & 0x7f80) + 0x0080;
    d |= (halves[i + 6]! & 0x7f80) + 0x0080;
  }
  for (; i < n; i += 2) a |= (halves[i]! & 0x7f80) + 0x0080;
  return ((a | b | c | d) & 0x8000) === 0;
}

/**
 * @param rowOffset - added to the row named in the message, for a chunk of a larger matrix
 * @throws {@link ValueError} (`ERR_NON_FINITE`) naming the first NaN or infinite element (in float32 data,
 * also the numbers too large for float32, which became infinite when converted).
 */
/**
 * Up to this many elements are checked as floats: the Uint16Array view costs more than the scan itself on
 * short arrays (a 1-row predict on 64-15-10 spent ~180 of its ~1,000 ns checking its 64 inputs), and the
 * heap numbers the loop may box before V8 optimises it are at most a few KB.
 */
const SHORT_SCAN = 256;

/**
 * Whether the first `length` elements are finite, for short arrays (see SHORT_SCAN): v * 0 is 0 for a
 * finite v and NaN otherwise, in four sums so that the additions do not wait on each other.
 */
export function shortAllFinite(data: Float64Array | Float32Array, length = data.length): boolean {
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    a += data[i]! * 0;
    b += data[i + 1]! * 0;
    c += data[i + 2]! * 0;
    d += data[i + 3]! * 0;
  }
  for (; i < length; i++) a += data[i]! * 0;
  return a + b + c + d === 0;
}

export function assertFinite(matrix: FloatMatrix, name: string, rowOffset = 0): void {
  const { data, cols } = matrix;
  const length = data.length;
  if (allExponentsFinite(data)) return;
  // The culprit is searched for only on failure.
  for (let i = 0; i < length; i++) {
    const v = data[i]!;
    if (v * 0 !== 0) {
      const float32 = data instanceof Float32Array;
      throw new ValueError(
        'ERR_NON_FINITE',
        `Expected ${name} to hold finite numbers${float32 ? ' (within float32 range, this network being float32)' : ''} but row ${rowOffset + Math.floor(i / cols)}, column ${i % cols} is ${v}`,
      );
    }
  }
}
