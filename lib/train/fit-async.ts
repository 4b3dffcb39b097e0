/**
 * fitAsync's main-thread side: queues the training on the pool's threads (pool.ts), which run the loop (worker.ts); it applies
 * the weight snapshots it sends, runs the callbacks (pausing the worker until each settles), relays aborts,
 * and settles with the history or the error. The event loop only ever does small things: copy a snapshot,
 * call a callback.
 */
import { backends } from '../backend';
import { AbortError, BlasnetError, ValueError } from '../errors';
import type { Matrix } from '../matrix';
import type { Optimizer } from '../optimizers';
import type { Random } from '../random';
import type { History } from './history';
import { logLine } from './history';
import { handOver, type HandedOver } from './handover';
import type { ResolvedFitAsyncOptions } from './options';
import { loopSettings, runRate, type RunSchedule } from './plan';
import { whenAborted } from './abort-listeners';

export type { RunSchedule } from './plan';
import { startTraining, type TrainingThread } from './pool';
import type { TrainingTarget } from './trainer';
import {
  CONTROL_SLOTS,
  RATE_BLOCK,
  RESUME,
  reviveError,
  STOP,
  type WorkerJob,
  type WorkerMessage,
} from './worker-protocol';

/** A matrix and whether blasnet made its array (converted from rows), so that detaching it harms nobody. */
export interface Owned {
  matrix: Matrix;
  owned: boolean;
}

/** The data of one fitAsync call, converted and shape-checked. */
export interface AsyncData {
  x: Owned;
  y: Owned;
  validation: { split: number } | { x: Owned; y: Owned } | undefined;
  /** One weight per row, or undefined (structured-cloned: a copy of 8 bytes a row). */
  weights?: Float64Array;
}

function builtInBackend(target: TrainingTarget): 'native' | 'js' {
  if (target.backend === backends.js) return 'js';
  // Only compare with native when it is the one in use, so a machine without the addon is not asked to load it.
  if (target.backend.name === 'native' && target.backend === backends.native) return 'native';
  throw new ValueError(
    'ERR_BACKEND_NOT_TRANSFERABLE',
    "fitAsync trains in a worker thread, which can rebuild the 'native' and 'js' backends but not a custom backend object; use fit, or a built-in backend",
  );
}

/**
 * The run's optimizer (attached to the network's parameters; its state is updated from the worker's when
 * training ends, however it ends), its schedule, and, once training ends, how many epochs it completed.
 */
export interface AsyncRun {
  optimizer: Optimizer;
  learningRate: number;
  schedule: RunSchedule | undefined;
  completedEpochs: number;
}

/**
 * Trains `target.parameters` in a worker; the network's generator and `run.optimizer` continue where the
 * worker's stopped. Resolves with the history; rejects with the callback's error, an `AbortError`, a
 * `NonFiniteLossError` or the worker's error, always after the last snapshot is in place.
 *
 * The job (and with it the worker's copy of the data) lives only in this function's frame, never in a
 * closure that outlives it: an error's stack keeps the closures of its frames alive, and no error may
 * keep a copy of training data (see {@link supervise}).
 */
export async function trainInWorker(
  target: TrainingTarget,
  random: Random,
  data: AsyncData,
  settings: ResolvedFitAsyncOptions,
  run: AsyncRun,
): Promise<History> {
  const { signal } = settings;
  if (signal?.aborted) throw detached(new AbortError('Training was aborted', { cause: signal.reason }));
  const backend = builtInBackend(target);

  const { dtype } = target;
  const x = await handOver(data.x.matrix, data.x.owned, dtype);
  const y = await handOver(data.y.matrix, data.y.owned, dtype);
  let validation: WorkerJob['validation'];
  const transfer = [...x.transfer, ...y.transfer];
  const callerShared = (handed: HandedOver): number => (handed.how === 'shared' ? handed.matrix.data.byteLength : 0);
  let callerSharedBytes = callerShared(x) + callerShared(y);
  if (data.validation !== undefined && 'split' in data.validation) {
    validation = { split: data.validation.split };
  } else if (data.validation !== undefined) {
    const vx = await handOver(data.validation.x.matrix, data.validation.x.owned, dtype);
    const vy = await handOver(data.validation.y.matrix, data.validation.y.owned, dtype);
    validation = { x: vx.matrix, y: vy.matrix };
    transfer.push(...vx.transfer, ...vy.transfer);
    callerSharedBytes += callerShared(vx) + callerShared(vy);
  }

  // The worker's own copy of the weights, made like the data's: a megabyte per turn.
  const parameters = (
    await handOver({ rows: 1, cols: target.parameters.length, data: target.parameters }, false, dtype)
  ).matrix.data;
  // The copy yields to the event loop, so look again.
  if (signal?.aborted) throw detached(new AbortError('Training was aborted', { cause: signal.reason }));
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  // The schedule's rates travel in blocks: the first with the job, the next when the worker asks.
  const rates =
    run.schedule === undefined
      ? undefined
      : new Float64Array(new SharedArrayBuffer(RATE_BLOCK * Float64Array.BYTES_PER_ELEMENT));
  if (run.schedule !== undefined) fillRates(rates!, run.schedule, 1, settings.epochs);
  const job: WorkerJob = {
    backend,
    layout: target.encodedLayout,
    dtype,
    parameters,
    random: random.getState(),
    optimizer: { config: run.optimizer.toJSON(), state: run.optimizer.exportState() },
    x: x.matrix,
    y: y.matrix,
    validation,
    weights: data.weights,
    // The loss travels by name: a Loss object does not cross threads.
    settings: { ...loopSettings(settings, run.learningRate), loss: settings.loss.name },
    rates,
    reportBatches: settings.onBatchEnd !== undefined,
    yieldEvery: settings.yieldEvery,
    waitOnEpoch: settings.onEpochEnd !== undefined,
    control,
    quiet:
      settings.onBatchEnd === undefined &&
      settings.onEpochEnd === undefined &&
      settings.log === null &&
      (run.schedule === undefined || settings.epochs <= RATE_BLOCK),
    callerSharedBytes,
  };
  // A thread of the process-wide pool (pool.ts): it may wait in the pool's queue first.
  const worker = startTraining(job, transfer, signal);
  return supervise(worker, control, rates, target, random, settings, run);
}

/** Rates of the run's epochs `from` (from 1) onwards, as many as fit in `block` and the run has, checked. */
function fillRates(block: Float64Array, run: RunSchedule, from: number, epochs: number): void {
  const count = Math.min(block.length, epochs - from + 1);
  for (let i = 0; i < count; i++) block[i] = runRate(run, from + i);
}

/**
 * An error ready to be handed to the caller: its stack formatted now. Until it is read, V8 keeps an
 * error's stack as the frames themselves, closures and all, and so everything those closures reach.
 */
function detached<E>(error: E): E {
  if (error instanceof Error) void error.stack;
  return error;
}

/**
 * The main thread's side of a running worker: applies snapshots, runs callbacks (the worker waits for
 * each), answers for schedule rates, relays stops, and settles. None of its closures reaches the
 * training data.
 *
 * Messages are handled one at a time, each after the previous one's callback has settled. An abort is
 * the exception: the worker's ending message is then handled at once, even while a callback has not
 * settled (its promise is no longer awaited; what it later resolves or rejects with is ignored), so an
 * abort always settles fitAsync promptly and ends the worker.
 */
function supervise(
  worker: TrainingThread,
  control: Int32Array,
  rates: Float64Array | undefined,
  target: TrainingTarget,
  random: Random,
  settings: ResolvedFitAsyncOptions,
  run: AsyncRun,
): Promise<History> {
  const { signal } = settings;
  const aborted = (detail = ''): AbortError =>
    new AbortError(`Training was aborted${detail}`, { cause: signal?.reason });
  return new Promise<History>((resolve, reject) => {
    /** Why the main thread asked the worker to stop: the signal, or a callback's error. */
    let stopReason: { abort: true } | { error: unknown } | undefined;
    let finished = false;
    let queue = Promise.resolve();

    const wake = (): void => {
      Atomics.add(control, RESUME, 1);
      Atomics.notify(control, RESUME);
    };
    const requestStop = (reason: NonNullable<typeof stopReason>): void => {
      stopReason ??= reason;
      Atomics.store(control, STOP, 1);
      wake();
    };
    const onAbort = (): void => {
      requestStop({ abort: true });
      // The worker has already said its last word (or died) while a callback runs: nothing more will come.
      if (aborting() && (ending !== undefined || exited)) abortNow();
    };
    const stopListening = signal === undefined ? undefined : whenAborted(signal, onAbort);

    const settle = (outcome: { history: History } | { error: unknown }): void => {
      if (finished) return;
      finished = true;
      stopListening?.();
      void worker.terminate();
      if ('history' in outcome) resolve(outcome.history);
      else reject(detached(outcome.error));
    };

    /** The ending messages' common part: the final weights and the state that goes with them. */
    const takeFinal = (message: WorkerMessage & { type: 'done' | 'stopped' | 'failed' }): void => {
      target.parameters.set(message.parameters);
      // The optimizer's state goes with the final parameters, whichever way training ended.
      if (message.optimizer !== undefined) run.optimizer.restoreState(message.optimizer);
      run.completedEpochs = message.epochs;
      random.setState(message.random);
    };
    const stoppedError = (batches: number, queued: boolean): unknown =>
      stopReason !== undefined && 'error' in stopReason
        ? stopReason.error
        : queued
          ? aborted(' while it waited for a training thread; it never started')
          : aborted(` after ${batches} minibatch${batches === 1 ? '' : 'es'}, between two of them`);

    const handle = async (message: WorkerMessage): Promise<void> => {
      if (finished) return;
      switch (message.type) {
        case 'batch':
          target.parameters.set(message.parameters);
          if (stopReason === undefined) await settings.onBatchEnd?.(message.batch, message.logs);
          wake();
          return;
        case 'epoch':
          if (message.parameters !== undefined) target.parameters.set(message.parameters);
          if (message.recorded !== undefined && stopReason === undefined)
            settings.log?.(logLine(message.recorded, settings.epochs));
          if (settings.onEpochEnd === undefined) return; // the worker did not wait for this one: no wake
          if (stopReason === undefined) await settings.onEpochEnd(message.epoch, message.logs);
          wake();
          return;
        case 'rates':
          // A schedule that throws stops training (the catch below), and fitAsync rejects with its error.
          if (stopReason === undefined) fillRates(rates!, run.schedule!, message.from, settings.epochs);
          wake();
          return;
        case 'done':
          takeFinal(message);
          // A callback that failed on the last epoch: the worker had no minibatch left to stop before.
          if (stopReason !== undefined && 'error' in stopReason) return settle({ error: stopReason.error });
          // An abort that came after the last minibatch is too late: training is complete.
          await settings.onTrainEnd?.(message.history);
          settle({ history: message.history });
          return;
        case 'stopped':
          takeFinal(message);
          settle({ error: stoppedError(message.batches, message.queued === true) });
          return;
        case 'failed':
          takeFinal(message);
          settle({ error: reviveError(message.error) });
      }
    };

    /** Messages taken but not yet handled: non-zero while a callback runs. */
    let inFlight = 0;
    let ending: (WorkerMessage & { type: 'done' | 'stopped' | 'failed' }) | undefined;
    let exited = false;
    // After an abort, the end is not kept waiting behind a callback that has not settled (see above).
    const abortNow = (): void => {
      if (finished) return;
      if (ending !== undefined) takeFinal(ending);
      let error: unknown;
      if (ending?.type === 'failed') error = reviveError(ending.error);
      else if (ending?.type === 'stopped') error = stoppedError(ending.batches, ending.queued === true);
      else
        error = aborted(
          ending?.type === 'done'
            ? ' after its last minibatch, while a callback was still pending'
            : ' while a callback was still pending',
        );
      settle({ error });
    };
    const aborting = (): boolean => stopReason !== undefined && 'abort' in stopReason && inFlight > 0;

    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'done' || message.type === 'stopped' || message.type === 'failed') {
        ending = message;
        if (aborting()) return abortNow();
      }
      inFlight++;
      queue = queue
        .then(() => handle(message))
        .catch((error: unknown) => {
          // A callback (or log) threw: stop the worker; the 'stopped' message that follows settles with this error.
          if (message.type === 'done') settle({ error });
          else requestStop({ error });
        })
        .finally(() => void inFlight--);
    });
    worker.on('error', (error) => {
      queue = queue.then(() =>
        settle({
          error: new BlasnetError('ERR_WORKER_FAILED', `The training worker failed: ${error.message}`, {
            cause: error,
          }),
        }),
      );
    });
    worker.on('exit', (code) => {
      exited = true;
      if (aborting()) return abortNow();
      queue = queue.then(() =>
        settle({
          error: new BlasnetError(
            'ERR_WORKER_FAILED',
            `The training worker exited (code ${code}) before training ended`,
          ),
        }),
      );
    });
  });
}
