/**
 * What a training job says, as it travels through Redis: plain JSON. `kind` names the job's type, so
 * that other kinds (a table model, once lib/table/ lands; a tuning trial) can be added beside this one
 * without touching the existing ones; a worker fails a job of a kind it does not know, once, with
 * `ERR_JOB_KIND`.
 *
 * Numbers survive the trip bit for bit: JSON writes a double's shortest round-trip form and reads back the
 * same double, so inline rows and the seed reach the worker exactly as they were.
 */
import { ValueError } from '../errors';
import type { InitializerName } from '../initializers';
import type { Dtype } from '../matrix';
import type { History } from '../train/history';
import type { EarlyStoppingOptions } from '../train/options';
import type { OptimizerConfig } from '../optimizers';
import type { TrialValidation } from '../search/tune';
import type { TrialSettings } from '../search/settings';
import type { ModelBytes } from '../network';
import { checkTableJob, type TableCrossValidationJob, type TableJob } from './table-job';

/** Rows given in the job itself: for small data sets (they are stored in Redis with the job). */
export interface InlineData {
  x: number[][];
  y: number[][];
  /** Rows to validate on (else `fit.validationSplit`, or none). */
  validation?: { x: number[][]; y: number[][] };
}

/**
 * A CSV file on storage every worker can read (a shared volume): numbers only, with a header line
 * naming the columns (as `readCsv` reads it). `targets` are the columns to learn; the others are the inputs.
 * With `classes`, the one target column holds class indices from 0 and is one-hot encoded.
 */
export interface FileData {
  path: string;
  targets: string[];
  classes?: number;
}

/** The network a job trains: a new one from a seed, or a saved model (base64 of its bytes) to continue. */
export type JobNetwork =
  | { layers: number[]; activations: string[]; seed: number; dtype?: Dtype; initializer?: InitializerName }
  | { model: string };

/** fit's options, as data: the loss by name, the optimizer by its config (`optimizer.toJSON()`). */
export interface JobFitOptions {
  loss: string;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  optimizer?: OptimizerConfig;
  validationSplit?: number;
  shuffle?: boolean;
  logEvery?: number;
  earlyStopping?: EarlyStoppingOptions;
  /** One weight per training row (fit's `sampleWeight`; `blasnet train --class-weight --redis` sends its class weights so). */
  sampleWeight?: number[];
}

/** One network to train. */
export interface NetworkJob {
  kind: 'network';
  network: JobNetwork;
  data: InlineData | FileData;
  fit: JobFitOptions;
  backend?: 'native' | 'js';
}

/** One trial of a search (`tune` with a queue): cross-validate these settings on these rows. */
export interface CrossValidationJob {
  kind: 'cross-validation';
  data: InlineData;
  settings: TrialSettings;
  validation: Omit<TrialValidation, 'signal'>;
}

/** Every kind of job the queue carries (the table model's: table-job.ts). */
export type TrainingJob = NetworkJob | CrossValidationJob | TableJob | TableCrossValidationJob;

/** The kinds this version knows. */
export const JOB_KINDS = ['network', 'cross-validation', 'table', 'table-cross-validation'] as const;

/** One epoch as onEpochEnd saw it: the mean minibatch loss, and the validation figures with validation data. */
export interface EpochSummary {
  loss: number;
  valLoss?: number;
  valAccuracy?: number;
}

/** What a finished job gives back. */
export interface TrainingResult {
  /** The trained model's bytes (`Network.toBuffer({ withOptimizer: true })`): load with `Network.fromBuffer`. */
  model: ModelBytes;
  history: History;
  /** Every epoch's onEpochEnd figures, in order (progress events may be thinned; this never is). */
  epochs: EpochSummary[];
}

/**
 * A progress report, as BullMQ's job progress carries it: after each epoch, and after minibatches at most
 * every 125 ms. `progress` runs from 0 to 1 through the whole training; `epoch` counts from 1.
 */
export type TrainingProgress =
  | {
      type: 'epoch';
      epoch: number;
      epochs: number;
      loss: number;
      valLoss?: number;
      valAccuracy?: number;
      progress: number;
    }
  | { type: 'batch'; epoch: number; epochs: number; progress: number };

/** The result as stored in Redis (the model as base64). */
export interface StoredResult {
  model: string;
  history: History;
  epochs: EpochSummary[];
}

function bad(name: string, expected: string, value: unknown): ValueError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'an array' : String(value);
  return new ValueError(
    'ERR_INVALID_JOB',
    `Expected ${name} to be ${expected} but received ${shown}${value === null ? '' : ` of type ${typeof value}`}`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rows(name: string, value: unknown): void {
  if (!Array.isArray(value) || value.length === 0)
    throw bad(name, 'a non-empty array of rows (arrays of numbers)', value);
  const width = Array.isArray(value[0]) ? value[0].length : -1;
  value.forEach((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== width || width === 0)
      throw bad(`${name}[${i}]`, `an array of ${Math.max(width, 1)} numbers, as ${name}[0]`, row);
    row.forEach((cell: unknown, j) => {
      if (typeof cell !== 'number' || !Number.isFinite(cell)) throw bad(`${name}[${i}][${j}]`, 'a finite number', cell);
    });
  });
}

/**
 * Checks a job's shape before it is queued (and again in the worker): the errors a caller can fix name
 * the field. What only training can find (shapes that do not match the network, a missing file) fails
 * the job in the worker, once.
 * @throws {@link ValueError} (`ERR_INVALID_JOB`, or `ERR_JOB_KIND` for an unknown kind)
 */
export function checkJob(job: unknown): TrainingJob {
  if (!isObject(job)) throw bad('job', 'an object', job);
  if (!(JOB_KINDS as readonly unknown[]).includes(job.kind)) {
    throw new ValueError(
      'ERR_JOB_KIND',
      `Expected job.kind to be ${JOB_KINDS.map((k) => `"${k}"`).join(' or ')} (the kinds this version of blasnet trains) but received ${JSON.stringify(job.kind)}`,
    );
  }
  if (job.kind === 'table' || job.kind === 'table-cross-validation') return checkTableJob(job);
  if (job.kind === 'cross-validation') {
    if (!isObject(job.data) || 'path' in job.data) throw bad('job.data', 'inline rows { x, y }', job.data);
    rows('job.data.x', job.data.x);
    rows('job.data.y', job.data.y);
    if (!isObject(job.settings)) throw bad('job.settings', 'the trial settings', job.settings);
    if (!isObject(job.validation)) throw bad('job.validation', 'the cross-validation options', job.validation);
    return job as unknown as CrossValidationJob;
  }
  const { network, data, fit } = job;
  if (!isObject(network)) throw bad('job.network', 'an object ({ layers, activations, seed } or { model })', network);
  if ('model' in network) {
    if (typeof network.model !== 'string' || network.model.length === 0)
      throw bad('job.network.model', 'base64 of a saved model', network.model);
  } else {
    if (!Array.isArray(network.layers) || network.layers.length < 2)
      throw bad('job.network.layers', 'an array of at least 2 layer sizes', network.layers);
    if (!Array.isArray(network.activations))
      throw bad('job.network.activations', 'an array of activation names', network.activations);
    if (typeof network.seed !== 'number' || !Number.isInteger(network.seed))
      throw bad('job.network.seed', 'an integer', network.seed);
  }
  if (!isObject(data)) throw bad('job.data', 'an object ({ x, y } rows or { path, targets })', data);
  if ('path' in data) {
    if (typeof data.path !== 'string' || data.path === '') throw bad('job.data.path', 'a file path', data.path);
    if (
      !Array.isArray(data.targets) ||
      data.targets.length === 0 ||
      !data.targets.every((t) => typeof t === 'string')
    ) {
      throw bad('job.data.targets', 'a non-empty array of column names', data.targets);
    }
    if (data.classes !== undefined && !(Number.isInteger(data.classes) && (data.classes as number) >= 2))
      throw bad('job.data.classes', 'an integer of at least 2', data.classes);
  } else {
    rows('job.data.x', data.x);
    rows('job.data.y', data.y);
    if (data.validation !== undefined) {
      if (!isObject(data.validation)) throw bad('job.data.validation', 'an object { x, y }', data.validation);
      rows('job.data.validation.x', data.validation.x);
      rows('job.data.validation.y', data.validation.y);
    }
  }
  if (!isObject(fit)) throw bad('job.fit', 'an object of fit options', fit);
  if (typeof fit.loss !== 'string')
    throw bad('job.fit.loss', 'a loss name (meanSquaredError, binaryCrossEntropy, crossEntropy)', fit.loss);
  if (
    fit.sampleWeight !== undefined &&
    (!Array.isArray(fit.sampleWeight) ||
      !fit.sampleWeight.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0))
  ) {
    throw bad('job.fit.sampleWeight', 'an array of finite weights >= 0, one per row', fit.sampleWeight);
  }
  if (job.backend !== undefined && job.backend !== 'native' && job.backend !== 'js')
    throw bad('job.backend', '"native" or "js"', job.backend);
  return job as unknown as NetworkJob;
}

/** An error as it travels in a failed job's reason: `Name [CODE]: message`, as Node writes its own. */
export function errorReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} [${code}]: ${error.message}` : `${error.name}: ${error.message}`;
}
