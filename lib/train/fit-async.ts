/**
 * fitAsync's main-thread side: starts a worker thread that runs the training loop (worker.ts), applies
 * the weight snapshots it sends, runs the callbacks (pausing the worker until each settles), relays aborts,
 * and settles with the history or the error. The event loop only ever does small things: copy a snapshot,
 * call a callback.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import { backends } from '../backend';
import { AbortError, BlasnetError, ValueError } from '../errors';
import type { Matrix } from '../matrix';
import type { Optimizer } from '../optimizers';
import type { Random } from '../random';
import type { History } from './history';
import { logLine } from './history';
import { handOver } from './handover';
import type { ResolvedFitAsyncOptions } from './options';
import type { TrainingTarget } from './trainer';
import { CONTROL_SLOTS, RESUME, reviveError, STOP, type WorkerJob, type WorkerMessage } from './worker-protocol';

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

/**
 * The worker's script: dist/train/worker.js in the package; lib/train/worker.ts when blasnet runs from
 * its TypeScript sources (its own tests, or tsx), and then the worker needs tsx's loader too.
 */
function workerScript(): { file: string; execArgv: string[] } {
  const extension = path.extname(__filename);
  const file = path.join(__dirname, `worker${extension}`);
  if (extension !== '.ts') return { file, execArgv: [] };
  let loader: string;
  try {
    loader = require.resolve('tsx/cjs');
  } catch (cause) {
    throw new BlasnetError(
      'ERR_WORKER_FAILED',
      'fitAsync needs tsx (a devDependency) to run blasnet from its TypeScript sources; install it, or use the compiled package (dist/)',
      { cause },
    );
  }
  return { file, execArgv: ['--require', loader] };
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
 * training ends, however it ends), the learning rate per epoch, and, once training ends, how many epochs
 * it completed.
 */
export interface AsyncRun {
  optimizer: Optimizer;
  learningRate: number;
  rates: number[] | null;
  completedEpochs: number;
}

/**
 * Trains `target.parameters` in a worker; the network's generator and `run.optimizer` continue where the
 * worker's stopped. Resolves with the history; rejects with the callback's error, an `AbortError`, a
 * `NonFiniteLossError` or the worker's error, always after the last snapshot is in place.
 */
export async function trainInWorker(
  target: TrainingTarget,
  random: Random,
  data: AsyncData,
  settings: ResolvedFitAsyncOptions,
  run: AsyncRun,
): Promise<History> {
  const { signal } = settings;
  const aborted = (detail = ''): AbortError => new AbortError(`Training was aborted${detail}`, { cause: signal?.reason });
  if (signal?.aborted) throw aborted();
  const backend = builtInBackend(target);
  const script = workerScript();

  const { dtype } = target;
  const x = await handOver(data.x.matrix, data.x.owned, dtype);
  const y = await handOver(data.y.matrix, data.y.owned, dtype);
  let validation: WorkerJob['validation'];
  const transfer = [...x.transfer, ...y.transfer];
  if (data.validation !== undefined && 'split' in data.validation) {
    validation = { split: data.validation.split };
  } else if (data.validation !== undefined) {
    const vx = await handOver(data.validation.x.matrix, data.validation.x.owned, dtype);
    const vy = await handOver(data.validation.y.matrix, data.validation.y.owned, dtype);
    validation = { x: vx.matrix, y: vy.matrix };
    transfer.push(...vx.transfer, ...vy.transfer);
  }

  // The worker's own copy of the weights, made like the data's: a megabyte per turn.
  const parameters = (await handOver({ rows: 1, cols: target.parameters.length, data: target.parameters }, false, dtype)).matrix.data;
  // The copy yields to the event loop, so look again.
  if (signal?.aborted) throw aborted();
  const control = new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  const job: WorkerJob = {
    backend,
    layout: target.layoutCode,
    dtype,
    parameters,
    random: random.getState(),
    optimizer: { config: run.optimizer.toJSON(), state: run.optimizer.exportState() },
    x: x.matrix,
    y: y.matrix,
    validation,
    weights: data.weights,
    settings: {
      loss: settings.loss.name,
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      learningRate: run.learningRate,
      rates: run.rates,
      logEvery: settings.logEvery,
      shuffle: settings.shuffle,
      stopOnNonFinite: settings.stopOnNonFinite,
      earlyStopping: settings.earlyStopping,
    },
    reportBatches: settings.onBatchEnd !== undefined,
    yieldEvery: settings.yieldEvery,
    waitOnEpoch: settings.onEpochEnd !== undefined,
    control,
  };

  return new Promise<History>((resolve, reject) => {
    const worker = new Worker(script.file, { workerData: job, transferList: transfer, execArgv: script.execArgv });
    /** Why the main thread asked the worker to stop: the signal, or a callback's error. */
    let stopReason: { abort: true } | { error: unknown } | undefined;
    let finished = false;
    // Messages are handled one at a time, each after the previous one's callback has settled.
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
    const onAbort = (): void => requestStop({ abort: true });
    signal?.addEventListener('abort', onAbort, { once: true });

    const settle = (outcome: { history: History } | { error: unknown }): void => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      if ('history' in outcome) resolve(outcome.history);
      else reject(outcome.error);
    };

    const handle = async (message: WorkerMessage): Promise<void> => {
      if (finished) return;
      if (message.parameters !== undefined) target.parameters.set(message.parameters);
      if (message.type === 'done' || message.type === 'stopped' || message.type === 'failed') {
        // The optimizer's state goes with the final parameters, whichever way training ended.
        if (message.optimizer !== undefined) run.optimizer.restoreState(message.optimizer);
        run.completedEpochs = message.epochs;
      }
      switch (message.type) {
        case 'batch':
          if (stopReason === undefined) await settings.onBatchEnd?.(message.batch, message.logs);
          wake();
          return;
        case 'epoch':
          if (message.recorded !== undefined && stopReason === undefined) settings.log?.(logLine(message.recorded, settings.epochs));
          if (settings.onEpochEnd === undefined) return; // the worker did not wait for this one: no wake
          if (stopReason === undefined) await settings.onEpochEnd(message.epoch, message.logs);
          wake();
          return;
        case 'done':
          random.setState(message.random);
          // A callback that failed on the last epoch: the worker had no minibatch left to stop before.
          if (stopReason !== undefined && 'error' in stopReason) return settle({ error: stopReason.error });
          // An abort that came after the last minibatch is too late: training is complete.
          await settings.onTrainEnd?.(message.history);
          settle({ history: message.history });
          return;
        case 'stopped':
          random.setState(message.random);
          settle({
            error:
              stopReason !== undefined && 'error' in stopReason
                ? stopReason.error
                : aborted(` after ${message.batches} minibatch${message.batches === 1 ? '' : 'es'}, between two of them`),
          });
          return;
        case 'failed':
          random.setState(message.random);
          settle({ error: reviveError(message.error) });
      }
    };

    worker.on('message', (message: WorkerMessage) => {
      queue = queue.then(() => handle(message)).catch((error: unknown) => {
        // A callback (or log) threw: stop the worker; the 'stopped' message that follows settles with this error.
        if (message.type === 'done') settle({ error });
        else requestStop({ error });
      });
    });
    worker.on('error', (error) => {
      queue = queue.then(() =>
        settle({ error: new BlasnetError('ERR_WORKER_FAILED', `The training worker failed: ${error.message}`, { cause: error }) }),
      );
    });
    worker.on('exit', (code) => {
      queue = queue.then(() =>
        settle({ error: new BlasnetError('ERR_WORKER_FAILED', `The training worker exited (code ${code}) before training ended`) }),
      );
    });
  });
}
