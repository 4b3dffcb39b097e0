/**
 * The errors blasnet throws. Every one is a {@link BlasnetError} with a stable string `code` to branch on
 * (messages may be reworded; codes do not change) and a message that names the argument, what was
 * expected and what was received.
 *
 * The backend kernels are the exception: like Node's core APIs they throw plain `TypeError`/`RangeError`
 * with codes `ERR_INVALID_ARG_TYPE` and `ERR_OUT_OF_RANGE`, since they are a low-level contract.
 */

/** The base class of every error blasnet throws (beyond the kernels' TypeError/RangeError). */
export class BlasnetError extends Error {
  /** A stable identifier, e.g. `ERR_SHAPE_MISMATCH`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Arrays or matrices whose shapes do not fit together (`code`: `ERR_SHAPE_MISMATCH`, ...). */
export class ShapeError extends BlasnetError {}

/** A value of the wrong type, out of range, or not finite (`code`: `ERR_INVALID_ARGUMENT`, ...). */
export class ValueError extends BlasnetError {}

/**
 * A bad option value (`code` names the kind, e.g. `ERR_TABLE_OPTION`): `option` is its path
 * (`options.columns.zip`), `expected` what it takes, `actual` a description of what came.
 */
export class OptionError extends ValueError {
  readonly option: string;
  readonly expected: string;
  readonly actual: string;

  constructor(code: string, option: string, expected: string, actual: string, message?: string) {
    super(code, message ?? `Expected ${option} to be ${expected} but received ${actual}`);
    this.option = option;
    this.expected = expected;
    this.actual = actual;
  }
}

/**
 * Rows the table model cannot use as given (`code`: `ERR_TABLE_MISSING_COLUMN`, `ERR_TABLE_NOT_NUMERIC`,
 * `ERR_TABLE_ONE_CLASS`, ...): the message names the column (escaped, as JSON), and the row and value
 * where one is to blame.
 */
export class TableError extends BlasnetError {
  /** The column to blame, when there is one. */
  readonly column: string | undefined;
  /** The row to blame (its index in the rows given, from 0), when there is one. */
  readonly row: number | undefined;

  constructor(code: string, message: string, where: { column?: string; row?: number } = {}) {
    super(code, message);
    this.column = where.column;
    this.row = where.row;
  }
}

/** The native addon could not be loaded (`code`: `ERR_NATIVE_UNAVAILABLE`); the message says why and how to fix it. */
export class NativeLoadError extends BlasnetError {}

/**
 * Training was stopped through its `AbortSignal` (`code`: `ABORT_ERR`, Node's code for the same event;
 * `name`: `AbortError`, as `fetch` and `node:timers/promises` name theirs). `cause` is the signal's
 * `reason`. The network keeps the weights of the last completed minibatch.
 */
export class AbortError extends BlasnetError {
  constructor(message = 'Training was aborted', options?: { cause?: unknown }) {
    super('ABORT_ERR', message, options);
  }
}

/**
 * Training diverged: a minibatch loss (or, after an overflowing update, a weight) became NaN or infinite
 * (`code`: `ERR_NON_FINITE_LOSS`). The network was rolled back to the weights after the last minibatch
 * that was still finite.
 */
export class NonFiniteLossError extends BlasnetError {
  /** The epoch (from 1) in which it happened. */
  readonly epoch: number;
  /** The minibatch's index within that epoch (from 0). */
  readonly batch: number;
  /**
   * The offending loss value: NaN or +-Infinity. Plain SGD reports an update it refused (one that would
   * have made a weight non-finite) as Infinity; NaN when another optimizer's update overflowed.
   */
  readonly loss: number;

  constructor(epoch: number, batch: number, loss: number, message: string) {
    super('ERR_NON_FINITE_LOSS', message);
    this.epoch = epoch;
    this.batch = batch;
    this.loss = loss;
  }
}

/**
 * The object is busy with something that excludes the call, e.g. a second `fit` while one runs
 * (`code`: `ERR_FIT_IN_PROGRESS`), or is no longer usable, e.g. a predictor whose network's parameters were
 * transferred away (`ERR_PREDICTOR_DETACHED`).
 */
export class StateError extends BlasnetError {}

/**
 * A saved model could not be read: not a blasnet model, a format version this blasnet does not read, or a
 * damaged file (`code`: `ERR_MODEL_NOT_BLASNET`, `ERR_MODEL_VERSION`, `ERR_MODEL_TRUNCATED`,
 * `ERR_MODEL_CHECKSUM`, `ERR_MODEL_HEADER`, `ERR_MODEL_SHAPE`, `ERR_MODEL_NON_FINITE`). The message names
 * the file and what was wrong. Network.fromONNX's refusals are ModelFormatErrors too, with `ERR_ONNX_*`
 * codes naming the kind of problem and messages naming the node or tensor (README "ONNX").
 */
export class ModelFormatError extends BlasnetError {}
