/**
 * What fit and fitAsync settle before a run: the run's optimizer and schedule, and whether the run's
 * allocations fit in memory (see lib/memory.ts).
 */
import type { NetworkLayout } from '../backend/layout';
import type { Dtype } from '../matrix';
import { checkMemory } from '../memory';
import { SGD, type Optimizer } from '../optimizers';
import type { RunSchedule } from '../train/fit-async';
import { scheduledRate } from '../schedules';
import type { ResolvedFitOptions } from '../train/options';

/** What a run's preparation needs of its network (Network passes itself). */
export interface TrainingSubject {
  readonly dims: readonly number[];
  readonly dtype: Dtype;
  readonly layout: NetworkLayout;
  readonly parameters: Float64Array | Float32Array;
  /** The optimizer of the last fit, if any. */
  readonly optimizer: Optimizer | undefined;
  readonly epochsTrained: number;
}

/**
 * The run's optimizer (given, plain SGD at the given rate, the network's current one, or plain SGD at
 * 0.01), attached to these parameters, and the run's schedule with its first epoch's rate (checked now,
 * so that a broken schedule usually fails before training; later rates are asked for as epochs arrive).
 */
export function prepareOptimizer(
  net: TrainingSubject,
  settings: ResolvedFitOptions,
  rows: number,
  inWorker = false,
): { optimizer: Optimizer; schedule: RunSchedule | undefined } {
  const optimizer =
    settings.optimizer ??
    (settings.learningRate !== undefined
      ? new SGD({ learningRate: settings.learningRate })
      : (net.optimizer ?? new SGD()));
  checkTrainingMemory(net, settings, optimizer, rows, inWorker);
  optimizer.attach(net.parameters);
  const first = net.epochsTrained;
  const schedule =
    settings.schedule === undefined
      ? undefined
      : { schedule: settings.schedule, first, firstRate: scheduledRate(settings.schedule, first) };
  return { optimizer, schedule };
}

/**
 * Refuses a run whose allocations would not fit (see lib/memory.ts), before any is made: the gradients,
 * the optimizer's state (unless it already trains these parameters), the divergence guard's copy of the
 * weights, restoreBest's, the worker's own copy in fitAsync, and the minibatch workspace.
 */
function checkTrainingMemory(
  net: TrainingSubject,
  settings: ResolvedFitOptions,
  optimizer: Optimizer,
  rows: number,
  inWorker: boolean,
): void {
  const count = net.layout.parameterCount;
  const config = optimizer.toJSON();
  const buffers = optimizer === net.optimizer ? 0 : config.kind === 'sgd' ? (config.momentum === 0 ? 0 : 1) : 2;
  const copies = 1 + buffers + 1 + (settings.earlyStopping?.restoreBest ? 1 : 0) + (inWorker ? 1 : 0);
  const elements = copies * count + net.layout.workspaceSize(Math.max(1, Math.min(settings.batchSize, rows)));
  checkMemory(
    elements * (net.dtype === 'float32' ? 4 : 8),
    `Training dims ${JSON.stringify(net.dims)} with batchSize ${settings.batchSize}`,
    `gradients, optimizer state, a copy of the weights${inWorker ? ", the worker's weights" : ''} and the minibatch workspace`,
  );
}
