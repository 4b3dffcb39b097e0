/**
 * The script of fitAsync's pool threads (pool.ts): piscina calls the default export once per training,
 * on a thread it reuses. The training's messages go over the port that came with the task, after a first
 * one saying that the job has left the queue.
 *
 * Not part of the public API.
 */
import { threadId } from 'node:worker_threads';

import type { PoolTask, StartedMessage } from './pool';
import { run } from './worker';

export default function train(task: PoolTask): void {
  const started: StartedMessage = { type: 'started', threadId };
  task.port.postMessage(started);
  run(task.job, task.port);
}
