/**
 * The entry point of a fitAsync worker thread: it rebuilds the training run from its workerData and runs
 * the same loop as fit (loop.ts), so the weights are bit-identical; it reports to the main thread after
 * epochs (and, throttled, minibatches), pausing while the main thread's callbacks run, and stops between
 * minibatches when the main thread asks.
 *
 * Not part of the public API: the pool's threads run it (pool-worker.ts, from dist/train/ or under tsx).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

import { resolveBackend } from '../backend';
import { NetworkLayout } from '../backend/layout';
import { LOSSES, type Loss } from '../losses';
import type { FloatMatrix } from '../matrix';
import { optimizerFromConfig } from '../optimizers';
import { Random } from '../random';
import { runTraining } from './loop';
import { evaluationWorkspaceRows } from './plan';
import type { TrainingTarget } from './trainer';
import { prepareData, type ValidationSource } from './validation';
import { RESUME, serializeError, STOP, type MatrixData, type WorkerJob, type WorkerMessage } from './worker-protocol';
import { Workspace } from './workspace';

/** How long minibatches train between two looks at the stop flag (see LoopHooks.stopLatencyMs). */
const STOP_LATENCY_MS = 5;

function matrix(value: MatrixData): FloatMatrix {
  return { rows: value.rows, cols: value.cols, data: value.data };
}

/** Where the messages go: the pool's port for the job (pool-worker.ts), or the parent of a worker of its own. */
let out: MessagePort | SnapshotSink | null = parentPort;

function post(message: WorkerMessage): void {
  // A snapshot is the worker's own fresh copy: transfer it rather than copy it again. The trained
  // parameters themselves are on shared memory, which travels without a copy anyway.
  const buffer = message.parameters?.buffer;
  out!.postMessage(message, buffer === undefined || buffer instanceof SharedArrayBuffer ? [] : [buffer]);
}

/**
 * The thread's one generator, given each job's state in turn rather than made anew per job. V8's optimised
 * code for the shuffle (Random.permutation and what it inlines) holds the generator it was compiled
 * against as a weak constant: when a job's own generator died in the scavenge after its job (pool-worker.ts),
 * that code was thrown away and the next job ran the shuffle unoptimised until V8 had compiled it again on
 * a helper thread (measured: two compilations of 1.5 to 6 ms per job and function, for permutation,
 * integer and nextUint32). The same object every job keeps that code alive. Its state is the job's
 * from setState on, so nothing of one job reaches the next.
 */
const threadRandom = new Random(0);

/**
 * The thread's evaluation workspace, kept from job to job while the layout, element type and capacity
 * are the same (a pool thread's jobs are often alike). Made anew per job it was up to 4 MiB (0.9 MB for
 * workload D's 64-32-10) of fresh memory a job: zeroed pages to touch, and, freed only when a later
 * collection ran while the next job's was live, it left glibc's heap fragmented (measured: with a
 * thread's next job waiting behind the running one, RSS grew from 130 to 190 MB over twelve bursts of 32
 * jobs, flat at about 131 MB with a fixed mmap threshold, which shows where it was). A workspace is scratch
 * memory, written before it is read, and the capacity is exactly fit's (plan.ts), so the loss passes
 * chunk the rows as fit does and the bits do not change.
 */
let cachedEvaluation: { layout: Int32Array; dtype: WorkerJob['dtype']; workspace: Workspace } | undefined;

function evaluationWorkspace(
  encoded: Int32Array,
  layout: NetworkLayout,
  capacity: number,
  dtype: WorkerJob['dtype'],
): Workspace {
  const cached = cachedEvaluation;
  if (
    cached !== undefined &&
    cached.dtype === dtype &&
    cached.workspace.capacity === capacity &&
    cached.layout.length === encoded.length &&
    cached.layout.every((value, i) => value === encoded[i])
  )
    return cached.workspace;
  const workspace = new Workspace(layout, capacity, dtype);
  cachedEvaluation = { layout: encoded.slice(), dtype, workspace };
  return workspace;
}

/**
 * Where a quiet pooled job's snapshots go (pool-worker.ts): the thread's own long-lived channel to the
 * main thread, tagged with the job, instead of a port of the job's own.
 */
export interface SnapshotSink {
  postMessage(message: WorkerMessage, transfer: ArrayBuffer[]): void;
}

/**
 * Runs one training, reporting to `port`, and returns its ending message. With `quiet` (a job that no
 * callback, log or schedule block waits on: see WorkerJob.quiet), only the epoch snapshots are posted,
 * and the ending message is not: the caller returns it as the pool task's result.
 */
export function run(
  job: WorkerJob,
  port: MessagePort | SnapshotSink | null = parentPort,
  quiet = false,
): WorkerMessage {
  out = port;
  const { control } = job;
  const parameters = job.parameters;
  const random = threadRandom.setState(job.random);
  const optimizer = optimizerFromConfig(job.optimizer.config);
  if (job.optimizer.state !== undefined) optimizer.importState(job.optimizer.state);
  let completed = 0;
  const final = () => ({
    parameters,
    random: random.getState(),
    optimizer: optimizer.exportState(),
    epochs: completed,
  });
  let ending: WorkerMessage;
  try {
    optimizer.attach(parameters);
    const layout = NetworkLayout.parse(job.layout, (message) => new Error(`Invalid network layout: ${message}`));
    const target: TrainingTarget = {
      backend: resolveBackend(job.backend),
      layout,
      encodedLayout: job.layout,
      dtype: job.dtype,
      parameters,
    };
    let validation: ValidationSource;
    if (job.validation !== undefined) {
      validation =
        'split' in job.validation ? job.validation : { x: matrix(job.validation.x), y: matrix(job.validation.y) };
    }
    const data = prepareData(matrix(job.x), matrix(job.y), validation, job.weights);
    // As fit chooses (plan.ts).
    const capacity = evaluationWorkspaceRows(layout, job.dtype, job.settings.batchSize, data);
    const evaluation =
      capacity === undefined ? undefined : evaluationWorkspace(job.layout, layout, capacity, job.dtype);
    const settings = { ...job.settings, loss: (LOSSES as Record<string, Loss>)[job.settings.loss]! };

    // Reads the resume counter before posting, so a resume that comes before the wait is not missed.
    const postAndWait = (message: WorkerMessage): void => {
      const seen = Atomics.load(control, RESUME);
      post(message);
      Atomics.wait(control, RESUME, seen);
    };
    // The rates block holds the run's epochs from `ratesFrom` on (see WorkerJob.rates).
    const rates = job.rates;
    let ratesFrom = 1;
    let lastReport = performance.now();
    let lastSnapshot = lastReport;
    const outcome = runTraining(
      target,
      random,
      data,
      settings,
      evaluation,
      {
        // Plain SGD trains in runs of minibatches, one native call each, sized to take about this long:
        // a stop is seen within a few milliseconds, and a small network's minibatch (tens of
        // microseconds) does not pay a check and a call of its own.
        stopLatencyMs: STOP_LATENCY_MS,
        shouldStop: () => Atomics.load(control, STOP) !== 0,
        ...(rates && {
          rate: (epoch: number) => {
            if (epoch >= ratesFrom + rates.length) {
              postAndWait({ type: 'rates', from: epoch });
              ratesFrom = epoch;
            }
            // When the main thread stopped training instead (the schedule threw), the loop sees it next.
            return rates[epoch - ratesFrom]!;
          },
        }),
        batchEnd: job.reportBatches
          ? (batch, logs) => {
              if (performance.now() - lastReport < job.yieldEvery) return;
              postAndWait({ type: 'batch', batch, logs, parameters: parameters.slice() });
              // Counted from when the callback has finished, so calls are yieldEvery apart on the main thread too.
              lastReport = lastSnapshot = performance.now();
            }
          : undefined,
        epochEnd: (epoch, logs, recorded) => {
          completed++;
          // onEpochEnd sees that epoch's weights. Without it, snapshots come at most every yieldEvery ms, so
          // many short epochs of a large network cannot flood the main thread with copies to apply.
          const now = performance.now();
          const snapshot = job.waitOnEpoch || now - lastSnapshot >= job.yieldEvery;
          // A quiet job's records serve no log on the main thread (the history has them): snapshots only.
          if (!snapshot && (quiet || recorded === undefined)) return;
          if (snapshot) lastSnapshot = now;
          const message: WorkerMessage = {
            type: 'epoch',
            epoch,
            logs,
            recorded: quiet ? undefined : recorded,
            parameters: snapshot ? parameters.slice() : undefined,
          };
          if (job.waitOnEpoch) postAndWait(message);
          else post(message);
        },
      },
      optimizer,
    );
    ending = outcome.stopped
      ? { type: 'stopped', batches: outcome.batches, ...final() }
      : { type: 'done', history: outcome.history, ...final() };
  } catch (error) {
    // The loop leaves the parameters consistent when it throws (rolled back on divergence).
    ending = { type: 'failed', error: serializeError(error), ...final() };
  }
  if (!quiet) post(ending);
  return ending;
}

// Started as a worker of its own (workerData is the job); in the pool, pool-worker.ts calls run per job.
if (workerData !== undefined && workerData !== null) run(workerData as WorkerJob);
