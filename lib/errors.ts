/**
 * The errors blasnet throws. Every one is a {@link BlasnetError} with a stable string `code` to branch on
 * (messages may be reworded; codes do not change) and a message that names the argument, what was
 * expected and what was received.
 *
 * The backend kernels are the exception: like Node's core APIs they throw plain `TypeError`/`RangeError`
 * with codes `ERR_INVALID_ARG_TYPE` and `ERR_OUT_OF_RANGE`, since they are a low-level contract.
 */

/**
 * Every `code` a blasnet error carries, documented one by one in docs/errors.md (test/errors-table.test.ts
 * keeps the list, the table and the codes thrown in lib/ in step). `ERR_INVALID_ARG_TYPE` and
 * `ERR_OUT_OF_RANGE` are the kernels' TypeError/RangeError codes (Node's), `ABORT_ERR` AbortError's.
 */
export const ERROR_CODES = [
  'ABORT_ERR',
  'ERR_BACKEND_NOT_TRANSFERABLE',
  'ERR_BUFFER_TOO_LARGE',
  'ERR_CLI_COLUMNS',
  'ERR_CLI_FILE',
  'ERR_CLI_GZIP',
  'ERR_CLI_GZIP_TOO_LARGE',
  'ERR_CLI_INVALID_OPTION',
  'ERR_CLI_MISSING_OPTION',
  'ERR_CLI_MODEL_METADATA',
  'ERR_CLI_ONE_CLASS',
  'ERR_CLI_SAME_FILE',
  'ERR_CLI_TARGET',
  'ERR_CLI_TASK',
  'ERR_CLI_UNKNOWN_COMMAND',
  'ERR_CLI_UNKNOWN_OPTION',
  'ERR_CLI_USAGE',
  'ERR_CSV',
  'ERR_CSV_BINARY',
  'ERR_CSV_CELL_TOO_LARGE',
  'ERR_CSV_DUPLICATE_COLUMN',
  'ERR_CSV_EMPTY',
  'ERR_CSV_RAGGED',
  'ERR_CSV_RECORD_TOO_LARGE',
  'ERR_CSV_SYNTAX',
  'ERR_DATA_FILE',
  'ERR_DATA_URL',
  'ERR_DATA_URL_STATUS',
  'ERR_DATA_URL_TOO_LARGE',
  'ERR_EMPTY_DATA',
  'ERR_FILE_TOO_LARGE',
  'ERR_FIT_IN_PROGRESS',
  'ERR_INTERNAL',
  'ERR_INVALID_ACTIVATION',
  'ERR_INVALID_ARGUMENT',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_DATA',
  'ERR_INVALID_DIMS',
  'ERR_INVALID_JOB',
  'ERR_INVALID_METADATA',
  'ERR_JOB_FAILED',
  'ERR_JOB_KIND',
  'ERR_JSON_ROW',
  'ERR_JSON_SYNTAX',
  'ERR_LOSS_ACTIVATION_MISMATCH',
  'ERR_MODEL_CHECKSUM',
  'ERR_MODEL_DTYPE',
  'ERR_MODEL_HEADER',
  'ERR_MODEL_LENGTH',
  'ERR_MODEL_NON_FINITE',
  'ERR_MODEL_NOT_A_FILE',
  'ERR_MODEL_NOT_BLASNET',
  'ERR_MODEL_SHAPE',
  'ERR_MODEL_TOO_LARGE',
  'ERR_MODEL_TRUNCATED',
  'ERR_MODEL_UNSAVABLE',
  'ERR_MODEL_VERSION',
  'ERR_NATIVE_UNAVAILABLE',
  'ERR_NON_FINITE',
  'ERR_NON_FINITE_LOSS',
  'ERR_NOT_A_FILE',
  'ERR_NO_OPTIMIZER',
  'ERR_ONNX_ATTRIBUTE',
  'ERR_ONNX_COLUMN_NAME',
  'ERR_ONNX_DECODE',
  'ERR_ONNX_DTYPE',
  'ERR_ONNX_EXTERNAL_DATA',
  'ERR_ONNX_GRAPH',
  'ERR_ONNX_METADATA',
  'ERR_ONNX_NON_FINITE',
  'ERR_ONNX_SCHEMA',
  'ERR_ONNX_SHAPE',
  'ERR_ONNX_UNSUPPORTED_GRAPH',
  'ERR_ONNX_UNSUPPORTED_OP',
  'ERR_OPTIMIZER_IN_USE',
  'ERR_OUT_OF_RANGE',
  'ERR_PREDICTOR_DETACHED',
  'ERR_QUEUE_PEER_MISSING',
  'ERR_QUEUE_UNREACHABLE',
  'ERR_RAGGED_ROWS',
  'ERR_SHAPE_MISMATCH',
  'ERR_TABLE_DUPLICATE_COLUMN',
  'ERR_TABLE_EMPTY_COLUMN',
  'ERR_TABLE_MISSING_COLUMN',
  'ERR_TABLE_NOT_DATE',
  'ERR_TABLE_NOT_FINITE',
  'ERR_TABLE_NOT_FITTED',
  'ERR_TABLE_NOT_NUMERIC',
  'ERR_TABLE_NOT_TABLE_MODEL',
  'ERR_TABLE_NO_FEATURES',
  'ERR_TABLE_ONE_CLASS',
  'ERR_TABLE_OPTION',
  'ERR_TABLE_RAGGED',
  'ERR_TABLE_RECORD',
  'ERR_TABLE_ROWS',
  'ERR_TABLE_TARGET',
  'ERR_TABLE_TARGET_AS_FEATURE',
  'ERR_TABLE_TASK',
  'ERR_TABLE_TOO_FEW_ROWS',
  'ERR_TABLE_UNKNOWN_CLASS',
  'ERR_TABLE_UNKNOWN_COLUMN',
  'ERR_TOO_LARGE',
  'ERR_TUNE_NO_TRIAL',
  'ERR_UNKNOWN_BACKEND',
  'ERR_UNKNOWN_OPTION',
  'ERR_WORKER_FAILED',
] as const;

/** One of {@link ERROR_CODES}: the type of every blasnet error's `code`. */
export type BlasnetErrorCode = (typeof ERROR_CODES)[number];

/** The base class of every error blasnet throws (beyond the kernels' TypeError/RangeError). */
export class BlasnetError extends Error {
  /** A stable identifier, e.g. `ERR_SHAPE_MISMATCH` (docs/errors.md lists them all). */
  readonly code: BlasnetErrorCode;

  constructor(code: BlasnetErrorCode, message: string, options?: { cause?: unknown }) {
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

  constructor(code: BlasnetErrorCode, option: string, expected: string, actual: string, message?: string) {
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

  constructor(code: BlasnetErrorCode, message: string, where: { column?: string; row?: number } = {}) {
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
 * `ERR_MODEL_LENGTH`, `ERR_MODEL_CHECKSUM`, `ERR_MODEL_HEADER`, `ERR_MODEL_SHAPE`, `ERR_MODEL_DTYPE`,
 * `ERR_MODEL_NON_FINITE`, `ERR_MODEL_NOT_A_FILE`, `ERR_MODEL_TOO_LARGE`; docs/errors.md says when). The message names
 * the file and what was wrong. Network.fromONNX's refusals are ModelFormatErrors too, with `ERR_ONNX_*`
 * codes naming the kind of problem and messages naming the node or tensor (README "ONNX").
 */
export class ModelFormatError extends BlasnetError {}
