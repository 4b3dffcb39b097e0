/**
 * The setup a training run needs, decided once for both sides: `fit` on the main thread, and `fitAsync`'s
 * main thread and worker (which rebuild the same run from plain data). Each decision here was made twice
 * before, once per side, and the two copies had to be kept in step by hand for fit and fitAsync to stay
 * bit-identical.
 */
import type { Dtype } from '../matrix';
import type { NetworkLayout } from '../backend/layout';
import { scheduledRate, type Schedule } from '../schedules';
import type { LoopSettings } from './loop';
import type { ResolvedFitOptions } from './options';
import type { TrainingData } from './validation';
import { trainingWorkspaceServesEvaluation, evaluationCapacity } from './workspace';

/** The loop's settings from a fit's resolved options: plain data (but the loss), so they can travel. */
export function loopSettings(settings: ResolvedFitOptions, learningRate: number): LoopSettings {
  const { loss, epochs, batchSize, logEvery, shuffle, stopOnNonFinite, earlyStopping } = settings;
  return { loss, epochs, batchSize, learningRate, logEvery, shuffle, stopOnNonFinite, earlyStopping };
}

/**
 * The rows of the workspace a run's loss and validation passes need, or undefined when the training
 * step's own workspace serves them (a minibatch at least as large as a pass would be; see
 * trainingWorkspaceServesEvaluation).
 */
export function evaluationWorkspaceRows(
  layout: NetworkLayout,
  dtype: Dtype,
  batchSize: number,
  data: TrainingData,
): number | undefined {
  const rows = Math.max(data.x.rows, data.validation?.x.rows ?? 0);
  const batchRows = Math.min(batchSize, data.x.rows);
  return trainingWorkspaceServesEvaluation(layout, dtype, batchRows, rows)
    ? undefined
    : evaluationCapacity(layout, dtype, rows);
}

/** A run's learning-rate schedule: the function, the network's epoch the run starts at, and its checked rate. */
export interface RunSchedule {
  schedule: Schedule;
  first: number;
  firstRate: number;
}

/** The rate of a run's epoch `epoch` (from 1): the first one as checked before training, then as each arrives. */
export function runRate(run: RunSchedule, epoch: number): number {
  return epoch === 1 ? run.firstRate : scheduledRate(run.schedule, run.first + epoch - 1);
}
