/**
 * The command line's side of the table model: which columns the flags name (`--target a,b`,
 * `--categorical`, `--numeric`, `--ignore`), scikit-learn's integer labels turned into their class names,
 * the table model's results as the report's parts, its errors with the file's line numbers, and the
 * model file read as a table model whatever wrote it (this CLI, an older one, or a program).
 */
import { BlasnetError, TableError } from '../errors';
import type { Dtype } from '../matrix';
import { Network } from '../network';
import type { ColumnKind } from '../table/infer';
import { checkTableRecord } from '../table/check-record';
import { TableModel, type TableEvaluation } from '../table/model';
import type { Row } from '../table/rows';
import { resolveTarget } from './columns';
import { displayName } from './csv';
import { DataError, UsageError, fileError } from './errors';
import type { PartResult } from './evaluation';
import { checkTrainingRecord, readModelInfo, toMetadata, type TrainingRecord } from './model-info';
import type { RowChunk } from './rows';
import type { TableLayout } from './table';

/**
 * `--target`: one column (as resolveTarget reads it: last, first, a number, a name), or several names
 * separated by commas (regression with one output each), unless the whole text is itself a column name.
 */
export function resolveTargets(spec: string, layout: TableLayout): string[] {
  if (spec.includes(',') && !layout.names.includes(spec)) {
    return spec.split(',').map((part) => layout.names[resolveTarget(part.trim(), layout)]!);
  }
  return [layout.names[resolveTarget(spec, layout)]!];
}

/** The kinds `--categorical`, `--numeric` and `--ignore` give, checked against the file's columns. */
export function kindFlags(
  flags: Partial<Record<'categorical' | 'numeric' | 'ignore', string>>,
  layout: TableLayout,
  targets: readonly string[],
): Record<string, ColumnKind> {
  const kinds: Record<string, ColumnKind> = {};
  for (const [flag, kind] of [
    ['categorical', 'categorical'],
    ['numeric', 'numeric'],
    ['ignore', 'ignore'],
  ] as const) {
    const value = flags[flag];
    if (value === undefined) continue;
    for (const part of value
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '')) {
      const column = layout.names[resolveTarget(part, layout)]!;
      if (targets.includes(column))
        throw new UsageError(
          'ERR_CLI_COLUMNS',
          `--${flag} ${JSON.stringify(part)} names the target; a target cannot also be a feature`,
        );
      if (kinds[column] !== undefined && kinds[column] !== kind) {
        throw new UsageError(
          'ERR_CLI_COLUMNS',
          `the column ${JSON.stringify(column)} is given to both --${kinds[column]} and --${flag}`,
        );
      }
      kinds[column] = kind;
    }
  }
  return kinds;
}

/**
 * A scikit-learn header (`150,4,setosa,versicolor,virginica`) names the integer labels of the last
 * column: the rows with those names in their place, so the model's classes are the names.
 */
export function nameSklearnLabels(chunk: RowChunk, layout: TableLayout, target: string): RowChunk {
  if (layout.header.kind !== 'sklearn' || Array.isArray(chunk.rows)) return chunk;
  const classes = layout.header.classes;
  const j = chunk.rows.columns.indexOf(target);
  if (j < 0) return chunk;
  const rows = chunk.rows.rows.map((cells) => {
    const k = Number(cells[j]);
    if (!Number.isInteger(k) || k < 0 || k >= classes.length || cells[j]!.trim() === '') return cells;
    const copy = [...cells];
    copy[j] = classes[k]!;
    return copy;
  });
  return { rows: { columns: chunk.rows.columns, rows }, lines: chunk.lines };
}

/** Rows as objects, whatever the chunk holds. */
export function chunkObjects(chunk: RowChunk): Row[] {
  if (Array.isArray(chunk.rows)) return chunk.rows;
  const { columns, rows } = chunk.rows;
  return rows.map((cells) => Object.fromEntries(columns.map((c, j) => [c, cells[j]])));
}

/**
 * A headerless file read positionally, as predict and evaluate always took one: with exactly the model's
 * feature columns (the target left out), or with every column of the training file, its columns get the
 * training file's names, in order.
 */
export function alignPositional(chunk: RowChunk, layout: TableLayout, model: TableModel): RowChunk {
  if ((layout.header.kind === 'names' && !positional(model)) || Array.isArray(chunk.rows)) return chunk;
  const all = model.spec.columns.map((c) => c.column);
  const features = model.spec.columns.filter((c) => c.source !== 'target').map((c) => c.column);
  const names = layout.width === features.length ? features : layout.width === all.length ? all : undefined;
  if (names === undefined || names.every((f, j) => f === layout.names[j])) return chunk;
  return { rows: { columns: names, rows: chunk.rows.rows }, lines: chunk.lines };
}

/** A model trained on a file without a header (or saved by a program): its columns have only positions. */
function positional(model: TableModel): boolean {
  return model.spec.columns.every((c) => /^column \d+$/.test(c.column));
}

/**
 * Checks, once the columns are known, that a file with a header has every column the model reads (and,
 * for evaluate, its target), naming the first one missing, as before the table model.
 * @throws {@link DataError} (`ERR_CLI_COLUMNS`)
 */
export function checkModelColumns(layout: TableLayout, model: TableModel, needTarget: boolean): void {
  if (layout.header.kind !== 'names' || positional(model)) return;
  const target = model.spec.target;
  const wanted: [string, string][] = model.spec.encoders.map((e) => [e.column, 'feature']);
  if (needTarget)
    for (const t of target.task === 'classification' ? [target.column] : target.columns) wanted.push([t, 'target']);
  for (const [column, role] of wanted) {
    if (!layout.names.includes(column)) {
      throw new DataError(
        'ERR_CLI_COLUMNS',
        `${displayName(layout.file)} has no column ${JSON.stringify(column)} (the model's ${role}); its columns: ${layout.names.map((n) => JSON.stringify(n)).join(', ')}`,
      );
    }
  }
}

/**
 * JSON rows streamed in chunks: a key the model reads that no row of this chunk has (but the first chunk
 * had) is a run of missing cells, not a missing column.
 */
export function fillAbsentKeys(chunk: RowChunk, model: TableModel): RowChunk {
  const rows = chunk.rows;
  if (!Array.isArray(rows)) return chunk;
  const absent = model.spec.encoders
    .map((e) => e.column)
    .filter((c) => !rows.some((r) => Object.prototype.hasOwnProperty.call(r, c)));
  if (absent.length === 0) return chunk;
  return { rows: rows.map((r) => ({ ...Object.fromEntries(absent.map((c) => [c, null])), ...r })), lines: chunk.lines };
}

/** A table-model error about row `row` of `chunk`, said with the file's line (and column, for a cell). */
export function withLines(error: unknown, file: string, lines: readonly number[], layout: TableLayout): unknown {
  if (!(error instanceof TableError)) return error;
  const name = displayName(file);
  if (error.row !== undefined && lines[error.row] !== undefined) {
    const column = error.column === undefined ? '' : describe(layout, error.column);
    const message = error.message.replace(/^Row \d+(, (column|target) "(?:[^"\\]|\\.)*")?: /, '');
    return new DataError(error.code, `${name}, line ${lines[error.row]}${column ? `, ${column}` : ''}: ${message}`);
  }
  return new DataError(error.code, `${name}: ${error.message}`);
}

function describe(layout: TableLayout, column: string): string {
  const j = layout.names.indexOf(column);
  if (j < 0) return `column ${JSON.stringify(column)}`;
  return layout.header.kind === 'names' ? `column ${j + 1} (${JSON.stringify(column)})` : `column ${j + 1}`;
}

/** The report's parts from an evaluation: one per part (regression: one per target). */
export function partsOf(name: string, evaluation: TableEvaluation): PartResult[] {
  if (evaluation.task === 'classification') {
    return [
      {
        kind: 'classification',
        name,
        rows: evaluation.rows,
        accuracy: evaluation.accuracy,
        metrics: evaluation.metrics,
        confusion: evaluation.confusion,
        truth: evaluation.truth,
        predicted: evaluation.predicted,
      },
    ];
  }
  const k = evaluation.targets.length;
  return evaluation.targets.map((t, j) => ({
    kind: 'regression',
    name: k === 1 ? name : `${name} ${JSON.stringify(t.target)}`,
    rows: evaluation.rows,
    mse: t.mse,
    mae: t.mae,
    r2: t.r2,
    actual: Float64Array.from({ length: evaluation.rows }, (_, i) => evaluation.actual[i * k + j]!),
    predicted: Float64Array.from({ length: evaluation.rows }, (_, i) => evaluation.predicted[i * k + j]!),
  }));
}

/** The CLI's record beside the table record in a model file (layout 2). */
export interface CliRecord {
  cli: 2;
  /** The training file's name. */
  file: string;
  training: TrainingRecord;
}

/**
 * The model in `file` as a table model, and the training record if this CLI wrote it.
 * @throws {@link DataError} for a file that cannot be read; ModelFormatError for a damaged one
 */
export async function loadTableModel(
  file: string,
  backend: 'native' | 'js',
): Promise<{ model: TableModel; net: Network<Dtype>; training: TrainingRecord | null }> {
  let net: Network<Dtype>;
  try {
    // Either dtype: the command line predicts from a float32 model as well (the API's default is float64).
    net = await Network.load(file, { backend, dtype: 'any' });
  } catch (error) {
    throw fileError(error, file, 'cannot read the model');
  }
  const metadata = net.metadata as Record<string, unknown>;
  let training: TrainingRecord | null = null;
  if (metadata.table === undefined) {
    // A model from an older blasnet train, or from a program: its record (or the positional reading),
    // read as a table record for the table model; the network keeps its own metadata as it was.
    const info = readModelInfo(net, file);
    training = info.training;
    net.metadata = toMetadata(info);
  } else {
    // The table record and the CLI record beside it, checked field by field as the old layout is
    // (model-info.ts): a forged record is refused by name rather than failing inside a command.
    const bad = (what: string) =>
      new DataError('ERR_CLI_MODEL_METADATA', `the model ${file} has damaged command-line metadata: ${what}`);
    checkTableRecord(metadata.table, net.inputs, net.outputs, bad);
    // No CLI record: a program's TableModel.save, which records no training run.
    if (metadata.cli !== undefined) {
      if (metadata.cli !== 2)
        throw bad(`layout ${JSON.stringify(metadata.cli)} beside a table record is not one this blasnet reads (2)`);
      if (typeof metadata.file !== 'string') throw bad('file is not a string');
      checkTrainingRecord(metadata.training, bad);
      training = (metadata as unknown as CliRecord).training;
    }
  }
  try {
    return { model: TableModel.fromNetwork(net, file), net, training };
  } catch (error) {
    if (error instanceof BlasnetError)
      throw new DataError(
        'ERR_CLI_MODEL_METADATA',
        `the model ${file} cannot be read as a table model: ${error.message}`,
      );
    throw error;
  } finally {
    net.metadata = metadata as typeof net.metadata;
  }
}
