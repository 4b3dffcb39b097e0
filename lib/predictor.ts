/**
 * Prepared predictors: `net.predictor()` checks and binds a forward pass once, as better-sqlite3
 * prepares a statement, and returns a function that runs it. A call then costs a copy of its input into
 * the bound buffer and one kernel call with no array arguments to query; plain `predict` (which checks
 * every array on every call and allocates a Matrix) is unchanged.
 *
 * What a call reads: the network's parameters as they are at that moment (the bound array is the
 * network's own `parameters`, never a copy), so a fit, a fitAsync's result and in-place edits of
 * `layers[i].weights` are all seen. The network's shape never changes (`dims` is frozen, `Network.load`
 * makes a new network). The one way a bound buffer can go bad is the user detaching the parameters'
 * ArrayBuffer (transferring it to a worker, or `structuredClone` with a transfer list): each call checks
 * for it and throws a StateError, `ERR_PREDICTOR_DETACHED`, and the kernel itself re-checks the byte
 * length of every bound buffer that could change before it touches any. The predictor's own buffers are
 * on SharedArrayBuffers, which can be neither detached nor shrunk.
 */
import type { Backend } from './backend/backend';
import type { NetworkLayout } from './backend/layout';
import { StateError } from './errors';
import { assertFinite, Matrix, type Dtype } from './matrix';
import { integerIn, invalid, optionsObject, shapeMismatch } from './validate';

/** Options of `Network.predictor`. */
export interface PredictorOptions {
  /** The most rows one call may pass (default 1): the bound buffers are sized for it. */
  rows?: number;
}

/** The largest `rows` a predictor takes: larger batches belong to `predict`, which works in chunks. */
export const MAX_PREDICTOR_ROWS = 65536;

/**
 * A prepared forward pass: `run(x)` returns the outputs of the rows of `x`.
 *
 * `x` is a {@link Matrix}, or the rows' values one after another (a Float64Array, Float32Array or
 * number[] of `rows * inputs` finite numbers; one row is just its `inputs` values). The result is a
 * Float64Array of `rows * outputs` values that belongs to the predictor: the next call overwrites it
 * (copy it with `.slice()` to keep it).
 */
export interface Predictor {
  (x: Matrix | Float64Array | Float32Array | readonly number[]): Float64Array;
  /** The most rows one call may pass. */
  readonly rows: number;
  readonly inputs: number;
  readonly outputs: number;
}

/** What a predictor needs of its network (Network passes itself). */
export interface PredictorSource {
  readonly backend: Backend;
  readonly dtype: Dtype;
  readonly layout: NetworkLayout;
  readonly encodedLayout: Int32Array;
  readonly parameters: Float64Array | Float32Array;
  readonly inputs: number;
  readonly outputs: number;
}

const OPTION_NAMES = ['rows'] as const;

function sharedArray(dtype: Dtype, length: number): Float64Array | Float32Array {
  return dtype === 'float32'
    ? new Float32Array(new SharedArrayBuffer(length * 4))
    : new Float64Array(new SharedArrayBuffer(length * 8));
}

export function createPredictor(net: PredictorSource, options: PredictorOptions = {}): Predictor {
  const given = optionsObject('options', options, OPTION_NAMES);
  const capacity = given.rows === undefined ? 1 : integerIn('options.rows', given.rows, 1, MAX_PREDICTOR_ROWS);
  const { backend, dtype, layout, parameters, inputs, outputs } = net;
  const parameterCount = parameters.length;
  const workspace = sharedArray(dtype, layout.workspaceSize(capacity));
  // A float32 predictor's input buffer is a plain ArrayBuffer: set() converting float64 into shared memory
  // takes V8's element-by-element path for SharedArrayBuffers (46% of a 64-row call on 64-15-10, twice the
  // float64 predictor's time; into plain memory it is 5x faster). The kernel checks a plain buffer's length on
  // every call (~10 ns); this one is never handed out, so nothing can detach it.
  const input = dtype === 'float32' ? new Float32Array(capacity * inputs) : sharedArray(dtype, capacity * inputs);
  const output = sharedArray(dtype, capacity * outputs);
  const handle = {};
  // The token finds the binding faster than the handle does (see networkPrepare); it is valid while the handle
  // lives. `run` below reads only the token, and a closure keeps only what it reads, so the handle is tied to
  // the predictor through `bindings` (without that, a collection freed the binding of a live predictor, whose
  // next call was a TypeError).
  const token =
    backend.networkPrepare(net.encodedLayout, parameters, workspace, capacity, input, output, handle) ?? handle;
  // The results, one view per row count, made when first needed: a call allocates nothing once warm. A
  // float64 network's kernel writes its output straight into them; a float32 one's is converted.
  const result = dtype === 'float64' ? (output as Float64Array) : new Float64Array(capacity * outputs);
  const views: (Float64Array | undefined)[] = [];
  views[capacity] = result;
  const resultOf = (rows: number): Float64Array => (views[rows] ??= result.subarray(0, rows * outputs));

  const run = (x: Matrix | Float64Array | Float32Array | readonly number[]): Float64Array => {
    let data: ArrayLike<number>;
    let rows: number;
    if (x instanceof Matrix) {
      if (x.cols !== inputs) {
        throw shapeMismatch(
          `Expected x to have ${inputs} columns (the network's inputs, dims[0]) but it has ${x.cols}`,
        );
      }
      data = x.data;
      rows = x.rows;
    } else if (ArrayBuffer.isView(x) || Array.isArray(x)) {
      data = x as ArrayLike<number>;
      rows = data.length / inputs;
      if (!Number.isInteger(rows)) {
        throw shapeMismatch(
          `Expected x to hold whole rows of ${inputs} values (the network's inputs, dims[0]) but it holds ${data.length}`,
        );
      }
      if (!(x instanceof Float64Array || x instanceof Float32Array || Array.isArray(x))) {
        throw invalid('ERR_INVALID_ARGUMENT', 'x', 'a Matrix, Float64Array, Float32Array or number[]', x);
      }
    } else {
      throw invalid('ERR_INVALID_ARGUMENT', 'x', 'a Matrix, Float64Array, Float32Array or number[]', x);
    }
    if (rows < 1 || rows > capacity) {
      throw shapeMismatch(
        `Expected x to hold 1 to ${capacity} rows (the predictor's options.rows) but it holds ${rows}`,
      );
    }
    const count = rows * inputs;
    let source: Float64Array | undefined;
    if (count >= NATIVE_COPY && data instanceof Float64Array) {
      source = data; // copied (converted) into the bound buffer by the kernel
    } else if (Array.isArray(data)) {
      for (let i = 0; i < count; i++) {
        const v = data[i];
        // Checked before it is stored: storing would coerce it (and run an object's valueOf).
        if (typeof v !== 'number') throw invalid('ERR_INVALID_ARGUMENT', `x[${i}]`, 'a number', v);
        input[i] = v;
      }
    } else {
      // A typed array of exactly `count` values: one native copy (converting to float32 where needed),
      // several times faster than an element loop at 64 rows.
      input.set(data as Float64Array | Float32Array);
    }
    if (parameters.length !== parameterCount) {
      throw new StateError(
        'ERR_PREDICTOR_DETACHED',
        "The network's parameter buffer was detached (transferred or structured-cloned away) after this predictor was made; the network can no longer predict",
      );
    }
    // The kernel checks the input is finite (in native code, a fifth of the time of a JavaScript loop) and
    // runs nothing when it is not.
    const bad = source === undefined ? backend.networkRun(token, rows) : backend.networkRun(token, rows, source);
    if (bad !== undefined) failOn(input, rows, inputs);
    const out = resultOf(rows);
    if (dtype === 'float32') widen(output as Float32Array, out, rows * outputs);
    return out;
  };
  bindings.set(run, handle);
  return Object.freeze(Object.assign(run, { rows: capacity, inputs, outputs })) as Predictor;
}

/** Each predictor's handle, alive as long as the predictor is (its binding is released with the handle). */
const bindings = new WeakMap<object, object>();

/**
 * From this many float64 values the kernel copies the input (`networkRun`'s `source`): `set` converts into a
 * float32 buffer element by element (3.3 µs for 64 rows of 64-15-10) and copies into shared memory slower than
 * memcpy, while passing the array costs the kernel a typed-array query (~50 ns), as much as `set` takes for a row.
 */
const NATIVE_COPY = 256;

/** Throws the error for the first element of the input that is not finite (or beyond float32's range). */
function failOn(converted: Float64Array | Float32Array, rows: number, cols: number): never {
  assertFinite({ rows, cols, data: converted.subarray(0, rows * cols) }, 'x');
  throw new Error('unreachable: the kernel reported a non-finite value');
}

function widen(from: Float32Array, to: Float64Array, count: number): void {
  for (let i = 0; i < count; i++) to[i] = from[i]!;
}
