/**
 * TableModel: a network trained from raw rows and predicting from raw rows. It fits the column encoders
 * and the target on the training rows, turns rows into the network's matrix, and turns the network's
 * outputs back into labels or values in the target's own terms. Everything it fitted is saved in the
 * model file's metadata (`metadata.table`), so a loaded model prepares new rows exactly as it prepared
 * the training rows. It talks to the network only through Network's public API: it never touches a
 * backend, and the network never learns about columns.
 */
import type { BackendName } from '../backend/backend';
import { OptionError, TableError } from '../errors';
import { Matrix, type Dtype } from '../matrix';
import { argmaxRows, classificationMetrics, confusionMatrix, type ClassificationMetrics } from '../metrics';
import type { JsonValue, ModelMetadata } from '../model/description';
import { Network, type ModelBytes } from '../network';
import { tableToONNX } from '../onnx/export-table';
import { Adam, SGD } from '../optimizers';
import type { FitOptions } from '../train/options';
import { closest, describeValue } from '../validate';
import { quote, type MissingSet } from './cells';
import { checkTableRecord } from './check-record';
import {
  categoryLookup,
  encodeCell,
  encodedNames,
  encodedWidth,
  fitCategorical,
  fitDate,
  fitNumeric,
  type ColumnEncoder,
  type TransformCounts,
} from './encoders';
import { inferKind, type ColumnKind, type DropReason } from './infer';
import { legacySpec } from './legacy';
import { classTargets, planNetwork } from './network-plan';
import {
  defaultBatchSize,
  resolveTableOptions,
  type ResolvedTableOptions,
  type TableFitAsyncOptions,
  type TableFitOptions,
} from './options';
import { rowSource, type RowSource, type TableRows } from './rows';
import {
  classIndices,
  fitTarget,
  labelOf,
  regressionValues,
  rowsWithTarget,
  type ClassTarget,
  type Label,
  type TargetEncoder,
} from './target';

/** What was done to one column, as {@link TableModel.describeColumns} reports it. */
export interface ColumnSummary {
  column: string;
  /** What it became (`ignore`: left out). */
  kind: ColumnKind;
  /** Whether the kind was inferred, given in `options.columns`, or the column is a target. */
  source: 'inferred' | 'option' | 'target';
  /** Why an inferred column was left out. */
  dropped?: DropReason;
  /** Missing cells among the training rows. */
  missing: number;
  /** Network inputs it makes. */
  width: number;
  /** Categorical: the kept categories, and how many were pooled into "other". */
  categories?: string[];
  pooled?: number;
  /** Date: the parts kept. */
  parts?: string[];
  /** One line in words (names and categories JSON-quoted). */
  note: string;
}

/** The fitted preprocessing, as saved in `metadata.table`. */
export interface TableSpec {
  /** The layout version of this record. */
  table: 1;
  target: TargetEncoder;
  encoders: ColumnEncoder[];
  columns: ColumnSummary[];
  missing: string[];
  /** Training rows used, and rows left out for a missing target. */
  rows: number;
  skipped: number;
}

/** The results of {@link TableModel.evaluate} for a classifier. */
export interface ClassificationEvaluation {
  task: 'classification';
  /** Rows evaluated, and rows left out because their target was missing. */
  rows: number;
  skipped: number;
  accuracy: number;
  /** The mean of the per-class recalls (scikit-learn's balanced_accuracy_score). */
  balancedAccuracy: number;
  macroF1: number;
  metrics: ClassificationMetrics;
  /** confusion[true][predicted] over every class of the model. */
  confusion: number[][];
  classes: Label[];
  /** Cells whose category was not seen in training (encoded as all zeros), per column. */
  unseen: Record<string, number>;
  /** Missing cells (imputed), per column. */
  missing: Record<string, number>;
  truth: Int32Array;
  predicted: Int32Array;
}

/** One target's regression metrics (sklearn.metrics' definitions). */
export interface TargetMetrics {
  target: string;
  r2: number;
  mae: number;
  mse: number;
  rmse: number;
}

/** The results of {@link TableModel.evaluate} for a regressor. */
export interface RegressionEvaluation {
  task: 'regression';
  rows: number;
  skipped: number;
  targets: TargetMetrics[];
  unseen: Record<string, number>;
  missing: Record<string, number>;
  /** rows x targets, in the targets' units. */
  actual: Float64Array;
  predicted: Float64Array;
}

export type TableEvaluation = ClassificationEvaluation | RegressionEvaluation;

/** Options of {@link TableModel.load} and {@link TableModel.fromBuffer}. */
export interface TableLoadOptions {
  backend?: BackendName;
}

/** What a prediction is: a label, a value, or (several targets) one value per target. */
export type Prediction = Label | number[];

interface Prepared {
  spec: TableSpec;
  net: Network;
  x: Matrix;
  y: Matrix;
  /** Validation rows, when given, as encoded matrices (what a queue job carries). */
  fit: FitOptions & { validationData?: readonly [Matrix, Matrix] };
}

/**
 * A network with its preprocessing, trained from rows of objects (or a parsed CSV).
 * @example
 * ```ts
 * const { rows } = await pool.query('SELECT species, island, bill_length_mm, sex FROM penguins');
 * const model = new TableModel().fit(rows, { target: 'species', epochs: 100 });
 * console.table(model.describeColumns());
 * model.predict([{ island: 'Biscoe', bill_length_mm: 47.3, sex: null }]); // ['Gentoo']
 * ```
 */
export class TableModel {
  private state: { spec: TableSpec; net: Network<Dtype> } | undefined;

  /** The fitted network (after fit or load). @throws {@link TableError} (`ERR_TABLE_NOT_FITTED`) before */
  get network(): Network<Dtype> {
    return this.fitted().net;
  }

  /** The fitted preprocessing, as saved. */
  get spec(): TableSpec {
    return this.fitted().spec;
  }

  /** `'classification'` or `'regression'`. */
  get task(): 'classification' | 'regression' {
    return this.fitted().spec.target.task;
  }

  /** The classes, in the target's own terms (classification), indexed as predictProba's columns. */
  get classes(): Label[] {
    const target = this.fitted().spec.target;
    return target.task === 'classification' ? target.classes.map((c) => labelOf(c, target)) : [];
  }

  /**
   * Fits the preprocessing and trains the network on `rows`, on the calling thread.
   * @throws {@link OptionError} for a bad option; {@link TableError} for rows it cannot use (a missing
   *   target column, a one-class target, a numeric column holding a word, ...)
   */
  fit(rows: TableRows, options: TableFitOptions): this {
    const prepared = this.prepare(rows, options);
    prepared.net.fit(prepared.x, prepared.y, prepared.fit);
    this.state = { spec: prepared.spec, net: prepared.net };
    return this;
  }

  /** As {@link TableModel.fit}, training in a worker thread (the event loop stays free); abortable. */
  async fitAsync(rows: TableRows, options: TableFitAsyncOptions): Promise<this> {
    const prepared = this.prepare(rows, options);
    if (options.onPrepared !== undefined) {
      const view = new TableModel();
      view.state = { spec: prepared.spec, net: prepared.net };
      options.onPrepared({
        columns: view.describeColumns(),
        inputNames: view.inputNames(),
        target: prepared.spec.target,
        network: prepared.net,
        loss: prepared.fit.loss!,
      });
    }
    const fitOptions = {
      ...prepared.fit,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onEpochEnd ? { onEpochEnd: options.onEpochEnd } : {}),
      ...(options.onBatchEnd ? { onBatchEnd: options.onBatchEnd } : {}),
    };
    if (options.fitNetwork === undefined) {
      await prepared.net.fitAsync(prepared.x, prepared.y, fitOptions);
      this.state = { spec: prepared.spec, net: prepared.net };
      return this;
    }
    // Trained elsewhere (a queue worker): it must come back as the network that was sent, trained.
    const trained = await options.fitNetwork(prepared.net, prepared.x, prepared.y, fitOptions);
    if (
      !(trained instanceof Network) ||
      trained.dims.length !== prepared.net.dims.length ||
      trained.dims.some((d, i) => d !== prepared.net.dims[i])
    ) {
      throw new OptionError(
        'ERR_TABLE_OPTION',
        'options.fitNetwork',
        `a promise of the trained network, of dims [${prepared.net.dims.join(', ')}]`,
        describeValue(trained),
      );
    }
    trained.metadata = prepared.net.metadata;
    this.state = { spec: prepared.spec, net: trained };
    return this;
  }

  /** Labels (classification) or values (regression; one array per row with several targets). */
  predict(rows: TableRows): Prediction[] {
    const { spec, net } = this.fitted();
    const source = rowSource(rows);
    const outputs = net.predict(this.encode(source, allRows(source)).x);
    return decode(spec.target, outputs);
  }

  /** Each row's probability of every class (columns in {@link TableModel.classes}' order). */
  predictProba(rows: TableRows): number[][] {
    const { spec, net } = this.fitted();
    if (spec.target.task !== 'classification')
      throw new TableError(
        'ERR_TABLE_TASK',
        'predictProba needs a classification model; this one is a regression model',
      );
    const source = rowSource(rows);
    return probabilities(net.predict(this.encode(source, allRows(source)).x));
  }

  /**
   * Metrics on labelled rows (rows whose target is missing are left out and counted), with the counts
   * of unseen categories and missing cells per column.
   * @throws {@link TableError} (`ERR_TABLE_UNKNOWN_CLASS`) for a label the model does not know
   */
  evaluate(rows: TableRows): TableEvaluation {
    const { spec, net } = this.fitted();
    const source = rowSource(rows);
    const missing = new Set(spec.missing);
    const target = spec.target;
    const targetColumns = target.task === 'classification' ? [target.column] : target.columns;
    for (const column of targetColumns) {
      if (!source.has(column)) throw missingColumn(column, 'the target');
    }
    const { kept, skipped } = rowsWithTarget(source, targetColumns, missing);
    const { x, counts } = this.encode(source, kept);
    const outputs = net.predict(x);
    const unseen = Object.fromEntries(counts.unseen);
    const missingCounts = Object.fromEntries(counts.missing);
    if (target.task === 'classification') {
      const truth = classIndices(source, target, kept);
      const bad = truth.indexOf(-1);
      if (bad >= 0) {
        const row = kept[bad]!;
        throw new TableError(
          'ERR_TABLE_UNKNOWN_CLASS',
          `Row ${row}: the label ${quote(source.cell(row, target.column))} is not one of the model's classes (${target.classes
            .slice(0, 12)
            .map((c) => quote(c))
            .join(', ')}${target.classes.length > 12 ? ', ...' : ''})`,
          { column: target.column, row },
        );
      }
      const predicted = argmaxRows(outputs);
      const metrics = classificationMetrics(truth, predicted);
      return {
        task: 'classification',
        rows: kept.length,
        skipped,
        accuracy: metrics.accuracy,
        balancedAccuracy: metrics.balancedAccuracy,
        macroF1: metrics.macro.f1,
        metrics,
        confusion: confusionMatrix(truth, predicted, target.classes.length),
        classes: target.classes.map((c) => labelOf(c, target)),
        unseen,
        missing: missingCounts,
        truth,
        predicted,
      };
    }
    const actual = regressionValues(source, target, kept, true);
    const predicted = unscale(target, outputs);
    const k = target.columns.length;
    const targets = target.columns.map((column, j) => {
      const a = Float64Array.from({ length: kept.length }, (_, i) => actual[i * k + j]!);
      const p = Float64Array.from({ length: kept.length }, (_, i) => predicted[i * k + j]!);
      return { target: column, ...regressionMetrics(a, p) };
    });
    return {
      task: 'regression',
      rows: kept.length,
      skipped,
      targets,
      unseen,
      missing: missingCounts,
      actual,
      predicted,
    };
  }

  /** What was done to each column: its kind, categories kept, missing cells, or why it was left out. */
  describeColumns(): ColumnSummary[] {
    return this.fitted().spec.columns.map((c) => ({
      ...c,
      ...(c.categories ? { categories: [...c.categories] } : {}),
      ...(c.parts ? { parts: [...c.parts] } : {}),
    }));
  }

  /** The names of the network's inputs (`island=Biscoe`, `sex (missing)`, `date.month`). */
  inputNames(): string[] {
    // Names are labels for reports; encoders address their inputs by position, so a column literally
    // named "color=red" beside the category "red" of "color" cannot collide. Repeats get " #2", " #3".
    const seen = new Map<string, number>();
    return this.fitted()
      .spec.encoders.flatMap(encodedNames)
      .map((name) => {
        const count = (seen.get(name) ?? 0) + 1;
        seen.set(name, count);
        return count === 1 ? name : `${name} #${count}`;
      });
  }

  /** Saves the network with its preprocessing (atomically; see Network.save). */
  async save(file: string): Promise<void> {
    await this.fitted().net.save(file);
  }

  /**
   * The whole pipeline as an ONNX model (lib/onnx/export-table.ts; README "ONNX"): one input per feature
   * column, named as the column, and outputs `label` (and `probabilities` for a classifier).
   * @throws {@link TableError} (`ERR_ONNX_COLUMN_NAME`) for a feature column named "", `label` or `probabilities`
   */
  toONNX(): Uint8Array {
    const { spec, net } = this.fitted();
    return tableToONNX(spec, net);
  }

  /** The model file's bytes (for a database column, say). */
  toBuffer(): ModelBytes {
    return this.fitted().net.toBuffer();
  }

  /**
   * Loads a model saved by {@link TableModel.save}, or by `blasnet train` (any version: a model from
   * before the table model is read as numeric columns with its standardisation).
   * @throws ModelFormatError for a damaged file; {@link TableError} (`ERR_TABLE_NOT_TABLE_MODEL`) for a
   *   network saved without any preprocessing record
   */
  static async load(file: string, options: TableLoadOptions = {}): Promise<TableModel> {
    // Either dtype: a table model is float64 when trained here, but a program may have saved a float32 one.
    return TableModel.fromNetwork(await Network.load(file, { ...options, dtype: 'any' }), file);
  }

  /** A model from {@link TableModel.toBuffer}'s bytes. */
  static fromBuffer(bytes: Uint8Array, options: TableLoadOptions = {}): TableModel {
    return TableModel.fromNetwork(Network.fromBuffer(bytes, { ...options, dtype: 'any' }), 'the buffer');
  }

  /** Wraps a loaded network whose metadata holds a table record (or an older CLI record). */
  static fromNetwork(net: Network<Dtype>, source = 'the network'): TableModel {
    const metadata = net.metadata as Record<string, unknown>;
    // A saved record is data: checked field by field, so a damaged one is refused here by name.
    if (metadata.table !== undefined) {
      checkTableRecord(
        metadata.table,
        net.inputs,
        net.outputs,
        (what) => new TableError('ERR_TABLE_RECORD', `${source} has a damaged table record (metadata.table): ${what}`),
      );
    }
    const spec = (metadata.table as TableSpec | undefined) ?? legacySpec(metadata, net.inputs, net.outputs);
    if (spec === undefined || spec.table !== 1) {
      throw new TableError(
        'ERR_TABLE_NOT_TABLE_MODEL',
        `${source} holds a network without a table record (metadata.table), so there is no preprocessing to apply; load it with Network.load instead`,
      );
    }
    const width = spec.encoders.reduce((sum, e) => sum + encodedWidth(e), 0);
    if (width !== net.inputs)
      throw new TableError(
        'ERR_TABLE_NOT_TABLE_MODEL',
        `${source}: its table record makes ${width} inputs but the network takes ${net.inputs}`,
      );
    const model = new TableModel();
    model.state = { spec, net };
    return model;
  }

  private fitted(): { spec: TableSpec; net: Network<Dtype> } {
    if (this.state === undefined)
      throw new TableError(
        'ERR_TABLE_NOT_FITTED',
        'This TableModel has not been fitted or loaded yet: call fit, fitAsync or TableModel.load first',
      );
    return this.state;
  }

  /** The rows as the network's inputs. @throws {@link TableError} for a column the model needs that the rows lack */
  private encode(source: RowSource, indices: readonly number[]): { x: Matrix; counts: TransformCounts } {
    const { spec } = this.fitted();
    return encodeRows(spec, source, indices);
  }

  private prepare(rows: TableRows, options: TableFitOptions): Prepared {
    const source = rowSource(rows);
    const o = resolveTableOptions(options, source.length);
    checkColumns(source, o);
    const missing: MissingSet = new Set(o.missing);
    const { kept, skipped } = rowsWithTarget(source, o.targets, missing);
    if (kept.length < 2) {
      throw new TableError(
        'ERR_TABLE_TOO_FEW_ROWS',
        `Training needs at least 2 rows with a target; ${source.length} rows were given and ${skipped} of them have no ${o.targets.map((t) => quote(t)).join(' or ')}`,
      );
    }
    const target = fitTarget(source, o.targets, kept, o.task);
    const { encoders, summaries } = fitColumns(source, o, kept, missing);
    if (!o.standardize) unstandardize(target, encoders);
    if (encoders.length === 0) {
      throw new TableError(
        'ERR_TABLE_NO_FEATURES',
        `No column is left to learn from: ${
          summaries
            .filter((s) => s.source !== 'target')
            .map((s) => `${quote(s.column)} (${s.note})`)
            .join('; ') || 'the rows hold only the target'
        }`,
      );
    }
    const spec: TableSpec = {
      table: 1,
      target,
      encoders,
      columns: summaries,
      missing: o.missing,
      rows: kept.length,
      skipped,
    };
    const { x } = encodeRows(spec, source, kept);
    let y: Matrix;
    let classes = 0;
    let labels: Int32Array | undefined;
    if (target.task === 'classification') {
      labels = classIndices(source, target, kept);
      classes = target.classes.length;
      y = classTargets(labels, classes);
    } else {
      y = new Matrix(kept.length, target.columns.length, regressionValues(source, target, kept));
    }
    const weights = rowWeights(o, kept, labels, target);
    const plan = planNetwork(
      x.cols,
      o.hidden,
      o.activation,
      target.task,
      classes,
      target.task === 'regression' ? target.columns.length : 1,
    );
    const net = new Network(plan.dims, plan.activations, {
      seed: o.seed,
      backend: o.backend,
      initializer: plan.initializer,
    });
    net.metadata = { table: JSON.parse(JSON.stringify(spec)) as JsonValue } as ModelMetadata;
    const fit: Prepared['fit'] = {
      loss: plan.loss,
      epochs: o.epochs,
      batchSize: o.batchSize ?? defaultBatchSize(kept.length),
      optimizer:
        o.optimizer === 'adam'
          ? new Adam({ learningRate: o.learningRate, weightDecay: o.weightDecay })
          : new SGD({ learningRate: o.learningRate, weightDecay: o.weightDecay }),
      log: null,
      logEvery: o.epochs,
      ...(weights ? { sampleWeight: weights } : {}),
    };
    const validation = (options as { validationRows?: TableRows }).validationRows;
    if (validation !== undefined) {
      const vs = rowSource(validation, 'options.validationRows');
      const vKept = rowsWithTarget(vs, o.targets, missing).kept;
      if (vKept.length > 0) {
        const vx = encodeRows(spec, vs, vKept).x;
        let vy: Matrix;
        if (target.task === 'classification') {
          const vLabels = classIndices(vs, target, vKept);
          const unknown = vLabels.indexOf(-1);
          if (unknown >= 0) {
            throw new TableError(
              'ERR_TABLE_UNKNOWN_CLASS',
              `options.validationRows[${vKept[unknown]}]: the label ${quote(vs.cell(vKept[unknown]!, target.column))} is not one of the training rows' classes`,
            );
          }
          vy = classTargets(vLabels, classes);
        } else {
          vy = new Matrix(vKept.length, target.columns.length, regressionValues(vs, target, vKept));
        }
        fit.validationData = [vx, vy];
      }
    }
    return { spec, net, x, y, fit };
  }
}

/** Every row index of a source. */
function allRows(source: RowSource): number[] {
  return Array.from({ length: source.length }, (_, i) => i);
}

function missingColumn(column: string, role: string): TableError {
  return new TableError(
    'ERR_TABLE_MISSING_COLUMN',
    `The rows have no column ${quote(column)} (${role}); every row lacks it`,
    { column },
  );
}

/** The inputs for rows `indices`, and what the encoders met. */
export function encodeRows(
  spec: TableSpec,
  source: RowSource,
  indices: readonly number[],
): { x: Matrix; counts: TransformCounts } {
  for (const e of spec.encoders)
    if (!source.has(e.column)) throw missingColumn(e.column, `a ${e.kind} feature of the model`);
  const missing: MissingSet = new Set(spec.missing);
  const widths = spec.encoders.map(encodedWidth);
  const width = widths.reduce((a, b) => a + b, 0);
  const x = new Matrix(indices.length, width);
  const lookups = spec.encoders.map((e) => (e.kind === 'categorical' ? categoryLookup(e) : undefined));
  const counts: TransformCounts = { unseen: new Map(), missing: new Map() };
  for (let r = 0; r < indices.length; r++) {
    const row = indices[r]!;
    let offset = r * width;
    spec.encoders.forEach((e, j) => {
      encodeCell(e, source.cell(row, e.column), row, missing, x.data, offset, counts, lookups[j]);
      offset += widths[j]!;
    });
  }
  return { x, counts };
}

/** Target and option columns must exist; the target must not also be declared a feature. */
function checkColumns(source: RowSource, o: ResolvedTableOptions): void {
  for (const t of o.targets) {
    if (!source.has(t)) {
      const near = closest(t, source.columns);
      throw new OptionError(
        'ERR_TABLE_TARGET',
        'options.target',
        `a column of the rows${near ? ` (did you mean ${quote(near)}?)` : ''}; they have ${source.columns
          .slice(0, 20)
          .map((c) => quote(c))
          .join(', ')}`,
        describeValue(t),
      );
    }
    if (o.columns.has(t)) {
      throw new OptionError(
        'ERR_TABLE_TARGET_AS_FEATURE',
        `options.columns[${JSON.stringify(t)}]`,
        'absent: a target column cannot also be a feature',
        describeValue(o.columns.get(t)),
      );
    }
  }
  for (const name of o.columns.keys()) {
    if (!source.has(name)) {
      const near = closest(name, source.columns);
      throw new OptionError(
        'ERR_TABLE_UNKNOWN_COLUMN',
        `options.columns[${JSON.stringify(name)}]`,
        `a column of the rows${near ? ` (did you mean ${quote(near)}?)` : ''}`,
        'a name no row has',
      );
    }
  }
}

const DROP_NOTES: Record<DropReason, string> = {
  empty: 'left out: every training cell is missing',
  constant: 'left out: the same value in every training row',
  id: 'left out: looks like an ID (a distinct value in almost every row)',
};

/** Kinds, encoders and summaries for every column but the targets. */
function fitColumns(
  source: RowSource,
  o: ResolvedTableOptions,
  kept: readonly number[],
  missing: MissingSet,
): { encoders: ColumnEncoder[]; summaries: ColumnSummary[] } {
  const encoders: ColumnEncoder[] = [];
  const summaries: ColumnSummary[] = [];
  for (const column of source.columns) {
    if (o.targets.includes(column)) {
      summaries.push({ column, kind: 'ignore', source: 'target', missing: 0, width: 0, note: 'the target' });
      continue;
    }
    const inferred = inferKind(source, column, kept, missing);
    const forced = o.columns.get(column);
    const kind = forced ?? inferred.kind;
    const base = {
      column,
      source: forced ? ('option' as const) : ('inferred' as const),
      missing: inferred.shapes.missing,
    };
    if (kind === 'ignore') {
      const note = forced
        ? 'left out: options.columns says ignore'
        : `${DROP_NOTES[inferred.drop!]}; force it in with options.columns (CLI: --categorical or --numeric)`;
      summaries.push({
        ...base,
        kind,
        ...(inferred.drop && !forced ? { dropped: inferred.drop } : {}),
        width: 0,
        note,
      });
      continue;
    }
    const missingNote = inferred.shapes.missing > 0 ? `, ${inferred.shapes.missing} missing` : '';
    let encoder: ColumnEncoder;
    let summary: ColumnSummary;
    if (kind === 'numeric') {
      encoder = fitNumeric(source, column, kept, missing);
      summary = {
        ...base,
        kind,
        width: encodedWidth(encoder),
        note: `numeric${o.standardize ? ', standardised' : ''}${encoder.indicator ? `${missingNote} (imputed with the median ${round(encoder.median)}, with a "was missing" column)` : ''}`,
      };
    } else if (kind === 'date') {
      encoder = fitDate(source, column, kept, missing);
      summary = {
        ...base,
        kind,
        width: encodedWidth(encoder),
        parts: [...encoder.parts],
        note: `date: ${encoder.parts.join(', ') || 'no part varies'}${missingNote}`,
      };
    } else {
      encoder = fitCategorical(source, column, kept, missing, o);
      const shown = encoder.categories
        .slice(0, 8)
        .map((c) => quote(c, 30))
        .join(', ');
      const more = encoder.categories.length > 8 ? `, ... (${encoder.categories.length} in all)` : '';
      summary = {
        ...base,
        kind,
        width: encodedWidth(encoder),
        categories: [...encoder.categories],
        pooled: encoder.pooled.length,
        note: `categorical: ${shown}${more}${encoder.missing ? ` + missing (${inferred.shapes.missing})` : ''}${encoder.other ? ` + other (${encoder.pooled.length} rare categor${encoder.pooled.length === 1 ? 'y' : 'ies'} pooled)` : ''}`,
      };
    }
    encoders.push(encoder);
    summaries.push(summary);
  }
  return { encoders, summaries };
}

/** `standardize: false`: identity scaling everywhere (the statistics are kept for imputation). */
function unstandardize(target: TargetEncoder, encoders: ColumnEncoder[]): void {
  if (target.task === 'regression') {
    target.mean = target.mean.map(() => 0);
    target.scale = target.scale.map(() => 1);
  }
  for (const e of encoders) {
    if (e.kind === 'numeric') {
      e.mean = 0;
      e.scale = 1;
    } else if (e.kind === 'date') {
      e.mean = e.mean.map(() => 0);
      e.scale = e.scale.map(() => 1);
    }
  }
}

function round(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/** Each training row's weight (sample weight x class weight), or undefined when all weigh the same. */
function rowWeights(
  o: ResolvedTableOptions,
  kept: readonly number[],
  labels: Int32Array | undefined,
  target: TargetEncoder,
): Float64Array | undefined {
  if (o.classWeight === undefined && o.sampleWeight === undefined) return undefined;
  const weights = new Float64Array(kept.length).fill(1);
  if (o.sampleWeight) kept.forEach((i, r) => (weights[r] = o.sampleWeight![i]!));
  if (o.classWeight !== undefined) {
    if (target.task !== 'classification' || labels === undefined) {
      throw new OptionError(
        'ERR_TABLE_OPTION',
        'options.classWeight',
        'absent for a regression target (use sampleWeight)',
        describeValue(o.classWeight === 'balanced' ? 'balanced' : 'an object'),
      );
    }
    const perClass = classWeightsOf(o.classWeight, target, labels);
    for (let r = 0; r < kept.length; r++) weights[r]! *= perClass[labels[r]!]!;
  }
  if (!weights.some((w) => w > 0))
    throw new OptionError(
      'ERR_TABLE_OPTION',
      'options.sampleWeight',
      'weights with at least one greater than 0 among the rows with a target',
      'all zero',
    );
  return weights;
}

/** One weight per class: 'balanced' is n / (classes x count), scikit-learn's formula. */
export function classWeightsOf(
  spec: 'balanced' | Map<string, number>,
  target: ClassTarget,
  labels: Int32Array,
): number[] {
  const k = target.classes.length;
  if (spec === 'balanced') {
    const counts = new Array<number>(k).fill(0);
    for (const l of labels) counts[l]!++;
    return counts.map((c) => (c === 0 ? 0 : labels.length / (k * c)));
  }
  const index = new Map(target.classes.map((c, j) => [c, j]));
  const weights = new Array<number>(k).fill(1);
  for (const [label, w] of spec) {
    const j = index.get(label) ?? index.get(String(Number(label)));
    if (j === undefined) {
      throw new OptionError(
        'ERR_TABLE_OPTION',
        `options.classWeight[${JSON.stringify(label)}]`,
        `keyed by a class of the target (${target.classes
          .slice(0, 12)
          .map((c) => quote(c))
          .join(', ')})`,
        quote(label),
      );
    }
    weights[j] = w;
  }
  return weights;
}

/** Class probabilities from the outputs (a single sigmoid unit is P(class 1)). */
function probabilities(outputs: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < outputs.rows; i++) {
    if (outputs.cols === 1) out.push([1 - outputs.data[i]!, outputs.data[i]!]);
    else out.push(Array.from(outputs.data.subarray(i * outputs.cols, (i + 1) * outputs.cols)));
  }
  return out;
}

function unscale(target: { mean: number[]; scale: number[] }, outputs: Matrix): Float64Array {
  const k = outputs.cols;
  return Float64Array.from(outputs.data, (v, i) => v * target.scale[i % k]! + target.mean[i % k]!);
}

function decode(target: TargetEncoder, outputs: Matrix): Prediction[] {
  if (target.task === 'classification') {
    return Array.from(argmaxRows(outputs), (k) => labelOf(target.classes[k]!, target));
  }
  const values = unscale(target, outputs);
  const k = target.columns.length;
  if (k === 1) return Array.from(values);
  return Array.from({ length: outputs.rows }, (_, i) => Array.from(values.subarray(i * k, (i + 1) * k)));
}

/** R², MAE, MSE and RMSE as sklearn.metrics defines them (R² of a constant target: 1 if exact, else 0). */
export function regressionMetrics(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): { r2: number; mae: number; mse: number; rmse: number } {
  const n = actual.length;
  if (n === 0) return { r2: 0, mae: 0, mse: 0, rmse: 0 };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i]!;
  mean /= n;
  let sse = 0;
  let sae = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    const e = actual[i]! - predicted[i]!;
    sse += e * e;
    sae += Math.abs(e);
    sst += (actual[i]! - mean) ** 2;
  }
  return { r2: sst === 0 ? (sse === 0 ? 1 : 0) : 1 - sse / sst, mae: sae / n, mse: sse / n, rmse: Math.sqrt(sse / n) };
}
