/**
 * Handing training data to a worker thread without blocking the event loop and without touching the
 * caller's arrays:
 *  - data already on a SharedArrayBuffer is shared as it is (no copy);
 *  - data blasnet converted itself (from arrays of rows) is transferred (no copy: nobody else holds it);
 *  - the caller's own Float64Array is copied once into shared memory, a megabyte per event-loop turn,
 *    so even a large set never stalls the loop for long. (Transferring it would detach the caller's
 *    array, and a plain postMessage would copy it twice, on the main thread.) For a float32 network this
 *    copy is also the conversion to float32.
 * Epochs never copy anything: the worker reads the shared rows in place.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

import type { Dtype, FloatMatrix } from '../matrix';
import type { MatrixData } from './worker-protocol';

/**
 * Elements copied per event-loop turn: 1 MiB, about a millisecond even when each page of the fresh shared
 * buffer is touched for the first time (the first touch, not the copy, is what costs).
 */
const COPY_CHUNK = 1 << 17;

/** How a matrix was handed over: shared as it was, transferred, or copied. */
export type Handover = 'shared' | 'transferred' | 'copied';

/** A matrix ready for the worker, and how it got there. */
export interface HandedOver {
  matrix: MatrixData;
  how: Handover;
  /** The buffers to list in the transfer list. */
  transfer: ArrayBuffer[];
}

/**
 * @param owned - whether blasnet created `matrix.data` itself, so that detaching it harms nobody
 */
export async function handOver(matrix: FloatMatrix, owned: boolean, dtype: Dtype): Promise<HandedOver> {
  const { rows, cols, data } = matrix;
  const sameType = data instanceof Float32Array === (dtype === 'float32');
  if (sameType && data.buffer instanceof SharedArrayBuffer)
    return { matrix: { rows, cols, data }, how: 'shared', transfer: [] };
  if (sameType && owned && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) {
    return { matrix: { rows, cols, data }, how: 'transferred', transfer: [data.buffer as ArrayBuffer] };
  }
  // TypedArray.set converts between element types, so the chunked copy below also converts.
  const shared =
    dtype === 'float32'
      ? new Float32Array(new SharedArrayBuffer(data.length * 4))
      : new Float64Array(new SharedArrayBuffer(data.length * 8));
  for (let start = 0; start < data.length; start += COPY_CHUNK) {
    if (start > 0) await nextTurn();
    shared.set(data.subarray(start, start + COPY_CHUNK), start);
  }
  return { matrix: { rows, cols, data: shared }, how: 'copied', transfer: [] };
}
