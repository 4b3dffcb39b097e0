/**
 * startTrainingWorker: a BullMQ worker that takes training jobs from a queue and runs them on this
 * process's fitAsync pool. Training runs off the main thread, so BullMQ's lock renewals and stalled
 * checks keep running on time however long a job trains: a job is only ever "stalled" when its worker
 * really is gone (killed, out of memory, disconnected longer than the lock lasts), and then another
 * worker runs it again from the start; being seeded, it ends with the same weights, bit for bit.
 *
 * Which failures are retried: only a training thread that died (`ERR_WORKER_FAILED`: a crash or an out of
 * memory in that thread), up to the job's `attempts`. Everything else is deterministic (bad data, a
 * network that does not fit the data, divergence) or asked for (a cancellation), so retrying would fail
 * the same way: those fail once, as BullMQ's UnrecoverableError, with the coded error in the reason.
 */
import type { Job, Worker } from 'bullmq';

import { AbortError } from '../errors';
import { poolInfo } from '../train/pool';
import type { CrossValidation } from '../search/cross-validate';
import { checkJob, errorReason, type StoredResult, type TrainingProgress } from './job';
import { bullmq, CANCEL_EVENT, connectionOf, DEFAULT_QUEUE, type Connection } from './peers';
import { runCrossValidationJob, runTrainingJob } from './run-job';
import { runTableCrossValidationJob, runTableJob } from './table-job';

/** What {@link startTrainingWorker} takes. */
export interface TrainingWorkerOptions {
  /** The Redis server: a URL (`redis://127.0.0.1:6379`), ioredis options, or an ioredis client. */
  connection: Connection;
  /** The queue's name. Default `blasnet-training`. */
  queue?: string;
  /**
   * Jobs this process trains at once; default the pool's size (`configurePool`, default the cores).
   * More than the pool's size only makes jobs wait for a thread while they hold their lock.
   */
  concurrency?: number;
  /**
   * BullMQ's lock: a job whose worker has not renewed its lock for this long counts as stalled and goes
   * back to the queue (default 30,000 ms); checked every `stalledInterval` ms (default 30,000); a job may
   * stall `maxStalledCount` times (default 1) before it fails.
   */
  lockDuration?: number;
  stalledInterval?: number;
  maxStalledCount?: number;
}

/** A running training worker. */
export interface TrainingWorker {
  /** BullMQ's Worker, for its events ('completed', 'failed', 'error'...). */
  readonly worker: Worker;
  /**
   * Stops taking jobs. Without `force`, waits for the running ones to finish; with it, stops at once and
   * leaves them to be retried by another worker once their locks expire.
   */
  close(options?: { force?: boolean }): Promise<void>;
}

/** Whether a training error may go differently on another try. */
function retryable(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'ERR_WORKER_FAILED';
}

/**
 * Starts a worker for the training queue `queue` on `connection`.
 * @example
 * const worker = startTrainingWorker({ connection: 'redis://127.0.0.1:6379', concurrency: 2 });
 * process.once('SIGTERM', () => void worker.close());
 */
export function startTrainingWorker(options: TrainingWorkerOptions): TrainingWorker {
  const { Worker: BullWorker, QueueEvents, UnrecoverableError } = bullmq();
  const queue = options.queue ?? DEFAULT_QUEUE;
  const { options: connection, owned } = connectionOf(options.connection);

  const processor = async (
    job: Job,
    _token?: string,
    signal?: AbortSignal,
  ): Promise<StoredResult | CrossValidation> => {
    if ((job.data as { cancelled?: unknown }).cancelled === true) {
      throw new UnrecoverableError(errorReason(new AbortError('Training was cancelled before it started')));
    }
    // Progress goes to Redis in order, without pausing training for the round trip.
    let reports = Promise.resolve();
    const onProgress = (progress: TrainingProgress): void => {
      reports = reports.then(() => job.updateProgress(progress)).catch(() => undefined);
    };
    try {
      const data = checkJob(job.data);
      if (data.kind === 'cross-validation') return await runCrossValidationJob(data, signal);
      if (data.kind === 'table-cross-validation') return await runTableCrossValidationJob(data, signal);
      const run = data.kind === 'table' ? runTableJob : runTrainingJob;
      const result = await run(data as never, { ...(signal ? { signal } : {}), onProgress });
      await reports;
      return { model: result.model.toString('base64'), history: result.history, epochs: result.epochs };
    } catch (error) {
      if (retryable(error)) throw new Error(errorReason(error));
      if (signal?.aborted)
        throw new UnrecoverableError(errorReason(new AbortError('Training was cancelled', { cause: signal.reason })));
      throw new UnrecoverableError(errorReason(error));
    }
  };

  const worker = new BullWorker(queue, processor, {
    connection,
    concurrency: options.concurrency ?? poolInfo().size,
    ...(options.lockDuration !== undefined ? { lockDuration: options.lockDuration } : {}),
    ...(options.stalledInterval !== undefined ? { stalledInterval: options.stalledInterval } : {}),
    ...(options.maxStalledCount !== undefined ? { maxStalledCount: options.maxStalledCount } : {}),
  });
  // A lost connection is reported here while ioredis reconnects; the worker carries on once it is back.
  worker.on('error', () => undefined);

  // Cancellations of running jobs arrive as a custom event on the queue's event stream.
  const events = new QueueEvents(queue, { connection });
  events.on('error', () => undefined);
  (events as unknown as NodeJS.EventEmitter).on(CANCEL_EVENT, (args: { jobId?: unknown }) => {
    if (typeof args.jobId === 'string') worker.cancelJob(args.jobId, 'cancelled');
  });

  let closing: Promise<void> | undefined;
  return {
    worker,
    close({ force = false } = {}) {
      closing ??= (async () => {
        await worker.close(force);
        await events.close();
        if (owned !== undefined) await owned.quit().catch(() => owned.disconnect());
      })();
      return closing;
    },
  };
}
