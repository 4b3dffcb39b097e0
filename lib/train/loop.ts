/**
 * The training loop: epochs of shuffled minibatches, validation, early stopping, the divergence guard and
 * the history. It is the one implementation of an epoch: `fit` runs it on the main thread and `fitAsync`
 * in a worker thread, with different hooks, which is why the two give bit-identical weights.
 */
import { performance } from 'node:perf_hooks';

import { NonFiniteLossError } from '../errors';
import type { Loss } from '../losses';
import type { Optimizer } from '../optimizers';
import type { Random } from '../random';
import { DivergenceGuard } from './divergence';
import { EarlyStopping } from './early-stopping';
import { record, type EpochRecord, type History } from './history';
import type { BatchLogs, EpochLogs, ResolvedEarlyStopping } from './options';
import { Trainer, type TrainingTarget } from './trainer';
import { Validation, type TrainingData } from './validation';
import type { Workspace } from './workspace';

/** The settings the loop needs: plain data, so they can travel to a worker thread. */
export interface LoopSettings {
  loss: Loss;
  epochs: number;
  batchSize: number;
  /** The optimizer's base learning rate, used when there is no schedule. */
  learningRate: number;
  logEvery: number;
  shuffle: boolean;
  stopOnNonFinite: boolean;
  earlyStopping: ResolvedEarlyStopping | null;
}

/** Where the loop reports and asks; fit's hooks log, fitAsync's talk to the main thread. */
export interface LoopHooks {
  /**
   * How long, in milliseconds, minibatches may train without {@link LoopHooks.shouldStop} being asked:
   * an epoch goes in runs of minibatches (one native call each with plain SGD, see Trainer.fusedSgd),
   * each sized from the time the last took. Absent: an epoch is one run, and shouldStop is asked
   * between epochs only. With a batchEnd, every minibatch is a run of its own. Same results either way.
   */
  stopLatencyMs?: number;
  /**
   * The learning rate of this run's epoch `epoch` (from 1) from a schedule, asked once per epoch as it
   * starts; absent: the optimizer's own rate. May throw (a schedule's bad rate) or, in a worker, ask
   * the main thread and find training stopped meanwhile (then shouldStop says so).
   */
  rate?(epoch: number): number;
  /** Asked before every minibatch: true stops training there (an abort). */
  shouldStop(): boolean;
  /** After every minibatch, when given. */
  batchEnd?(batch: number, logs: BatchLogs): void;
  /** After every epoch; `recorded` is what went into the history, on the epochs that record. */
  epochEnd(epoch: number, logs: EpochLogs, recorded: EpochRecord | undefined): void;
}

/** How the loop ended: the history, or stopped through `shouldStop` after `batches` minibatches. */
export type LoopOutcome = { stopped: false; history: History } | { stopped: true; batches: number };

/**
 * Trains `target.parameters` in place with `optimizer` (attached to them).
 * @param evaluation - a workspace for the whole-set loss and validation passes (any capacity), or
 *   undefined to use the training step's (see trainingWorkspaceServesEvaluation)
 * @throws {@link NonFiniteLossError} after rolling back, with `stopOnNonFinite`
 */
export function runTraining(
  target: TrainingTarget,
  random: Random,
  data: TrainingData,
  settings: LoopSettings,
  evaluation: Workspace | undefined,
  hooks: LoopHooks,
  optimizer: Optimizer,
): LoopOutcome {
  const { epochs, logEvery } = settings;
  const trainer = new Trainer(
    target,
    data.x,
    data.y,
    settings.loss,
    settings.batchSize,
    evaluation,
    optimizer,
    data.weights,
    settings.stopOnNonFinite,
  );
  const validation =
    data.validation && new Validation(target, data.validation.x, data.validation.y, settings.loss, trainer.evaluation);
  const guard = settings.stopOnNonFinite ? new DivergenceGuard(target.parameters, !trainer.fusedSgd) : undefined;
  const stopping = settings.earlyStopping ? new EarlyStopping(settings.earlyStopping, target.parameters) : undefined;
  const history: History = { epoch: [], loss: [] };
  const batches = trainer.batchesPerEpoch;
  const runs = new RunLength(hooks);
  let done = 0;

  let epoch = 1;
  for (; epoch <= epochs; epoch++) {
    // Checked before the shuffle too, so an abort between epochs leaves the generator where it was.
    if (hooks.shouldStop()) return { stopped: true, batches: done };
    // Schedules change the rate between epochs, never within one (so a replayed epoch uses the same rate).
    const learningRate = hooks.rate?.(epoch) ?? settings.learningRate;
    if (hooks.rate !== undefined && hooks.shouldStop()) return { stopped: true, batches: done };
    if (settings.shuffle) trainer.shuffle(random);
    guard?.startEpoch(trainer);
    let lossSum = 0;
    for (let batch = 0; batch < batches;) {
      if (batch > 0 && hooks.shouldStop()) return { stopped: true, batches: done };
      const ran = runs.train(trainer, batch, batches - batch, learningRate);
      if (hooks.batchEnd === undefined && (guard === undefined || trainer.ranFinitely(ran))) {
        // The common case in one tight method (see Trainer.addLosses).
        lossSum = trainer.addLosses(lossSum, batch, ran);
        done += ran;
      } else {
        for (let i = 0; i < ran; i++) {
          const loss = trainer.losses[i]!;
          if (guard !== undefined && loss - loss !== 0) {
            const kept = guard.rollBack(trainer, batch + i, learningRate);
            throw new NonFiniteLossError(
              epoch,
              batch + i,
              loss,
              `${nonFinite(loss, trainer)} at epoch ${epoch}, batch ${batch + i}, so training stopped; ${keptWeights(epoch, kept)}. ` +
                'A lower learningRate or standardised inputs usually help; stopOnNonFinite: false trains on regardless.',
            );
          }
          const size = Math.min(trainer.batchSize, trainer.rows - (batch + i) * trainer.batchSize);
          lossSum += loss * size;
          done++;
          hooks.batchEnd?.(batch + i, { epoch, loss, size, progress: done / (epochs * batches) });
        }
      }
      batch += ran;
    }
    // An update can overflow while its batch's loss is finite; catch it here, while the epoch can be replayed.
    if (guard !== undefined && !guard.finite()) {
      const kept = guard.rollBack(trainer, batches, learningRate);
      throw new NonFiniteLossError(
        epoch,
        kept,
        NaN,
        `The update of epoch ${epoch}, batch ${kept} made some weights non-finite, so training stopped; ${keptWeights(epoch, kept)}. ` +
          'A lower learningRate or standardised inputs usually help; stopOnNonFinite: false trains on regardless.',
      );
    }

    const logs: EpochLogs = { loss: lossSum / trainer.rows };
    if (validation !== undefined) Object.assign(logs, validation.measure());
    const stop = stopping?.update(epoch, logs.valLoss ?? logs.loss) ?? false;
    let recorded: EpochRecord | undefined;
    if (epoch % logEvery === 0 || epoch === epochs || stop) {
      recorded = { epoch, loss: trainer.fullLoss() };
      if (logs.valLoss !== undefined) recorded.valLoss = logs.valLoss;
      if (logs.valAccuracy !== undefined) recorded.valAccuracy = logs.valAccuracy;
      record(history, recorded);
    }
    hooks.epochEnd(epoch, logs, recorded);
    if (stop) {
      history.stoppedEpoch = epoch;
      break;
    }
  }
  if (stopping !== undefined) {
    history.bestEpoch = stopping.bestEpoch;
    stopping.finish(Math.min(epoch, epochs));
  }
  return { stopped: false, history };
}

/**
 * How many minibatches the next run trains (see LoopHooks.stopLatencyMs): one while nothing is known, then
 * as many as the last run's time per minibatch says fit in the latency.
 */
class RunLength {
  private msPerBatch = 0;

  constructor(private readonly hooks: LoopHooks) {}

  train(trainer: Trainer, first: number, left: number, learningRate: number): number {
    const { stopLatencyMs } = this.hooks;
    if (this.hooks.batchEnd !== undefined) return trainer.train(first, 1, learningRate);
    if (stopLatencyMs === undefined) return trainer.train(first, left, learningRate);
    const count = this.msPerBatch === 0 ? 1 : Math.max(1, Math.min(left, Math.floor(stopLatencyMs / this.msPerBatch)));
    const started = performance.now();
    const ran = trainer.train(first, count, learningRate);
    this.msPerBatch = Math.max(performance.now() - started, 1e-3) / ran;
    return ran;
  }
}

/** Plain SGD reports an update it refused (one that would make a weight non-finite) as an infinite loss. */
function nonFinite(loss: number, trainer: Trainer): string {
  return loss === Infinity && trainer.fusedSgd
    ? 'The loss, or the update it implied, became infinite'
    : `The loss became ${loss}`;
}

function keptWeights(epoch: number, kept: number): string {
  return kept === 0
    ? `the weights are those from the start of epoch ${epoch}, the last finite state`
    : `the weights are those after batch ${kept - 1} of epoch ${epoch}, the last finite state`;
}
