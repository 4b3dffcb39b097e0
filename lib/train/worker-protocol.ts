/**
 * What the main thread and a training worker say to each other. Everything here is plain data that
 * survives structured cloning; the matrices' Float64Arrays sit on SharedArrayBuffers or are transferred.
 *
 * The control block is a shared Int32Array, read with Atomics, because the worker's loop is synchronous
 * (it never returns to its event loop until training ends), so it cannot receive messages mid-run:
 *   [STOP]    0, or 1 once the main thread wants training to stop before the next minibatch
 *   [RESUME]  bumped by the main thread when the callback the worker waits on has finished (or to wake it
 *             for a stop); the worker sleeps in Atomics.wait while it is unchanged
 *   [STATE]   a pooled job's start: JOB_WAITING while it sits in a pool thread's queue, then either
 *             JOB_STARTED (the thread took it) or JOB_CANCELLED (aborted first: the thread skips it),
 *             set by compare-and-exchange so that exactly one of the two wins; JOB_ENDED once the thread
 *             is done with it (it may still be posting its last message)
 *   [THREAD]  the threadId of the pool thread that started it (so that thread alone can be ended)
 */
import {
  AbortError,
  BlasnetError,
  NativeLoadError,
  NonFiniteLossError,
  ShapeError,
  StateError,
  ValueError,
  type BlasnetErrorCode,
} from '../errors';
import type { FloatArray } from '../backend/kernels';
import type { Dtype } from '../matrix';
import type { OptimizerConfig, OptimizerState } from '../optimizers';
import type { RandomState } from '../random';
import type { EpochRecord, History } from './history';
import type { LoopSettings } from './loop';
import type { BatchLogs, EpochLogs } from './options';

/** The control block's slots (see the file comment) and its length. */
export const STOP = 0;
export const RESUME = 1;
export const STATE = 2;
export const THREAD = 3;
export const CONTROL_SLOTS = 4;
/** The values of the control block's STATE slot. */
export const JOB_WAITING = 0;
export const JOB_STARTED = 1;
export const JOB_CANCELLED = 2;
export const JOB_ENDED = 3;

/**
 * Schedule rates per block: the job brings the first epochs' and the worker asks for the next block when
 * it gets there (a 'rates' message, answered like a callback), so no run computes all its rates up front.
 */
export const RATE_BLOCK = 1024;

/** A matrix as it travels, in the network's element type: its data on a SharedArrayBuffer, or transferred. */
export interface MatrixData {
  rows: number;
  cols: number;
  data: FloatArray;
}

/** Everything a worker needs to run one training, sent as its workerData. */
export interface WorkerJob {
  backend: 'native' | 'js';
  /** The network layout in the kernels' Int32Array form. */
  layout: Int32Array;
  /** The network's element type (the parameters' and the data's). */
  dtype: Dtype;
  /** A copy of the parameters; the worker trains it and sends snapshots back. */
  parameters: FloatArray;
  random: RandomState;
  /** The optimizer to rebuild: its kind and hyper-parameters, and its state so far (a copy). */
  optimizer: { config: OptimizerConfig; state: OptimizerState | undefined };
  x: MatrixData;
  y: MatrixData;
  validation: { split: number } | { x: MatrixData; y: MatrixData } | undefined;
  /** One weight per training row (weighted loss), or undefined. */
  weights: Float64Array | undefined;
  /** The loop's settings, with the loss by name (a Loss object does not cross threads). */
  settings: Omit<LoopSettings, 'loss'> & { loss: string };
  /**
   * With a schedule: a shared block of {@link RATE_BLOCK} rates, holding those of the run's epochs 1 .. on
   * start, and after a 'rates' message those from the epoch it asked for.
   */
  rates: Float64Array | undefined;
  /**
   * Report minibatches at most every `yieldEvery` ms (only when there is an onBatchEnd); without an
   * onEpochEnd, send epoch snapshots at most that often too.
   */
  reportBatches: boolean;
  yieldEvery: number;
  /** Wait for the main thread after each epoch report (only when there is an onEpochEnd). */
  waitOnEpoch: boolean;
  control: Int32Array;
  /**
   * Nothing on the main thread waits on the run's messages: no callback, no log, no schedule block to ask
   * for. In the pool, such a job's ending message is the task's result and its snapshots go over the
   * thread's own channel, so it needs no port of its own (pool.ts).
   */
  quiet: boolean;
  /**
   * Bytes of x, y and the validation matrices that were the caller's own shared memory, shared as they were
   * (handover.ts): the caller keeps them alive anyway, so the pool thread's collections free none of
   * them and they do not count toward its next full collection (pool-worker.ts).
   */
  callerSharedBytes: number;
}

/**
 * Worker to main. Messages carry a snapshot of the parameters at that point; an epoch's report may leave it
 * out when the last snapshot is recent and no onEpochEnd needs it.
 */
export type WorkerMessage =
  | { type: 'batch'; batch: number; logs: BatchLogs; parameters: FloatArray }
  | {
      type: 'epoch';
      epoch: number;
      logs: EpochLogs;
      recorded: EpochRecord | undefined;
      parameters: FloatArray | undefined;
    }
  /** The worker waits until the rates block holds the rates of the run's epochs from `from` (from 1). */
  | { type: 'rates'; from: number; parameters?: undefined }
  | ({ type: 'done'; history: History } & Final)
  /** `queued`: aborted before it left the pool's queue (the pool's own answer; nothing was trained). */
  | ({ type: 'stopped'; batches: number; queued?: true } & Final)
  | ({ type: 'failed'; error: SerializedError } & Final);

/**
 * What every ending message carries: the parameters, and the state that goes with them (the generator's,
 * the optimizer's), and how many epochs were completed (for schedules in later runs).
 */
export interface Final {
  parameters: FloatArray;
  random: RandomState;
  optimizer: OptimizerState | undefined;
  epochs: number;
}

/** An error as it travels: structured cloning keeps neither the class nor the extra fields. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  epoch?: number;
  batch?: number;
  loss?: number;
}

/** Any thrown value as plain data, keeping what {@link reviveError} needs to rebuild its class. */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const out: SerializedError = { name: error.name, message: error.message };
  if (error.stack !== undefined) out.stack = error.stack;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') out.code = code;
  if (error instanceof NonFiniteLossError)
    Object.assign(out, { epoch: error.epoch, batch: error.batch, loss: error.loss });
  return out;
}

const CLASSES: Record<string, new (code: BlasnetErrorCode, message: string) => BlasnetError> = {
  BlasnetError,
  ValueError,
  ShapeError,
  StateError,
  NativeLoadError,
};

/** The error again, as its own class, with the worker's stack. */
export function reviveError(value: SerializedError): Error {
  let error: Error;
  if (value.name === 'NonFiniteLossError') {
    error = new NonFiniteLossError(value.epoch ?? 0, value.batch ?? 0, value.loss ?? NaN, value.message);
  } else if (value.name === 'AbortError') {
    error = new AbortError(value.message);
  } else if (value.code !== undefined && CLASSES[value.name] !== undefined) {
    // Serialized from one of our errors on the other side, so the code is one of ours.
    error = new CLASSES[value.name]!(value.code as BlasnetErrorCode, value.message);
  } else {
    error = new Error(value.message);
    if (value.name !== 'Error') error.name = value.name;
    if (value.code !== undefined) Object.assign(error, { code: value.code });
  }
  if (value.stack !== undefined) error.stack = value.stack;
  return error;
}
