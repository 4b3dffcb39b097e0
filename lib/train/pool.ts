/**
 * The process-wide pool of training threads under fitAsync: a bounded number of reused worker threads
 * (piscina), a FIFO queue of the jobs that wait for one, abort while queued, a dead worker replaced.
 *
 * Why piscina: it already does the reused threads, their replacement when one dies (its task alone is
 * rejected), unref'd idle threads and transfer lists. The queue is ours, a plain array in front of it:
 * piscina 5.3 keeps tasks that have an AbortSignal in a separate list where, while every thread is busy,
 * each new one goes to the front (we measured last in, first out), and its close() can end threads that
 * are still training; so piscina only ever gets a task when a thread can hold it (the one it runs, and one
 * waiting behind it: JOBS_PER_THREAD), tasks carry no AbortSignal, and an aborted job that waits is simply
 * taken out of our array (or, waiting in a thread's queue, marked cancelled in its control block, and the
 * thread skips it). What fitAsync needs beyond a task-returns-a-value pool works
 * on top of it unchanged: the job's SharedArrayBuffers (data, control block) travel by structured clone
 * as shared memory; the job's own buffers go in the transfer list; the worker's synchronous loop, steered
 * through Atomics on the control block, is simply a long synchronous task; and the messages a training
 * sends while it runs (snapshots, callback requests) go over a MessagePort that travels with the task,
 * since piscina's own channel only carries the final result. A quiet job (no callback, log or schedule
 * block waits on its messages: WorkerJob.quiet) needs no port: its ending message is the task's result,
 * and its snapshots, which nothing waits on, come over the thread's own channel to the pool (piscina's
 * 'message' event), tagged with the job's id; a MessageChannel per job was a measurable part of a small
 * job's cost. See docs/design.md, "A pool of training threads".
 *
 * fitAsync talks to a pooled training through {@link TrainingThread}, the subset of `Worker` it used
 * before (message, error and exit events; terminate), so fit-async.ts barely changed.
 */
import { EventEmitter } from 'node:events';
import * as os from 'node:os';
import * as path from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';

import { Piscina } from 'piscina';

import { getNumThreads, setNumThreads } from '../backend';
import { BlasnetError, ValueError } from '../errors';
import { whenAborted } from './abort-listeners';
import type { AbortSignalLike } from './options';
import type { PoolTask, TaggedSnapshot } from './pool-worker';
import {
  JOB_CANCELLED,
  JOB_STARTED,
  JOB_WAITING,
  STATE,
  THREAD,
  type WorkerJob,
  type WorkerMessage,
} from './worker-protocol';

/** What {@link configurePool} takes. */
export interface PoolOptions {
  /**
   * How many trainings run at once, each on a thread of its own; more wait in a FIFO queue.
   * An integer from 1 to 1024; default `os.availableParallelism()`.
   */
  size?: number;
  /**
   * OpenBLAS threads per training. OpenBLAS has one process-wide thread count, so this sets it for the
   * whole process (`fit` on the main thread included): see the README's "Many models at once".
   * Default: OpenBLAS's current count, lowered (never raised) so that `size × threadsPerWorker` does not
   * exceed the cores. Set it explicitly to oversubscribe on purpose. An integer from 1 to 1024.
   */
  threadsPerWorker?: number;
  /**
   * How much lower the training threads' scheduling priority is than the process's, in nice values
   * (Linux; elsewhere ignored): when trainings and the event loop compete for the cores, the event loop
   * wins, so a busy server keeps answering; but the trainings then also yield to every other process
   * of the machine. An integer from 0 (the process's priority) to 19; default 0.
   */
  niceIncrement?: number;
}

/** The pool's settings and what it is doing, from {@link poolInfo}. */
export interface PoolInfo {
  size: number;
  niceIncrement: number;
  /** The OpenBLAS thread count the pool applied (undefined until it applied one, or without the addon). */
  threadsPerWorker: number | undefined;
  /** Worker threads alive now (started lazily, up to `size`; idle ones exit after `idleTimeout`). */
  workers: number;
  /** Trainings running now, and waiting for a thread. */
  running: number;
  queued: number;
}

/** The subset of `Worker` that fitAsync uses, for a training run on the pool. */
export interface TrainingThread {
  on(event: 'message', listener: (message: WorkerMessage) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'exit', listener: (code: number) => void): this;
  /** Ends the training's thread, unless its training has already ended (then the thread is reused). */
  terminate(): Promise<void>;
}

/** How long an idle pool thread lives before it exits (it never keeps the process alive meanwhile). */
const IDLE_TIMEOUT_MS = 30_000;

/**
 * The pool worker's script: dist/train/pool-worker.js in the package; lib/train/pool-worker.ts when blasnet
 * runs from its TypeScript sources (its own tests, or tsx), and then the worker needs tsx's loader too.
 */
function workerScript(): { file: string; execArgv: string[] } {
  const extension = path.extname(__filename);
  const file = path.join(__dirname, `pool-worker${extension}`);
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

function checkCount(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1024) {
    throw new ValueError(
      'ERR_INVALID_ARGUMENT',
      `Expected options.${name} to be an integer from 1 to 1024 but received ${typeof value === 'number' ? String(value) : `${String(value)} of type ${typeof value}`}`,
    );
  }
  return value;
}

interface Settings {
  size: number;
  /** As the user asked (undefined: the default rule). */
  threadsPerWorker: number | undefined;
  niceIncrement: number;
}

/** The training threads' default nice increment: none (see PoolOptions.niceIncrement). */
const DEFAULT_NICE = 0;

let settings: Settings = { size: os.availableParallelism(), threadsPerWorker: undefined, niceIncrement: DEFAULT_NICE };
let pool: Piscina | undefined;
let appliedThreads: number | undefined;

/**
 * Sets OpenBLAS's process-wide thread count for the pool's settings: the user's choice, or the current
 * count lowered to fit `size` trainings on the cores. Without the addon (js backend only) there is nothing
 * to set.
 */
function applyThreads(): void {
  let current: number;
  try {
    current = getNumThreads();
  } catch {
    appliedThreads = undefined;
    return;
  }
  const wanted =
    settings.threadsPerWorker ?? Math.min(current, Math.max(1, Math.floor(os.availableParallelism() / settings.size)));
  if (wanted !== current) setNumThreads(wanted);
  appliedThreads = wanted;
}

/**
 * Sets the size of fitAsync's pool and the OpenBLAS threads per training. Trainings already running
 * finish where they are; waiting and new ones start on the new pool. Call it with no options for the defaults.
 * @throws {@link ValueError} (`ERR_INVALID_ARGUMENT`) for a size or thread count that is not an integer
 *   from 1 to 1024, or an unknown option
 * @example
 * configurePool({ size: 4, threadsPerWorker: 1 }); // four trainings at once, one OpenBLAS thread each
 */
export function configurePool(options: PoolOptions = {}): void {
  if (typeof options !== 'object' || options === null) {
    throw new ValueError('ERR_INVALID_ARGUMENT', `Expected options to be an object but received ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'size' && key !== 'threadsPerWorker' && key !== 'niceIncrement') {
      throw new ValueError(
        'ERR_INVALID_ARGUMENT',
        `Unknown option options.${key} for configurePool; expected size, threadsPerWorker or niceIncrement`,
      );
    }
  }
  const size = checkCount('size', options.size) ?? os.availableParallelism();
  const threadsPerWorker = checkCount('threadsPerWorker', options.threadsPerWorker);
  const nice = options.niceIncrement;
  if (nice !== undefined && !(typeof nice === 'number' && Number.isInteger(nice) && nice >= 0 && nice <= 19)) {
    throw new ValueError(
      'ERR_INVALID_ARGUMENT',
      `Expected options.niceIncrement to be an integer from 0 to 19 but received ${String(nice)}${typeof nice === 'number' ? '' : ` of type ${typeof nice}`}`,
    );
  }
  settings = { size, threadsPerWorker, niceIncrement: nice ?? DEFAULT_NICE };
  const old = pool;
  pool = undefined;
  // Running trainings finish on the old pool, whose threads end after the last one; waiting ones start
  // on the new one.
  if (old !== undefined) retire(old);
  dispatch();
  if (threadsPerWorker !== undefined) applyThreads();
}

/** The pool's settings and load. */
export function poolInfo(): PoolInfo {
  return {
    size: settings.size,
    niceIncrement: settings.niceIncrement,
    threadsPerWorker: appliedThreads,
    workers: pool?.threads.length ?? 0,
    running: [...live].filter((training) => training.isRunning()).length,
    queued: [...live].filter((training) => !training.isRunning()).length,
  };
}

/** Trainings submitted and not yet ended. */
const live = new Set<PooledTraining>();

/**
 * Ends a replaced pool's threads once no training uses it. (Not piscina's close(), which, in 5.3, can
 * count a thread as done twice and so end threads that are still training.)
 */
function retire(old: Piscina): void {
  if (old === pool) return;
  for (const training of live) if (training.pool === old) return;
  void old.destroy().catch(() => undefined);
}

function thePool(): Piscina {
  if (pool === undefined) {
    const script = workerScript();
    applyThreads();
    pool = new Piscina({
      filename: script.file,
      execArgv: script.execArgv,
      minThreads: 0,
      maxThreads: settings.size,
      idleTimeout: IDLE_TIMEOUT_MS,
      // A thread's next job waits in its own queue (see JOBS_PER_THREAD); our dispatch never hands piscina
      // more than its threads can hold, so piscina's own queue (whose order is not ours) stays empty.
      concurrentTasksPerWorker: JOBS_PER_THREAD,
      // piscina's default parks an idle thread in Atomics.wait inside the frame that ran the last task,
      // which keeps that task (and so the job's training rows) reachable until the next one arrives:
      // measured, one whole copy of the last job's data per idle thread. Event-driven messages let the
      // frame unwind and the thread collect (pool-worker.ts); a training lasts far longer than the wake-up.
      atomics: 'disabled',
    });
    // A thread that fails with no task (it never does: every task's failure is that task's) would
    // otherwise be an unhandled 'error' event, which ends the process.
    pool.on('error', () => undefined);
    // A quiet job's snapshots, over its thread's own channel (see PoolTask).
    pool.on('message', (tagged: TaggedSnapshot) => quietJobs.get(tagged.blasnetJob)?.deliver(tagged.message));
  }
  return pool;
}

/** The pool's threads (for the specs, which end one to check that the pool survives it). */
export function poolThreads(): readonly { terminate(): Promise<number> }[] {
  return pool?.threads ?? [];
}

/** Whether a worker message ends its training. */
function isFinal(message: WorkerMessage): boolean {
  return message.type === 'done' || message.type === 'stopped' || message.type === 'failed';
}

/**
 * Quiet jobs handed to a thread, by id (see PoolTask): their snapshots come over the thread's channel.
 * A snapshot that arrives after its job's end (the result travels on piscina's own port, so the two are
 * not ordered) finds no job and is dropped: the ending message holds newer weights.
 */
const quietJobs = new Map<number, PooledTraining>();
let nextJobId = 0;

/** Trainings waiting for a thread, oldest first. */
const waiting: PooledTraining[] = [];
/**
 * Tasks handed to piscina that it has not settled yet (running, or waiting in a thread's own queue). A
 * place is freed when piscina settles the task, not when the training's final message arrives (which is
 * sooner): so piscina always has room for what dispatch hands it, and never keeps a task in its own queue,
 * where, after a thread died, a task could wait for a new thread that piscina (minThreads 0) never starts.
 */
let dispatched = 0;

/**
 * How many jobs a thread holds at most: the one it runs and one waiting behind it, in the thread's own
 * message queue. When a job ends, its thread takes the next one at once instead of waiting for the main
 * thread to hear of the end and send another (measured: 1.3 to 2.5 ms idle per job of 8 ms on each
 * thread, 10 to 15% of a burst's wall time). Only small jobs wait there, and only behind small jobs (see
 * {@link PooledTraining.mayWaitOnThread}): a job waiting behind a long training would wait for all of it
 * while another thread may have come free; and it must survive the death of the other job's thread.
 */
const JOBS_PER_THREAD = 2;

/**
 * What counts as a small job: rows × epochs × parameters (multiply-adds of the forward pass, about a
 * third of the work) up to this; 2^28 is about 0.1 s of training for a small network on one core here,
 * so a job waits at most that long behind another in a thread's queue. Workload D's jobs: 2.4 × 10^7.
 */
const SMALL_JOB_WORK = 2 ** 28;

/** Dispatched jobs that may not have another waiting behind them (not small, see SMALL_JOB_WORK). */
let dispatchedLarge = 0;

/**
 * Hands waiting trainings to piscina, oldest first: while fewer than `size` are there, or, while only
 * small jobs are there, fewer than `size × JOBS_PER_THREAD` small ones.
 */
function dispatch(): void {
  while (waiting.length > 0) {
    const next = waiting[0]!;
    const limit = next.mayWaitOnThread && dispatchedLarge === 0 ? settings.size * JOBS_PER_THREAD : settings.size;
    if (dispatched >= limit) return;
    waiting.shift()!.begin();
  }
}

/** Whether a job may wait in a thread's queue (see PooledTraining.mayWaitOnThread). */
function mayWait(job: WorkerJob, transfer: ArrayBuffer[]): boolean {
  // A job that waits on the main thread's callbacks lasts as long as they do, whatever its size.
  if (transfer.length > 0 || job.reportBatches || job.waitOnEpoch) return false;
  return job.x.rows * job.settings.epochs * job.parameters.length <= SMALL_JOB_WORK;
}

/** A job's starting state: what an aborted job that never started answers with. */
interface StartingState {
  parameters: WorkerJob['parameters'];
  random: WorkerJob['random'];
  optimizer: WorkerJob['optimizer']['state'];
}

class PooledTraining extends EventEmitter implements TrainingThread {
  /** The job's own channel; none for a quiet job (see PoolTask). */
  private port: MessagePort | undefined;
  private workerPort: MessagePort | undefined;
  /** The job, kept while it may have to be sent again (jobs that may wait on a thread, until they end). */
  private job: WorkerJob | undefined;
  private readonly starting: StartingState;
  private readonly control: Int32Array;
  private transfer: ArrayBuffer[];
  private state: 'queued' | 'dispatched' | 'ended' = 'queued';
  private readonly onAbort: () => void;
  private readonly stopListening: (() => void) | undefined;
  /**
   * Whether the job may wait in a thread's queue behind another small one: it is small (SMALL_JOB_WORK),
   * waits on no callback, and nothing in it is transferred (its data is shared, or copied into shared
   * memory), so the main thread still holds all of it and can send it again: if the thread dies first
   * (the other job crashed, or was ended), the job goes back to the front of the queue instead of failing.
   */
  readonly mayWaitOnThread: boolean;
  /** No port: the ending message is the task's result, snapshots come tagged with `id` (see PoolTask). */
  private readonly quiet: boolean;
  private readonly id = nextJobId++;
  pool: Piscina | undefined;

  constructor(job: WorkerJob, transfer: ArrayBuffer[], signal: AbortSignalLike | undefined) {
    super();
    this.job = job;
    this.control = job.control;
    this.transfer = transfer;
    this.mayWaitOnThread = mayWait(job, transfer);
    this.starting = { parameters: job.parameters, random: job.random, optimizer: job.optimizer.state };
    this.quiet = job.quiet;
    if (!this.quiet) this.openPort();
    this.onAbort = () => {
      if (this.state === 'ended') return;
      // Handed to a thread: unless it still waits in the thread's queue (then the thread will skip it),
      // it runs, and the caller stops it through its control block as before.
      if (this.state === 'dispatched' && !this.cancelIfWaiting()) return;
      // It never starts. The answer holds the starting state, and not the data, so the rejection keeps
      // none of the data alive.
      const stopped: WorkerMessage = { type: 'stopped', batches: 0, queued: true, epochs: 0, ...this.starting };
      this.end(false);
      setImmediate(() => this.emit('message', stopped));
    };
    this.stopListening = signal === undefined ? undefined : whenAborted(signal, this.onAbort);
    live.add(this);
    waiting.push(this);
    dispatch();
  }

  /** The job's message channel (a new one when the job is sent again: the old end went with the task). */
  private openPort(): void {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (message: WorkerMessage) => this.deliver(message));
    this.port = port1;
    this.workerPort = port2;
  }

  /** A message of the training's (over its port, its thread's channel, or as the task's result). */
  deliver(message: WorkerMessage): void {
    if (this.state === 'ended') return;
    if (isFinal(message)) this.end(false);
    this.emit('message', message);
  }

  /** Marks a job that waits in a thread's queue as cancelled; false once the thread has started it. */
  private cancelIfWaiting(): boolean {
    return Atomics.compareExchange(this.control, STATE, JOB_WAITING, JOB_CANCELLED) === JOB_WAITING;
  }

  /** Leaves the queue for a thread. */
  begin(): void {
    let pool_: Piscina;
    try {
      pool_ = thePool();
    } catch (error) {
      // No thread can start (tsx missing when running from the sources): this job fails, the queue moves on.
      this.end(false);
      setImmediate(() => this.emit('error', error as Error));
      return;
    }
    this.state = 'dispatched';
    this.pool = pool_;
    dispatched++;
    const task: PoolTask = {
      job: this.job!,
      port: this.workerPort,
      id: this.id,
      niceIncrement: settings.niceIncrement,
    };
    const transferList = this.workerPort === undefined ? this.transfer : [this.workerPort, ...this.transfer];
    if (this.quiet) quietJobs.set(this.id, this);
    if (!this.mayWaitOnThread) {
      this.job = undefined;
      dispatchedLarge++;
    }
    this.workerPort = undefined;
    this.transfer = [];
    // No AbortSignal for piscina: its balancer never queues a task that has one behind another, and it
    // would end the thread for it. A training is stopped through its control block, and its thread
    // ended, when it must be, through the thread id the job records (end()).
    // The final message travels on the port, and may deliver after piscina settles: that message ends the
    // run; settling frees the place. A quiet job's final message is the task's result.
    pool_.run(task, { transferList }).then(
      (result: WorkerMessage | undefined) => {
        this.release();
        if (result !== undefined) this.deliver(result);
        dispatch();
      },
      (error: unknown) => {
        this.release();
        this.threadFailed(pool_, error);
        dispatch();
      },
    );
  }

  /** Frees the job's place, once piscina has settled its task. */
  private release(): void {
    quietJobs.delete(this.id);
    dispatched--;
    if (!this.mayWaitOnThread) dispatchedLarge--;
  }

  /** Piscina rejected the task: its thread died (or was ended for the job before it). */
  private threadFailed(from: Piscina, error: unknown): void {
    if (this.state === 'ended') return;
    if (this.job !== undefined && Atomics.load(this.control, STATE) === JOB_WAITING) {
      // It never started: back to the front of the queue, on a new channel, as if it had never left.
      this.state = 'queued';
      this.pool = undefined;
      if (!this.quiet) {
        this.port!.close();
        this.openPort();
      }
      waiting.unshift(this);
      retire(from);
      return;
    }
    this.end(false);
    const cause = error instanceof Error ? error : new Error(String(error));
    this.emit(
      'error',
      new BlasnetError(
        'ERR_WORKER_FAILED',
        `The training thread died before training ended (${cause.message}); the pool replaces it`,
        { cause },
      ),
    );
  }

  /**
   * Stops listening and frees the place in the pool; with `kill`, a running training's thread is ended
   * (piscina starts another when needed); a job still waiting in a thread's queue is skipped there.
   */
  private end(kill: boolean): void {
    if (this.state === 'ended') return;
    const was = this.state;
    this.state = 'ended';
    this.job = undefined;
    this.transfer = [];
    this.workerPort?.close();
    this.workerPort = undefined;
    live.delete(this);
    this.stopListening?.();
    this.port?.close();
    if (was === 'queued') {
      const at = waiting.indexOf(this);
      if (at >= 0) waiting.splice(at, 1);
    } else {
      // Only a thread still running this job is ended (not one that has moved on to its next job).
      if (kill && !this.cancelIfWaiting() && Atomics.load(this.control, STATE) === JOB_STARTED) {
        const id = Atomics.load(this.control, THREAD);
        void this.pool?.threads.find((thread) => thread.threadId === id)?.terminate();
      }
      // Its place is freed when piscina settles the task (see `dispatched`).
      if (this.pool !== undefined) retire(this.pool);
    }
    dispatch();
  }

  /** Whether a thread has started the job (and it has not ended). */
  isRunning(): boolean {
    return this.state === 'dispatched' && Atomics.load(this.control, STATE) === JOB_STARTED;
  }

  terminate(): Promise<void> {
    this.end(true);
    return Promise.resolve();
  }
}

/**
 * Queues one training on the pool. `signal` aborting while the job waits answers with a `stopped`
 * message (`queued: true`, nothing trained) and the job never starts; once it runs, the caller stops it
 * through the job's control block as before.
 */
export function startTraining(
  job: WorkerJob,
  transfer: ArrayBuffer[],
  signal: AbortSignalLike | undefined,
): TrainingThread {
  return new PooledTraining(job, transfer, signal);
}
