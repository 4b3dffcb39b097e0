/**
 * Network.fit and Network.fitAsync: one run's settings, data, optimizer and schedule, then the shared
 * training loop on this thread (fit) or in a pool worker (fitAsync). The same seed gives the same bits.
 */
import { StateError } from '../errors';
import type { Network } from '../network';
import { inDtype, type Dtype, type MatrixLike, type TargetsLike } from '../matrix';
import type { Optimizer } from '../optimizers';
import { trainInWorker, type AsyncData, type AsyncRun, type RunSchedule } from '../train/fit-async';
import { logLine, type History } from '../train/history';
import { runTraining, type LoopSettings } from '../train/loop';
import {
  resolveFitAsyncOptions,
  resolveFitOptions,
  scheduledRate,
  type FitAsyncOptions,
  type FitOptions,
  type ResolvedFitOptions,
} from '../train/options';
import { rowWeights } from '../train/sample-weights';
import { trainingWorkspaceServesEvaluation } from '../train/trainer';
import { prepareData } from '../train/validation';
import type { Workspace } from '../train/workspace';
import { checkPair, validationSource } from './inputs';
import { prepareOptimizer } from './training';

/** Marks the network as training, or refuses when it already is. */
function claimTraining(net: Network<Dtype>, method: 'fit' | 'fitAsync'): void {
  if (net.training !== undefined) {
    throw new StateError(
      'ERR_FIT_IN_PROGRESS',
      `Cannot start ${method} on this network while its ${net.training} is running; await it (or abort it) first, or train another network`,
    );
  }
  net.training = method;
}

export function fitNetwork<D extends Dtype>(net: Network<D>, x: MatrixLike, y: TargetsLike, options: FitOptions): History {
  claimTraining(net, 'fit');
  try {
    const settings = resolveFitOptions(options, net.outputActivation, net.trainedLoss);
    const { input, targets } = checkPair(net, x, y, { finite: false });
    const validation = validationSource(net, settings);
    const { optimizer, schedule } = prepareOptimizer(net, settings, input.rows);
    const dtype = net.dtype;
    const data = prepareData(
      inDtype(input, dtype),
      inDtype(targets, dtype),
      validation && ('split' in validation ? validation : { x: inDtype(validation.x.matrix, dtype), y: inDtype(validation.y.matrix, dtype) }),
      rowWeights(settings.weights, targets),
    );
    net.trainedLoss = settings.loss;
    net.currentOptimizer = optimizer;
    const evaluationRows = Math.max(data.x.rows, data.validation?.x.rows ?? 0);
    const outcome = runTraining(
      net,
      net.random,
      data,
      loopSettings(settings, optimizer),
      fitEvaluationWorkspace(net, settings.batchSize, data.x.rows, evaluationRows),
      {
        wholeEpochs: true,
        shouldStop: () => false,
        ...(schedule && { rate: (epoch: number) => scheduleRate(schedule, epoch) }),
        epochEnd: (_epoch, _logs, recorded) => {
          net.completedEpochs++;
          if (recorded !== undefined) settings.log?.(logLine(recorded, settings.epochs));
        },
      },
      optimizer,
    );
    // Without a way to stop, the loop always runs to its end.
    return (outcome as { history: History }).history;
  } finally {
    net.training = undefined;
  }
}

export async function fitNetworkAsync<D extends Dtype>(net: Network<D>, x: MatrixLike, y: TargetsLike, options: FitAsyncOptions): Promise<History> {
  claimTraining(net, 'fitAsync');
  try {
    const settings = resolveFitAsyncOptions(options, net.outputActivation, net.trainedLoss);
    // Finite values are checked in the worker, so a large set never blocks the event loop for that.
    const { input, targets } = checkPair(net, x, y, { finite: false });
    const source = validationSource(net, settings);
    // Arrays of rows were converted into new arrays nobody else holds, so those may travel by transfer.
    const data: AsyncData = {
      x: { matrix: input, owned: Array.isArray(x) },
      y: { matrix: targets, owned: Array.isArray(y) },
      validation: source,
    };
    const weights = rowWeights(settings.weights, targets);
    if (weights !== undefined) data.weights = weights;
    const { optimizer, schedule } = prepareOptimizer(net, settings, input.rows, true);
    net.trainedLoss = settings.loss;
    net.currentOptimizer = optimizer;
    const run: AsyncRun = { optimizer, learningRate: optimizer.learningRate, schedule, completedEpochs: 0 };
    try {
      return await trainInWorker(net, net.random, data, settings, run);
    } finally {
      net.completedEpochs += run.completedEpochs;
    }
  } finally {
    net.training = undefined;
  }
}

/**
 * The loss and validation passes' workspace for a fit: none (the trainer's own serves) when a minibatch
 * is at least as large as a pass would be (see trainingWorkspaceServesEvaluation), else the kept one.
 */
function fitEvaluationWorkspace<D extends Dtype>(net: Network<D>, batchSize: number, rows: number, evaluationRows: number): Workspace | undefined {
  const batchRows = Math.min(batchSize, rows);
  if (trainingWorkspaceServesEvaluation(net.layout, net.dtype, batchRows, evaluationRows)) return undefined;
  return net.evaluationWorkspace(evaluationRows);
}

function loopSettings(settings: ResolvedFitOptions, optimizer: Optimizer): LoopSettings {
  const { loss, epochs, batchSize, logEvery, shuffle, stopOnNonFinite, earlyStopping } = settings;
  return { loss, epochs, batchSize, learningRate: optimizer.learningRate, logEvery, shuffle, stopOnNonFinite, earlyStopping };
}

/** The rate of a run's epoch (from 1): the first one as checked before training, then as each arrives. */
function scheduleRate(run: RunSchedule, epoch: number): number {
  return epoch === 1 ? run.firstRate : scheduledRate(run.schedule, run.first + epoch - 1);
}
