/**
 * The script of fitAsync's pool threads (pool.ts): piscina calls the default export once per training,
 * on a thread it reuses. The training's messages go over the port that came with the task, after a first
 * one saying that the job has left the queue.
 *
 * Not part of the public API.
 */
import * as os from 'node:os';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { threadId, type MessagePort } from 'node:worker_threads';

import type { WorkerJob } from './worker-protocol';
import { run } from './worker';

// Declared here rather than in pool.ts, whose declarations are public: they need Node's worker types.
/** What the pool's worker (pool-worker.ts) receives: the job and the port its messages go to. */
export interface PoolTask {
  job: WorkerJob;
  port: MessagePort;
  /** How much lower than the process's the training thread's scheduling priority is (nice values, Linux). */
  niceIncrement: number;
}

/** The worker's first message on the port, before the job's own: the job left the queue. */
export interface StartedMessage {
  type: 'started';
  threadId: number;
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
 * A full collection of this thread's heap, run before each job. A job's data arrives on SharedArrayBuffers
 * whose memory V8 does not count against the receiving thread's heap, and a training thread allocates
 * little else, so it would rarely collect and kept every past job's buffers (and ports) alive: measured,
 * 25 MB of RSS per 100 small jobs, growing without end. Collecting first frees all but the running job's;
 * collecting again after each job frees that one too.
 * (`--expose-gc` set at run time, as V8 allows, gives new contexts a `gc` function.)
 */
let collect: (() => void) | undefined;
try {
  v8.setFlagsFromString('--expose-gc');
  collect = vm.runInNewContext('gc') as () => void;
} catch {
  collect = undefined;
}

export default function train(task: PoolTask): void {
  collect?.();
  lowerPriority(task.niceIncrement);
  const started: StartedMessage = { type: 'started', threadId };
  task.port.postMessage(started);
  try {
    run(task.job, task.port);
  } finally {
    // And once the job has let go of its data (after this call returns): an idle thread would otherwise
    // keep the last job's rows alive until its next job, held by nobody but an uncollected heap.
    setImmediate(() => collect?.());
  }
}
