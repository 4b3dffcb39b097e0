/**
 * The script of fitAsync's pool threads (pool.ts): piscina calls the default export once per training,
 * on a thread it reuses. The training's messages go over the port that came with the task.
 *
 * Not part of the public API.
 */
import * as os from 'node:os';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { parentPort, threadId, type MessagePort } from 'node:worker_threads';

import {
  JOB_ENDED,
  JOB_STARTED,
  JOB_WAITING,
  STATE,
  THREAD,
  type WorkerJob,
  type WorkerMessage,
} from './worker-protocol';
import { JobCollections } from './job-collections';
import { run, type SnapshotSink } from './worker';

// Declared here rather than in pool.ts, whose declarations are public: they need Node's worker types.
/**
 * What the pool's worker (pool-worker.ts) receives: the job and the port its messages go to, or, for a
 * quiet job (WorkerJob.quiet), no port: its ending message is the task's result, and its snapshots go
 * over the thread's own channel to the pool (piscina's 'message' event), tagged with `id`.
 */
export interface PoolTask {
  job: WorkerJob;
  port: MessagePort | undefined;
  id: number;
  /** How much lower than the process's the training thread's scheduling priority is (nice values, Linux). */
  niceIncrement: number;
}

/** The thread's scheduling priority when it started (its nice value). */
let basePriority: number | undefined;

/**
 * Lowers this thread's priority by `increment` (nice values), so that when training threads and the event
 * loop compete for the cores the event loop wins. On Linux, setpriority on "process 0" affects the calling
 * thread only, which is what this needs; elsewhere it would lower the whole process, so it is not done.
 * Raising a nice value never needs privileges; a failure changes nothing but the priority.
 */
function lowerPriority(increment: number): void {
  if (process.platform !== 'linux' || increment <= 0) return;
  try {
    basePriority ??= os.getPriority(0);
    const wanted = Math.min(19, basePriority + increment);
    if (os.getPriority(0) !== wanted) os.setPriority(0, wanted);
  } catch {
    // Not permitted or not supported: the thread keeps the priority it had.
  }
}

/**
 * Collections of this thread's heap after its jobs. A job's data arrives on SharedArrayBuffers whose memory
 * V8 does not count against the receiving thread's heap, and a training thread allocates little else, so
 * left alone it would rarely collect and keep every past job's buffers (and ports) alive: measured, 25 MB
 * of RSS per 100 small jobs, growing without end.
 *
 * But a full collection per job is far too dear for small jobs: on a 64-32-10 job of 8 ms it took 5 to
 * 10 ms, and the next job's loop then ran 2.5 times slower (18 ms instead of 7; V8 had to warm up again
 * what the collection threw away), so 32 concurrent fitAsync calls were 2.5 times slower than 32 `fit` in
 * a row. So after every job, a young-generation collection only (a scavenge, 0.6 to 0.9 ms of the thread's
 * CPU): a job's own objects (the task, its typed arrays over the shared data, its port) are young unless
 * the job lasted through two scavenges, and a scavenge frees them and lets go of the shared memory.
 * (Skipping it when a job brought little gains nothing: tried, the thread's CPU per job stayed the same,
 * 8.9 to 9.0 ms, V8's own scavenges doing the work instead, and peak RSS rose by 20 MB.) A full
 * collection runs only when what may have survived into the old generation can be large: after jobs that
 * brought {@link FULL_AFTER_BYTES} of buffers since the last one, and once the thread has been idle for
 * {@link IDLE_FULL_MS} (so an idle pool holds nothing of its past jobs).
 * (`--expose-gc` set at run time, as V8 allows, gives new contexts a `gc` function, which takes
 * `{ type: 'minor' }` for a scavenge.)
 */
let collector: ((options?: { type: 'minor' | 'major' }) => void) | undefined;
try {
  v8.setFlagsFromString('--expose-gc');
  collector = vm.runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
} catch {
  collector = undefined;
}

/** Buffer bytes of the jobs since the last full collection after which one runs (see {@link collector}). */
const FULL_AFTER_BYTES = 16 * 2 ** 20;
/** How long a thread waits for its next job before a full collection. */
const IDLE_FULL_MS = 250;

const collections = new JobCollections(
  (kind) => collector?.(kind === 'minor' ? { type: 'minor' } : undefined),
  FULL_AFTER_BYTES,
  IDLE_FULL_MS,
);

/**
 * The bytes of the buffers a job brought (shared or transferred) which only a collection here lets go of:
 * not the caller's own shared rows, which the caller holds anyway (counting them, a server training many
 * models on one shared table of 1 MB ran a full collection every 14 jobs of 8 ms, 5 to 10 ms each).
 */
function jobBytes(job: WorkerJob): number {
  let bytes =
    job.x.data.byteLength + job.y.data.byteLength + job.parameters.byteLength + (job.weights?.byteLength ?? 0);
  if (job.validation !== undefined && 'x' in job.validation)
    bytes += job.validation.x.data.byteLength + job.validation.y.data.byteLength;
  return bytes - job.callerSharedBytes;
}

/** A quiet job's snapshot as it travels over the thread's own channel. */
export interface TaggedSnapshot {
  blasnetJob: number;
  message: WorkerMessage;
}

/** Posts a quiet job's snapshots, tagged with its id, to the pool (see PoolTask). */
function sinkFor(id: number): SnapshotSink {
  return {
    postMessage: (message, transfer) =>
      parentPort!.postMessage({ blasnetJob: id, message } satisfies TaggedSnapshot, transfer),
  };
}

export default function train(task: PoolTask): WorkerMessage | undefined {
  const { control } = task.job;
  // The job may have waited in this thread's queue behind the previous one (pool.ts): it runs unless it
  // was aborted meanwhile, which the main thread has already answered.
  Atomics.store(control, THREAD, threadId);
  if (Atomics.compareExchange(control, STATE, JOB_WAITING, JOB_STARTED) !== JOB_WAITING) return undefined;
  collections.started(jobBytes(task.job));
  lowerPriority(task.niceIncrement);
  try {
    if (task.port === undefined) return run(task.job, sinkFor(task.id), true);
    run(task.job, task.port);
    return undefined;
  } finally {
    // No longer running here (poolInfo counts it out), even before the main thread reads its last message.
    Atomics.store(control, STATE, JOB_ENDED);
    // Once the job has let go of its data (after this call returns): an idle thread would otherwise keep
    // the last job's rows alive until its next job, held by nobody but an uncollected heap.
    setImmediate(afterJob);
  }
}

function afterJob(): void {
  collections.ended();
}
