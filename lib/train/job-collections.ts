/**
 * When a pool thread collects its heap between jobs (pool-worker.ts says why it must, and why not fully
 * after every job): a scavenge after each job, a full collection once the jobs since the last one brought
 * `fullAfterBytes` of buffers, and one once the thread has been idle for `idleMs`.
 *
 * Kept apart from the worker so that its timing can be checked with fake timers. The case that matters:
 * piscina can hand a thread its next job before the previous job's after-work (scheduled with
 * setImmediate, once that job's frame has unwound) has run, so "a job ended" can come after "the next one
 * started". The idle timer is therefore one timer, cleared before it is set again: the first version set
 * a new one without clearing the old one in that order, and the orphaned timers fired in the middle of
 * busy bursts, full collections of 5 to 25 ms each (several per round of 32 jobs, measured with
 * --trace-gc), plus V8 re-warming what they threw away: a round cost 0.45-0.58 s of CPU instead of 0.27-0.30.
 */

/** A collection of this thread's heap: a scavenge ('minor') or a full one ('major'). */
export type Collect = (kind: 'minor' | 'major') => void;

export class JobCollections {
  private bytesSinceFull = 0;
  private idle: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly collect: Collect,
    private readonly fullAfterBytes: number,
    private readonly idleMs: number,
  ) {}

  /** A job starts on this thread, bringing `bytes` of buffers that only a collection here lets go of. */
  started(bytes: number): void {
    this.cancelIdle();
    this.bytesSinceFull += bytes;
  }

  /** A job has ended and its frame has unwound (possibly after the next job started: see above). */
  ended(): void {
    if (this.bytesSinceFull >= this.fullAfterBytes) this.full();
    else this.collect('minor');
    this.cancelIdle();
    this.idle = setTimeout(() => {
      this.idle = undefined;
      this.full();
    }, this.idleMs);
    // An idle thread must not keep the process alive for its collection.
    this.idle.unref();
  }

  private full(): void {
    this.bytesSinceFull = 0;
    this.collect('major');
  }

  private cancelIdle(): void {
    if (this.idle !== undefined) clearTimeout(this.idle);
    this.idle = undefined;
  }
}
