/**
 * Network.fit and Network.fitAsync: one run's settings, data, optimizer and schedule, then the shared
 * training loop on this thread (fit) or in a pool worker (fitAsync). The same seed gives the same bits.
 */
import { StateError } from '../errors';
import type { Network } from '../network';
import { inDtype, type Dtype, type MatrixLike, type TargetsLike } from '../matrix';
import { trainInWorker, type AsyncData, type AsyncRun } from '../train/fit-async';
import { logLine, type History } from '../train/history';
import { runTraining } from '../train/loop';
import { resolveFitAsyncOptions, resolveFitOptions, type FitAsyncOptions, type FitOptions } from '../train/options';
import { evaluationWorkspaceRows, loopSettings, runRate } from '../train/plan';
import { rowWeights } from '../train/sample-weights';
import { prepareData } from '../train/validation';
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

export function fitNetwork<D extends Dtype>(
  net: Network<D>,
  x: MatrixLike,
  y: TargetsLike,
  options: FitOptions,
): History {
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
      validation &&
        ('split' in validation
          ? validation
          : { x: inDtype(validation.x.matrix, dtype), y: inDtype(validation.y.matrix, dtype) }),
      rowWeights(settings.weights, targets),
    );
    net.trainedLoss = settings.loss;
    net.currentOptimizer = optimizer;
    const evaluationRows = evaluationWorkspaceRows(net.layout, net.dtype, settings.batchSize, data);
    const outcome = runTraining(
      net,
      net.random,
      data,
      loopSettings(settings, optimizer.learningRate),
      evaluationRows === undefined ? undefined : net.evaluationWorkspace(evaluationRows),
      {
        shouldStop: () => false,
        ...(schedule && { rate: (epoch: number) => runRate(schedule, epoch) }),
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

export async function fitNetworkAsync<D extends Dtype>(
  net: Network<D>,
  x: MatrixLike,
  y: TargetsLike,
  options: FitAsyncOptions,
): Promise<History> {
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
