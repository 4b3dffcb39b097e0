/**
 * Runs one training job in this process, on fitAsync's pool: what a queue worker does with each job
 * (and what `tune` does with each trial when there is no queue). Kept apart from BullMQ so that it can be
 * run, and tested, without Redis.
 */
import { findActivation } from '../activations';
import { oneHot, readCsv } from '../data';
import { ValueError } from '../errors';
import { findLoss } from '../losses';
import { Matrix } from '../matrix';
import { Network } from '../network';
import { optimizerFromConfig } from '../optimizers';
import type { FitAsyncOptions } from '../train/options';
import { crossValidate, type CrossValidation } from '../search/cross-validate';
import {
  checkJob,
  type CrossValidationJob,
  type EpochSummary,
  type FileData,
  type InlineData,
  type NetworkJob,
  type TrainingProgress,
  type TrainingResult,
} from './job';

/** The rows of a job's data, as matrices. */
export interface JobData {
  x: Matrix;
  y: Matrix;
  validation?: [Matrix, Matrix];
}

function fromFile(data: FileData): JobData {
  const table = readCsv(data.path);
  const header = table.header;
  if (header === undefined)
    throw new ValueError(
      'ERR_DATA_FILE',
      `${data.path} has no header line naming its columns; a job names its targets by column name`,
    );
  const targets = data.targets.map((name) => {
    const index = header.indexOf(name);
    if (index < 0)
      throw new ValueError(
        'ERR_DATA_FILE',
        `${data.path} has no column ${JSON.stringify(name)}; its columns are ${header.map((h) => JSON.stringify(h)).join(', ')}`,
      );
    return index;
  });
  const inputs = header.map((_, j) => j).filter((j) => !targets.includes(j));
  const { rows, cols } = table.data;
  const x = new Matrix(rows, inputs.length);
  const values = new Matrix(rows, targets.length);
  for (let i = 0; i < rows; i++) {
    inputs.forEach((j, k) => (x.data[i * inputs.length + k] = table.data.data[i * cols + j]!));
    targets.forEach((j, k) => (values.data[i * targets.length + k] = table.data.data[i * cols + j]!));
  }
  if (data.classes === undefined) return { x, y: values };
  if (targets.length !== 1)
    throw new ValueError(
      'ERR_DATA_FILE',
      `job.data.classes one-hot encodes one target column, but job.data.targets names ${targets.length}`,
    );
  values.data.forEach((label, i) => {
    if (!(Number.isInteger(label) && label >= 0 && label < data.classes!)) {
      throw new ValueError(
        'ERR_DATA_FILE',
        `${data.path}, data row ${i + 1}: expected a class from 0 to ${data.classes! - 1} in column ${JSON.stringify(data.targets[0])} but found ${label}`,
      );
    }
  });
  return { x, y: oneHot(values.data, data.classes) };
}

function fromRows(data: InlineData): JobData {
  return {
    x: Matrix.from(data.x),
    y: Matrix.from(data.y),
    ...(data.validation
      ? { validation: [Matrix.from(data.validation.x), Matrix.from(data.validation.y)] as [Matrix, Matrix] }
      : {}),
  };
}

/** Cross-validates a trial job's settings on its rows (on the pool). */
export function runCrossValidationJob(job: CrossValidationJob, signal?: AbortSignal): Promise<CrossValidation> {
  return crossValidate(job.data.x, job.data.y, job.settings, { ...job.validation, ...(signal ? { signal } : {}) });
}

/** Reads (or unpacks) a job's data. @throws the data's errors (ValueError, ShapeError), which a worker does not retry */
export function jobData(job: NetworkJob): JobData {
  return 'path' in job.data ? fromFile(job.data) : fromRows(job.data);
}

/** The job's network: a new one from its seed, or its saved model. */
export function jobNetwork(job: NetworkJob): Network {
  const spec = job.network;
  const backend = job.backend ?? 'native';
  if ('model' in spec) return Network.fromBuffer(Buffer.from(spec.model, 'base64'), { backend }) as Network;
  const activations = spec.activations.map((name, i) => {
    const activation = findActivation(name);
    if (activation === undefined)
      throw new ValueError(
        'ERR_INVALID_JOB',
        `job.network.activations[${i}]: unknown activation ${JSON.stringify(name)}`,
      );
    return activation;
  });
  return new Network(spec.layers, activations, {
    seed: spec.seed,
    backend,
    ...(spec.dtype ? { dtype: spec.dtype } : {}),
    ...(spec.initializer ? { initializer: spec.initializer } : {}),
  }) as Network;
}

/** fitAsync's options for a job (without the callbacks). */
export function jobFitOptions(job: NetworkJob): FitAsyncOptions {
  const { loss, optimizer, sampleWeight, ...rest } = job.fit;
  const found = findLoss(loss);
  if (found === undefined)
    throw new ValueError('ERR_INVALID_JOB', `job.fit.loss: unknown loss ${JSON.stringify(loss)}`);
  // JSON numbers are the doubles that were sent, so the weights (and the weighted steps) are the local run's.
  return {
    ...rest,
    loss: found,
    log: null,
    ...(optimizer ? { optimizer: optimizerFromConfig(optimizer) } : {}),
    ...(sampleWeight ? { sampleWeight: Float64Array.from(sampleWeight) } : {}),
  };
}

/**
 * The fitAsync callbacks a job trains with: each epoch's summary is kept in `summaries`, and with `report`
 * each epoch and minibatch is reported as progress (no onBatchEnd without it, so fitAsync does not time
 * minibatches for nobody). `epochs` is asked at each report: a table job learns it only once its network
 * is prepared.
 */
export function progressCallbacks(
  summaries: EpochSummary[],
  epochs: () => number,
  report: ((progress: TrainingProgress) => void) | undefined,
): Pick<FitAsyncOptions, 'onEpochEnd' | 'onBatchEnd'> {
  return {
    onEpochEnd: (epoch, logs) => {
      const summary: EpochSummary = { loss: logs.loss };
      if (logs.valLoss !== undefined) summary.valLoss = logs.valLoss;
      if (logs.valAccuracy !== undefined) summary.valAccuracy = logs.valAccuracy;
      summaries.push(summary);
      const total = epochs();
      report?.({ type: 'epoch', epoch, epochs: total, progress: epoch / total, ...summary });
    },
    ...(report
      ? {
          onBatchEnd: (_batch, logs) =>
            report({ type: 'batch', epoch: logs.epoch, epochs: epochs(), progress: logs.progress }),
        }
      : {}),
  };
}

/**
 * Trains a job's network on its data and returns the model's bytes and the history.
 * @param onProgress - called after each epoch, and after minibatches at most every 125 ms
 * @throws the job's and the data's errors; an `AbortError` when `signal` aborts
 */
export async function runTrainingJob(
  job: unknown,
  options: { signal?: AbortSignal; onProgress?: (progress: TrainingProgress) => void } = {},
): Promise<TrainingResult> {
  const checked = checkJob(job);
  if (checked.kind !== 'network')
    throw new ValueError(
      'ERR_JOB_KIND',
      `runTrainingJob trains "network" jobs; this one is ${JSON.stringify(checked.kind)}`,
    );
  const net = jobNetwork(checked);
  const data = jobData(checked);
  const fit = jobFitOptions(checked);
  const epochs = fit.epochs ?? 1;
  const summaries: EpochSummary[] = [];
  const history = await net.fitAsync(data.x, data.y, {
    ...fit,
    ...(data.validation ? { validationData: data.validation } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...progressCallbacks(summaries, () => epochs, options.onProgress),
  } satisfies FitAsyncOptions);
  return { model: net.toBuffer({ withOptimizer: true }), history, epochs: summaries };
}
