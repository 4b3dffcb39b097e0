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

/** The native addon could not be loaded (`code`: `ERR_NATIVE_UNAVAILABLE`); the message says why and how to fix it. */
export class NativeLoadError extends BlasnetError {}
