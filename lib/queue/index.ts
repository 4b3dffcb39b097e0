/**
 * blasnet/queue: training jobs on a BullMQ queue (Redis), so that many machines can train for one
 * application. Needs the optional peer dependencies bullmq and ioredis (`npm install bullmq ioredis`).
 * Every export of this subpath is listed here.
 *
 *   submitter ── TrainingQueue.submit(job) ──► Redis (BullMQ queue) ──► startTrainingWorker ──► fitAsync pool
 *            ◄── handle: progress, finished() (model bytes + history), cancel() ◄──┘
 */
export {
  queueTableTrialRunner,
  queueTrialRunner,
  submitTraining,
  TrainingHandle,
  TrainingQueue,
  reviveReason,
} from './submit';
export type { SubmitOptions, TrainingQueueOptions } from './submit';
export { startTrainingWorker } from './worker';
export type { TrainingWorker, TrainingWorkerOptions } from './worker';
export { checkJob, JOB_KINDS } from './job';
export type {
  CrossValidationJob,
  EpochSummary,
  FileData,
  InlineData,
  JobFitOptions,
  JobNetwork,
  NetworkJob,
  TrainingJob,
  TrainingProgress,
  TrainingResult,
} from './job';
export { runCrossValidationJob, runTrainingJob } from './run-job';
export { MAX_DOWNLOAD_BYTES, readTableJobRows, runTableCrossValidationJob, runTableJob } from './table-job';
export type { TableCrossValidationJob, TableFileOptions, TableJob, TableJobData, TableJobSettings } from './table-job';
export type { Connection } from './peers';
export { DEFAULT_QUEUE } from './peers';
