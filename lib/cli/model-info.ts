/**
 * The command line's model record from before the table model (`cli: 1`): the task, the target and
 * feature columns, the class names, the standardisation, and a record of the training run. Models written
 * since hold the table model's record (`metadata.table`) beside `cli: 2` and the same training record
 * (lib/cli/table-data.ts); this file still reads the old layout, so those files keep predicting (see
 * lib/table/legacy.ts), and defines the training record both share. Layout in docs/cli.md.
 *
 * A model saved by a program rather than by the CLI has none of it; it is then read positionally: every
 * column a feature, classes named 0, 1, ... from the output layer.
 */
import type { Dtype } from '../matrix';
import type { JsonValue, ModelMetadata } from '../model/description';
import type { Network } from '../network';
import { DataError } from './errors';

/** What a model learns: classes, or a quantity. */
export type Task = 'classification' | 'regression';
/** Every task, as `--task` names them. */
export const TASKS: readonly Task[] = ['classification', 'regression'];

/** Standardisation statistics per feature. */
export interface Standardization {
  mean: number[];
  scale: number[];
}

/** The training run, as the report shows it. */
export interface TrainingRecord {
  file: string;
  rows: number;
  trainRows: number;
  testRows: number;
  epochs: number;
  /** Models written before the training record left out the fit time hold it here; newer ones do not. */
  seconds?: number;
  /** The flags as they were resolved (defaults included). */
  settings: Record<string, JsonValue>;
  /** Per epoch: the mean minibatch loss, and the held-out loss when rows were held out. */
  loss: number[];
  valLoss: number[] | null;
}

/** The CLI's part of a model's metadata. */
export interface ModelInfo {
  /** The layout version of this record. */
  cli: 1;
  task: Task;
  /** The target column: its header name (null without a header) and position in the training file. */
  target: { name: string | null; column: number };
  /** Feature names (`column 3` without a header), in the network's input order. */
  features: string[];
  /** Their positions in the training file. */
  featureColumns: number[];
  /** Cells per row of the training file. */
  columns: number;
  /** Whether the training file had a header of names (then columns are matched by name). */
  namedColumns: boolean;
  /** Class names, indexed by class (classification). */
  classes: string[] | null;
  /** Whether the file's labels are class indices 0, 1, ... (a scikit-learn header named them). */
  labelsAreIndices: boolean;
  /** Feature standardisation fitted on the training part, or null with --no-standardize. */
  standardize: Standardization | null;
  /** Regression only: the target's standardisation; predictions are mapped back to the original units. */
  targetStandardize: { mean: number; scale: number } | null;
  training: TrainingRecord | null;
}

/** The metadata object to save. */
export function toMetadata(info: ModelInfo): ModelMetadata {
  return JSON.parse(JSON.stringify(info)) as ModelMetadata;
}

/**
 * The CLI record of a loaded model, checked; or, for a model that was not trained by the CLI, the
 * positional reading described above.
 * @throws {@link DataError} when the record is there but inconsistent with the network
 */
export function readModelInfo(net: Network<Dtype>, file: string): ModelInfo {
  const metadata = net.metadata as Record<string, unknown>;
  if (metadata.cli === undefined) return positionalInfo(net);
  const info = metadata as unknown as ModelInfo;
  const bad = (what: string) =>
    new DataError('ERR_CLI_MODEL_METADATA', `the model ${file} has damaged command-line metadata: ${what}`);
  // Every field is checked as the rest of the file is: a forged record is refused here, by name, rather
  // than failing later inside a command.
  const record = metadata as Record<string, unknown>;
  const isString = (v: unknown): v is string => typeof v === 'string';
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const isFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const arrayOf = (v: unknown, item: (x: unknown) => boolean, length?: number): boolean =>
    Array.isArray(v) && (length === undefined || v.length === length) && v.every(item);
  if (info.cli !== 1) throw bad(`layout ${JSON.stringify(info.cli)} is not one this blasnet reads (1)`);
  if (!TASKS.includes(info.task)) throw bad(`unknown task ${JSON.stringify(info.task)}`);
  if (!Array.isArray(info.features) || info.features.length !== net.inputs)
    throw bad(`${String(info.features?.length)} feature names for ${net.inputs} inputs`);
  if (!info.features.every(isString)) throw bad('a feature name that is not a string');
  if (!isCount(record.columns) || record.columns < net.inputs) throw bad('columns is not a column count');
  const inRange = (c: unknown) => isCount(c) && c < info.columns;
  if (!arrayOf(info.featureColumns, inRange, net.inputs)) throw bad('featureColumns does not match the inputs');
  const target = record.target;
  if (!isObject(target) || !(target.name === null || isString(target.name)) || !inRange(target.column))
    throw bad('target is not { name, column }');
  if (typeof record.namedColumns !== 'boolean' || typeof record.labelsAreIndices !== 'boolean')
    throw bad('namedColumns or labelsAreIndices is not a boolean');
  if (info.namedColumns && target.name === null) throw bad('namedColumns without a target name');
  if (info.task === 'classification') {
    const expected = net.outputs === 1 ? 2 : net.outputs;
    if (!Array.isArray(info.classes) || info.classes.length !== expected)
      throw bad(`${String(info.classes?.length)} class names for ${net.outputs} outputs`);
    if (!info.classes.every(isString)) throw bad('a class name that is not a string');
  } else if (info.classes !== null) {
    throw bad('class names in a regression model');
  }
  const std = info.standardize;
  if (
    std !== null &&
    (!isObject(std) || !arrayOf(std.mean, isFinite, net.inputs) || !arrayOf(std.scale, isFinite, net.inputs))
  ) {
    throw bad('standardize does not match the inputs');
  }
  const t = info.targetStandardize;
  if (t !== null && (!isObject(t) || !isFinite(t.mean) || !isFinite(t.scale)))
    throw bad('targetStandardize is not { mean, scale }');
  if (record.training !== null) checkTrainingRecord(record.training, bad);
  return info;
}

/**
 * Checks a training record (the old layout's and the table layout's share it), as the rest of the file
 * is checked: a forged record is refused here, by name, rather than failing later inside a command.
 * @throws what `bad` makes, when it is malformed
 */
export function checkTrainingRecord(
  training: unknown,
  bad: (what: string) => Error,
): asserts training is TrainingRecord {
  const isString = (v: unknown): v is string => typeof v === 'string';
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const isFinite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const arrayOf = (v: unknown, item: (x: unknown) => boolean): boolean => Array.isArray(v) && v.every(item);
  if (
    !isObject(training) ||
    !isString(training.file) ||
    ![training.rows, training.trainRows, training.testRows, training.epochs].every(isCount) ||
    // Models written before issue 16 hold the fit's seconds; newer ones leave timing out of the bytes.
    !(training.seconds === undefined || isFinite(training.seconds)) ||
    !isObject(training.settings) ||
    !arrayOf(training.loss, isFinite) ||
    !(training.valLoss === null || arrayOf(training.valLoss, isFinite))
  ) {
    throw bad('the training record is malformed');
  }
}

function positionalInfo(net: Network<Dtype>): ModelInfo {
  const activation = net.outputActivation.name;
  const classification = activation === 'softmax' || (activation === 'sigmoid' && net.outputs === 1);
  const features = Array.from({ length: net.inputs }, (_, j) => `column ${j + 1}`);
  return {
    cli: 1,
    task: classification ? 'classification' : 'regression',
    target: { name: null, column: net.inputs },
    features,
    featureColumns: features.map((_, j) => j),
    columns: net.inputs + 1,
    namedColumns: false,
    classes: classification ? Array.from({ length: Math.max(2, net.outputs) }, (_, k) => String(k)) : null,
    labelsAreIndices: false,
    standardize: null,
    targetStandardize: null,
    training: null,
  };
}
