/**
 * The submitting side: TrainingQueue puts training jobs on a BullMQ queue and hands back a handle per
 * job: its progress (BullMQ's job progress, relayed from the queue's event stream), its result (the model's
 * bytes and the history), and cancellation (a waiting job is removed; a running one is told to stop
 * through a custom event that the worker turns into its AbortSignal).
 */
import { EventEmitter } from 'node:events';

import type { Job, JobsOptions, Queue, QueueEvents, QueueEventsProducer } from 'bullmq';

import { AbortError, BlasnetError, ShapeError, StateError, ValueError, type BlasnetErrorCode } from '../errors';
import { toMatrix, type MatrixLike } from '../matrix';
import type { CrossValidation } from '../search/cross-validate';
import type { TrialSettings } from '../search/settings';
import type { TrialRunner, TrialValidation } from '../search/tune';
import { tableObjects, type TableSearchData } from '../search/table-search';
import type { TableRows } from '../table/rows';
import { checkJob, type StoredResult, type TrainingJob, type TrainingProgress, type TrainingResult } from './job';
import { bullmq, CANCEL_EVENT, connectionOf, DEFAULT_QUEUE, type Connection } from './peers';
import { whenAborted } from '../train/abort-listeners';

/** What {@link TrainingQueue} takes. */
export interface TrainingQueueOptions {
  /** The Redis server: a URL (`redis://127.0.0.1:6379`), ioredis options, or an ioredis client. */
  connection: Connection;
  /** The queue's name. Default `blasnet-training`. */
  name?: string;
}

/** Options of one submission (BullMQ's job options that make sense for training). */
export interface SubmitOptions {
  /** A job id of your own (BullMQ ignores a second job with an id it holds). */
  jobId?: string;
  /** Tries, counting the first, for failures that may go differently (a training thread that died). Default 2. */
  attempts?: number;
  /** BullMQ's priority (1 is the highest). */
  priority?: number;
}

const CLASSES: Record<string, new (code: BlasnetErrorCode, message: string) => BlasnetError> = {
  BlasnetError,
  ValueError,
  ShapeError,
  StateError,
};

/** The error a failed job's reason describes (`Name [CODE]: message`), as its class where it is one of ours. */
export function reviveReason(reason: string): Error {
  const match = /^(\w+) \[([A-Za-z0-9_]+)\]: ([\s\S]*)$/.exec(reason);
  if (match === null) return new BlasnetError('ERR_JOB_FAILED', reason);
  // The worker wrote the reason from one of our errors, so the code is one of ours.
  const [, name, code, message] = match as unknown as [string, string, BlasnetErrorCode, string];
  if (name === 'AbortError') return new AbortError(message);
  if (name === 'NonFiniteLossError') return Object.assign(new BlasnetError(code, message), { name });
  const Class = CLASSES[name];
  if (Class !== undefined) return new Class(code, message);
  return Object.assign(new BlasnetError(code, message), { name });
}

/** One submitted job: emits `'progress'` with a {@link TrainingProgress}. */
export class TrainingHandle extends EventEmitter {
  /** BullMQ's job id. */
  readonly id: string;
  private readonly owner: TrainingQueue;
  private readonly job: Job;
  private cancelled: AbortError | undefined;
  private readonly cancellation: Promise<never>;
  private cancel_!: (error: AbortError) => void;

  /** @internal */
  constructor(owner: TrainingQueue, job: Job) {
    super();
    this.owner = owner;
    this.job = job;
    this.id = job.id!;
    this.cancellation = new Promise<never>((_, reject) => (this.cancel_ = reject));
    this.cancellation.catch(() => undefined);
  }

  /**
   * The model's bytes and the history once the job has completed; rejects with the job's error, as its
   * class with its code (`ValueError`, `ShapeError`, `AbortError` after a cancellation...).
   */
  async finished(): Promise<TrainingResult> {
    const stored = (await this.result()) as StoredResult;
    return { model: Buffer.from(stored.model, 'base64'), history: stored.history, epochs: stored.epochs };
  }

  /** The job's result as the worker stored it (for a `cross-validation` job: `{ metric, score, scores }`). */
  async result(): Promise<unknown> {
    try {
      return await Promise.race([this.job.waitUntilFinished(this.owner.events()), this.cancellation]);
    } catch (error) {
      if (error instanceof AbortError) throw error;
      throw reviveReason(error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * Cancels the job: removed if it still waits; a running one stops between two minibatches (its
   * worker's AbortSignal) and fails with an `AbortError`, not retried. `finished()` rejects with that error.
   */
  async cancel(reason = 'cancelled'): Promise<void> {
    if (this.cancelled !== undefined) return;
    const job = await this.owner.queue.getJob(this.id);
    if (job === undefined) return; // gone already (removed, or cleaned after it ended)
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') return;
    if (state !== 'active') {
      try {
        await job.remove();
        this.cancelled = new AbortError(`Training job ${this.id} was cancelled before it started (${reason})`);
        this.cancel_(this.cancelled);
        return;
      } catch {
        // Taken by a worker meanwhile (its lock forbids removal): stop it as a running one.
      }
    }
    this.cancelled = new AbortError(`Training job ${this.id} was cancelled (${reason})`);
    // Marked first, so that a worker that takes the job over after a stall does not train it.
    await job.updateData({ ...(job.data as object), cancelled: true }).catch(() => undefined);
    await this.owner.producer().publishEvent({ eventName: CANCEL_EVENT, jobId: this.id });
  }
}

/**
 * A training queue on Redis, for submitting jobs (workers: `startTrainingWorker`).
 * @example
 * const queue = new TrainingQueue({ connection: 'redis://127.0.0.1:6379' });
 * const handle = await queue.submit({ kind: 'network', network: { layers: [4, 8, 3], activations: ['relu', 'softmax'], seed: 1 },
 *   data: { x, y }, fit: { loss: 'crossEntropy', epochs: 50 } });
 * handle.on('progress', (p) => console.log(p.epoch, p.type === 'epoch' ? p.loss : ''));
 * const { model, history } = await handle.finished();
 * const net = Network.fromBuffer(model);
 */
export class TrainingQueue {
  /** BullMQ's Queue. */
  readonly queue: Queue;
  readonly name: string;
  private readonly connection: ReturnType<typeof connectionOf>;
  private queueEvents: QueueEvents | undefined;
  private eventsProducer: QueueEventsProducer | undefined;
  private readonly handles = new Map<string, TrainingHandle>();

  constructor(options: TrainingQueueOptions) {
    if (typeof options !== 'object' || options === null || options.connection === undefined) {
      throw new ValueError(
        'ERR_INVALID_ARGUMENT',
        'Expected options.connection (a Redis URL, ioredis options or an ioredis client)',
      );
    }
    const { Queue: BullQueue } = bullmq();
    this.name = options.name ?? DEFAULT_QUEUE;
    this.connection = connectionOf(options.connection);
    this.queue = new BullQueue(this.name, { connection: this.connection.options });
    this.queue.on('error', () => undefined);
  }

  /** @internal The queue's event stream, opened on first need (progress, results). */
  events(): QueueEvents {
    if (this.queueEvents === undefined) {
      const { QueueEvents: BullQueueEvents } = bullmq();
      const events = new BullQueueEvents(this.name, { connection: this.connection.options });
      events.on('error', () => undefined);
      events.on('progress', ({ jobId, data }) => this.handles.get(jobId)?.emit('progress', data as TrainingProgress));
      const forget = ({ jobId }: { jobId: string }) => this.handles.delete(jobId);
      events.on('completed', forget);
      events.on('failed', forget);
      this.queueEvents = events;
    }
    return this.queueEvents;
  }

  /** @internal */
  producer(): QueueEventsProducer {
    if (this.eventsProducer === undefined) {
      this.eventsProducer = new (bullmq().QueueEventsProducer)(this.name, { connection: this.connection.options });
      this.eventsProducer.on('error', () => undefined);
    }
    return this.eventsProducer;
  }

  /**
   * Queues a training job (checked first) and returns its handle.
   * @throws {@link ValueError} (`ERR_INVALID_JOB`, `ERR_JOB_KIND`) for a job that is not well formed
   */
  async submit(job: TrainingJob, options: SubmitOptions = {}): Promise<TrainingHandle> {
    checkJob(job);
    const events = this.events();
    // Listening before the job exists, so that no progress or result can come before we hear it.
    await events.waitUntilReady();
    const jobOptions: JobsOptions = {
      attempts: options.attempts ?? 2,
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
      ...(options.jobId !== undefined ? { jobId: options.jobId } : {}),
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
    };
    const added = await this.queue.add(job.kind, job, jobOptions);
    const handle = new TrainingHandle(this, added);
    this.handles.set(handle.id, handle);
    return handle;
  }

  /** Closes the queue's connections (jobs stay queued in Redis). */
  async close(): Promise<void> {
    await Promise.all([this.queue.close(), this.queueEvents?.close(), this.eventsProducer?.close()]);
    const owned = this.connection.owned;
    if (owned !== undefined) await owned.quit().catch(() => owned.disconnect());
  }
}

/** Submits `job` to `queue`: the same as `queue.submit(job, options)`. */
export function submitTraining(
  queue: TrainingQueue,
  job: TrainingJob,
  options?: SubmitOptions,
): Promise<TrainingHandle> {
  return queue.submit(job, options);
}

/**
 * A {@link TrialRunner} for `tune` that sends each trial to the queue as a `cross-validation` job (the rows
 * go inline with every trial), so that the workers of every machine on the queue share the search.
 * @example
 * const queue = new TrainingQueue({ connection: 'redis://127.0.0.1:6379' });
 * const result = await tune(x, y, { trials: 40, runner: queueTrialRunner(queue, x, y) });
 */
export function queueTrialRunner(queue: TrainingQueue, x: MatrixLike, y: MatrixLike, concurrency = 64): TrialRunner {
  const data = { x: toMatrix(x, 'x').toArray(), y: toMatrix(y, 'y').toArray() };
  return trialRunner(queue, concurrency, (settings, validation) => ({
    kind: 'cross-validation',
    data,
    settings,
    validation,
  }));
}

/**
 * A runner whose trials are queue jobs (`jobOf` words each trial as one); a trial resolves with its job's
 * cross-validation and is cancelled on the queue when the search's signal aborts.
 */
function trialRunner(
  queue: TrainingQueue,
  concurrency: number,
  jobOf: (settings: TrialSettings, validation: Omit<TrialValidation, 'signal'>) => TrainingJob,
): TrialRunner {
  return {
    concurrency,
    async run(settings, cv) {
      const { signal, ...validation } = cv;
      const handle = await queue.submit(jobOf(settings, validation));
      const cancel = () => void handle.cancel('the search was aborted').catch(() => undefined);
      // Every trial of a search shares the search's signal: one listener on it, not one per trial.
      const stopListening = signal === undefined ? undefined : whenAborted(signal, cancel);
      try {
        return (await handle.result()) as CrossValidation;
      } finally {
        stopListening?.();
      }
    },
  };
}

/**
 * A {@link TrialRunner} for `tune` on raw rows (`tune(rows, { target }, { runner })`): each trial is a
 * `table-cross-validation` job with the rows inline, and each of its folds a table model fitted on the
 * worker from that fold's training rows.
 * @example
 * const result = await tune(rows, { target: 'species' }, { trials: 40, runner: queueTableTrialRunner(queue, rows, { target: 'species' }) });
 */
export function queueTableTrialRunner(
  queue: TrainingQueue,
  rows: TableRows,
  table: TableSearchData,
  concurrency = 64,
): TrialRunner {
  // JSON as it will travel: a typed array of weights would arrive as an object.
  const data = { rows: tableObjects(rows) as Record<string, unknown>[] };
  const { sampleWeight, ...rest } = table;
  const tableJson = { ...rest, ...(sampleWeight !== undefined ? { sampleWeight: Array.from(sampleWeight) } : {}) };
  return trialRunner(queue, concurrency, (settings, validation) => ({
    kind: 'table-cross-validation',
    data,
    table: tableJson,
    settings,
    validation,
  }));
}
