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
  seconds: number;
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
  const bad = (what: string) => new DataError('ERR_CLI_MODEL_METADATA', `the model ${file} has damaged command-line metadata: ${what}`);
  if (info.cli !== 1) throw bad(`layout ${JSON.stringify(info.cli)} is not one this blasnet reads (1)`);
  if (!TASKS.includes(info.task)) throw bad(`unknown task ${JSON.stringify(info.task)}`);
  if (!Array.isArray(info.features) || info.features.length !== net.inputs) throw bad(`${String(info.features?.length)} feature names for ${net.inputs} inputs`);
  if (!Array.isArray(info.featureColumns) || info.featureColumns.length !== net.inputs) throw bad('featureColumns does not match the inputs');
  if (info.task === 'classification') {
    const expected = net.outputs === 1 ? 2 : net.outputs;
    if (!Array.isArray(info.classes) || info.classes.length !== expected) throw bad(`${String(info.classes?.length)} class names for ${net.outputs} outputs`);
  }
  const std = info.standardize;
  if (std !== null && (!Array.isArray(std?.mean) || std.mean.length !== net.inputs || !Array.isArray(std.scale) || std.scale.length !== net.inputs)) {
    throw bad('standardize does not match the inputs');
  }
  return info;
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
