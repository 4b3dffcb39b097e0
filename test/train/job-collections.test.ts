/**
 * When a pool thread collects between jobs (lib/train/job-collections.ts), on fake timers: a scavenge
 * after each job, a full collection after enough bytes or once idle, and never a full one while jobs keep
 * coming, even when a job's after-work runs after the next job has started (piscina's order in a burst).
 */
import { JobCollections, type Collect } from '../../lib/train/job-collections';

const IDLE_MS = 250;

function recorder(): { calls: string[]; collect: Collect } {
  const calls: string[] = [];
  return { calls, collect: (kind) => void calls.push(kind) };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('collections between pool jobs', () => {
  it('runs no full collection during a burst whose jobs end after the next one started', () => {
    const { calls, collect } = recorder();
    const collections = new JobCollections(collect, 1e9, IDLE_MS);
    // Jobs of 10 ms for 2 s, each next one started before the previous one's after-work: the order in
    // which the first version left orphaned idle timers, which then fired 250 ms later mid-burst.
    collections.started(100);
    for (let i = 0; i < 200; i++) {
      jest.advanceTimersByTime(10);
      collections.started(100);
      collections.ended();
    }
    expect(calls.filter((kind) => kind === 'major')).toHaveLength(0);
    expect(calls.filter((kind) => kind === 'minor')).toHaveLength(200);
    // The thread then goes idle: one full collection, not one per job.
    collections.ended();
    jest.advanceTimersByTime(IDLE_MS * 4);
    expect(calls.filter((kind) => kind === 'major')).toHaveLength(1);
  });

  it('runs one full collection after an idle wait, and a scavenge after each job', () => {
    const { calls, collect } = recorder();
    const collections = new JobCollections(collect, 1e9, IDLE_MS);
    collections.started(10);
    collections.ended();
    expect(calls).toEqual(['minor']);
    jest.advanceTimersByTime(IDLE_MS - 1);
    expect(calls).toEqual(['minor']);
    jest.advanceTimersByTime(1);
    expect(calls).toEqual(['minor', 'major']);
    jest.advanceTimersByTime(IDLE_MS * 10);
    expect(calls).toEqual(['minor', 'major']);
  });

  it('a job that starts within the idle wait cancels its full collection', () => {
    const { calls, collect } = recorder();
    const collections = new JobCollections(collect, 1e9, IDLE_MS);
    collections.started(10);
    collections.ended();
    jest.advanceTimersByTime(IDLE_MS - 10);
    collections.started(10);
    jest.advanceTimersByTime(IDLE_MS * 2); // a long job: no timer may fire while it runs
    expect(calls).toEqual(['minor']);
  });

  it('runs a full collection instead of a scavenge once the jobs since the last one brought enough bytes', () => {
    const { calls, collect } = recorder();
    const collections = new JobCollections(collect, 1000, IDLE_MS);
    for (let i = 0; i < 5; i++) {
      collections.started(400);
      collections.ended();
    }
    // 400, 800, 1200 (full, counter reset), 400, 800
    expect(calls).toEqual(['minor', 'minor', 'major', 'minor', 'minor']);
  });
});
