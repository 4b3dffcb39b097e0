/**
 * `blasnet train <data>`: reads the rows (CSV, .json or .ndjson), resolves the target and the kinds the
 * flags give, holds out a seeded (stratified) part, and hands the rest to the table model, which infers
 * and encodes the columns and trains with fitAsync (in a worker, so the progress bar keeps moving); then
 * it reports on both parts, says what was done to each column, and saves the model with its
 * preprocessing. Nothing is written to --out or --report unless training finished.
 */
import { setNumThreads } from '../../backend';
import { MAX_LAYERS } from '../../backend/layout';
import type { BackendName } from '../../backend/backend';
import type { Dtype, Matrix } from '../../matrix';
import type { JsonValue, ModelMetadata } from '../../model/description';
import type { Network } from '../../network';
import { categoryOf, DEFAULT_MISSING, isMissing } from '../../table/cells';
import { formatColumns } from '../../table/describe';
import { TableModel, type ColumnSummary, type TableEvaluation } from '../../table/model';
import {
  DEFAULT_TABLE_BATCH_SIZE,
  DEFAULT_TABLE_HIDDEN,
  DEFAULT_TABLE_WEIGHT_DECAY,
  defaultBatchSize,
  type TableFitAsyncOptions,
} from '../../table/options';
import type { TargetEncoder } from '../../table/target';
import type { Loss } from '../../losses';
import { splitRows } from '../../table/split';
import {
  choiceValue,
  delimiterValue,
  integerValue,
  numberValue,
  stringValue,
  type CommandSpec,
  type ParsedArgs,
} from '../args';
import { displayName, recordedName } from '../csv';
import { printable } from '../terminal';
import { DataError, UsageError } from '../errors';
import type { PartResult } from '../evaluation';
import { HEADER_MODES, type HeaderMode } from '../header';
import type { ReportData } from '../html-report';
import type { Task, TrainingRecord } from '../model-info';
import { describeLayers, HIDDEN_ACTIVATIONS, parameterCount, type HiddenActivation } from '../network-plan';
import { createProgress, progressMode } from '../progress';
import { readAllRows } from '../rows';
import type { TableLayout } from '../table';
import type { ColumnKind } from '../../table/infer';
import type { Row } from '../../table/rows';
import { chunkObjects, kindFlags, nameSklearnLabels, partsOf, resolveTargets, withLines } from '../table-data';
import { chooseTask } from '../task';
import { fitOnQueue } from '../remote-fit';
import { resultsText } from '../text-report';
import type { TrainingProgress } from '../../queue/job';
import type { FitAsyncOptions } from '../../train/options';
import {
  BACKEND_FLAGS,
  BACKENDS,
  blasFacts,
  checkWritable,
  CSV_FLAGS,
  describeBlas,
  lossLabel,
  networkFacts,
  refuseSameFile,
  runFacts,
  settingsFlags,
  unseenLine,
  write,
  writeReport,
  type Io,
} from './shared';

const OPTIMIZERS = ['adam', 'sgd'] as const;
/** The optimizers' usual first rates: Adam's paper and Keras; SGD as blasnet's fit. */
const DEFAULT_RATE: Record<(typeof OPTIMIZERS)[number], number> = { adam: 0.001, sgd: 0.01 };

/** The flags that say what the data is (train and tune read data the same way, so they share them). */
export const DATA_FLAGS = {
  target: {
    type: 'string',
    value: '<column>',
    description: 'the label column: last, first, a number from 1, or a header name; a,b for several (regression)',
    default: 'last',
  },
  categorical: {
    type: 'string',
    value: '<columns>',
    description: 'treat these columns (comma separated) as categories, e.g. a zip code',
  },
  numeric: {
    type: 'string',
    value: '<columns>',
    description: 'treat these columns as numbers (also forces in an ID-like column)',
  },
  ignore: { type: 'string', value: '<columns>', description: 'leave these columns out' },
  missing: {
    type: 'string',
    value: '<spellings>',
    description: 'what a missing cell looks like, comma separated (empty, null, NaN and an absent key always are)',
    default: ',NA,N/A,NaN,?,null,none',
  },
  'class-weight': {
    type: 'string',
    value: '<balanced>',
    description: 'weigh each class by n / (classes x its rows), for imbalanced classes',
  },
  ...CSV_FLAGS,
  task: {
    type: 'string',
    value: '<auto|classification|regression>',
    description: 'what to learn; auto: words or few whole numbers are classes',
    default: 'auto',
  },
} as const satisfies CommandSpec['options'];

/** The network's and training's flags (tune holds the ones given fixed and searches the rest). */
export const NETWORK_FLAGS = {
  hidden: {
    type: 'string',
    value: '<sizes>',
    description: 'hidden layer sizes, e.g. 32,16 (none: no hidden layer)',
    default: '100',
  },
  activation: {
    type: 'string',
    value: '<relu|tanh|sigmoid>',
    description: "the hidden layers' activation",
    default: 'relu',
  },
  epochs: { type: 'string', value: '<n>', description: 'passes over the training rows', default: '200' },
  'batch-size': {
    type: 'string',
    value: '<n>',
    description: 'rows per update',
    default: '200, or a fifth of the training rows when fewer',
  },
  lr: { type: 'string', value: '<rate>', description: 'learning rate', default: '0.001 for adam, 0.01 for sgd' },
  optimizer: { type: 'string', value: '<adam|sgd>', description: 'the optimizer', default: 'adam' },
  'weight-decay': {
    type: 'string',
    value: '<l2>',
    description: "L2 penalty added to the gradients (the optimizer's weightDecay)",
    default: '0.001',
  },
  seed: {
    type: 'string',
    value: '<n>',
    description: 'seeds the split, the initial weights and the shuffles',
    default: '1',
  },
} as const satisfies CommandSpec['options'];

/** The queue's flags (train and tune). */
export const QUEUE_FLAGS = {
  redis: {
    type: 'string',
    value: '<url>',
    description: 'train on a queue worker (blasnet worker) through this Redis server; the same model as a local run',
  },
  queue: { type: 'string', value: '<name>', description: 'the queue, with --redis', default: 'blasnet-training' },
} as const satisfies CommandSpec['options'];

/** The data file train and tune read. */
export const DATA_POSITIONAL = {
  name: 'data.csv',
  description:
    'the training data: a CSV file (or .csv.gz), a .json array of objects, or .ndjson/.jsonl; one row per sample',
};

/** train's arguments and flags (the help prints this table). */
export const TRAIN: CommandSpec = {
  name: 'train',
  summary: 'Train a network on a table (CSV, JSON or NDJSON), report how well it does, and save it.',
  positionals: [DATA_POSITIONAL],
  options: {
    ...DATA_FLAGS,
    ...NETWORK_FLAGS,
    threads: { ...BACKEND_FLAGS.threads, default: 'OPENBLAS_NUM_THREADS, else every core' },
    backend: BACKEND_FLAGS.backend,
    'test-split': {
      type: 'string',
      value: '<fraction>',
      description: 'fraction of rows held out for testing, 0 for none (stratified for classes)',
      default: '0.2',
    },
    'no-standardize': { type: 'boolean', description: 'feed the features as they are, not centred and scaled' },
    out: { type: 'string', value: '<model.blasnet>', description: 'save the model (with its preprocessing) here' },
    report: { type: 'string', value: '<report.html>', description: 'write an HTML report here' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress, only the results' },
    json: { type: 'boolean', description: 'print one JSON object with the results instead of text' },
    ...QUEUE_FLAGS,
  },
};

/** What DATA_FLAGS say, checked. */
export interface DataSettings {
  file: string;
  target: string;
  header: HeaderMode;
  delimiter: string;
  kinds: Partial<Record<'categorical' | 'numeric' | 'ignore', string>>;
  missing: string[];
  classWeight: 'balanced' | undefined;
  task: Task | undefined;
}

/** DATA_FLAGS from the parsed command line. @throws {@link UsageError} for a bad flag value */
export function dataSettings(args: ParsedArgs): DataSettings {
  const task = choiceValue(args, 'task', ['auto', 'classification', 'regression'] as const, 'auto');
  return {
    file: args.positionals[0]!,
    target: stringValue(args, 'target') ?? 'last',
    header: choiceValue(args, 'header', HEADER_MODES, 'auto'),
    delimiter: delimiterValue(args),
    kinds: Object.fromEntries(
      (['categorical', 'numeric', 'ignore'] as const).flatMap((k) =>
        stringValue(args, k) === undefined ? [] : [[k, stringValue(args, k)!]],
      ),
    ),
    missing:
      stringValue(args, 'missing') === undefined
        ? [...DEFAULT_MISSING]
        : stringValue(args, 'missing')!
            .split(',')
            .map((m) => m.trim()),
    classWeight:
      args.values['class-weight'] === undefined
        ? undefined
        : choiceValue(args, 'class-weight', ['balanced'] as const, 'balanced'),
    task: task === 'auto' ? undefined : task,
  };
}

/** The rows of a data file with a target, the target columns, the kinds the flags give and the task. */
export interface LabelledRows {
  read: Awaited<ReturnType<typeof readAllRows>>;
  layout: TableLayout;
  targets: string[];
  kinds: Record<string, ColumnKind>;
  /** Every row, as an object. */
  objects: Row[];
  /** The indices of the rows whose targets are all present. */
  labelled: number[];
  skipped: number;
  task: Task;
  /** Why that task, in words. */
  reason: string;
}

/**
 * Reads the data as train and tune read it: raw rows, the target, the kinds the flags give, the rows
 * with a target and the task.
 * @throws {@link DataError} for unreadable data or fewer than 2 rows with a target; {@link UsageError} for flags the data contradicts
 */
export async function readLabelledRows(s: DataSettings): Promise<LabelledRows> {
  const name = displayName(s.file);
  const read = await readAllRows(s.file, { header: s.header, delimiter: s.delimiter });
  const { layout } = read;
  const targets = resolveTargets(s.target, layout);
  const kinds = kindFlags(s.kinds, layout, targets);
  const chunk = nameSklearnLabels(read, layout, targets[0]!);
  const objects = chunkObjects(chunk);
  const missing = new Set(s.missing);
  const labelled = objects.flatMap((row, i) => (targets.every((t) => !isMissing(row[t], missing)) ? [i] : []));
  const skipped = objects.length - labelled.length;
  if (labelled.length < 2)
    throw new DataError(
      'ERR_CSV_EMPTY',
      `${name} holds ${labelled.length} data row${labelled.length === 1 ? '' : 's'} with a target; training needs at least 2`,
    );
  // The task, decided (and worded) as before the table model: words or few whole numbers are classes.
  let task: Task;
  let reason: string;
  if (targets.length > 1) {
    if (s.task === 'classification')
      throw new UsageError(
        'ERR_CLI_TASK',
        `--task classification takes one target, but --target names ${targets.length}`,
      );
    task = 'regression';
    reason = `${targets.length} targets: regression, one output each`;
  } else {
    const cells = labelled.map((i) => categoryOf(objects[i]![targets[0]!]));
    const choice = chooseTask(
      cells,
      labelled.map((i) => read.lines[i]!),
      layout.header.kind === 'sklearn' ? { kind: 'none' } : layout.header,
      s.task,
      name,
    );
    task = choice.task;
    reason =
      layout.header.kind === 'sklearn' && task === 'classification'
        ? `the header line names ${layout.header.classes.length} classes (scikit-learn's form)`
        : choice.reason;
  }
  return { read, layout, targets, kinds, objects, labelled, skipped, task, reason };
}

/** The flags, checked and with their defaults. */
export interface TrainSettings extends DataSettings {
  hidden: number[];
  activation: HiddenActivation;
  epochs: number;
  /** `auto`: {@link defaultBatchSize} of the training rows (resolved, and recorded, once they are known). */
  batchSize: number | 'auto';
  optimizer: (typeof OPTIMIZERS)[number];
  learningRate: number;
  weightDecay: number;
  seed: number;
  threads: number | undefined;
  backend: BackendName;
  testSplit: number;
  standardize: boolean;
  out: string | undefined;
  report: string | undefined;
  quiet: boolean;
  json: boolean;
  /** Train on a queue worker through this Redis server (`--redis`), on this queue. */
  redis: string | undefined;
  queue: string | undefined;
}

/** `32,16` -> [32, 16]; `none` -> []. */
export function hiddenSizes(raw: string): number[] {
  if (raw === 'none' || raw === '0' || raw === '') return [];
  const sizes = raw.split(',').map((part) => part.trim());
  if (!sizes.every((s) => /^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 1_000_000)) {
    throw new UsageError(
      'ERR_CLI_INVALID_OPTION',
      `--hidden expects layer sizes such as 32 or 64,32 (or none) but was given ${JSON.stringify(printable(raw.slice(0, 80)))}`,
    );
  }
  // With the output layer, at most the kernels' MAX_LAYERS layers.
  if (sizes.length > MAX_LAYERS - 1) {
    throw new UsageError(
      'ERR_CLI_INVALID_OPTION',
      `--hidden gives ${sizes.length} hidden layers; at most ${MAX_LAYERS - 1} (with the output layer, ${MAX_LAYERS} layers)`,
    );
  }
  return sizes.map(Number);
}

/** The settings from the parsed command line. @throws {@link UsageError} for a bad flag value */
export function trainSettings(args: ParsedArgs): TrainSettings {
  const optimizer = choiceValue(args, 'optimizer', OPTIMIZERS, 'adam');
  const out = stringValue(args, 'out');
  const report = stringValue(args, 'report');
  return {
    ...dataSettings(args),
    hidden: hiddenSizes(stringValue(args, 'hidden') ?? DEFAULT_TABLE_HIDDEN.join(',')),
    activation: choiceValue(args, 'activation', HIDDEN_ACTIVATIONS, 'relu'),
    epochs: integerValue(args, 'epochs', 200, 1, 1_000_000),
    batchSize:
      args.values['batch-size'] === undefined ? 'auto' : integerValue(args, 'batch-size', DEFAULT_TABLE_BATCH_SIZE, 1),
    optimizer,
    learningRate: numberValue(args, 'lr', DEFAULT_RATE[optimizer], {
      min: 0,
      max: Infinity,
      minInclusive: false,
      maxInclusive: false,
      expected: 'a number greater than 0',
    })!,
    weightDecay: numberValue(args, 'weight-decay', DEFAULT_TABLE_WEIGHT_DECAY, {
      min: 0,
      max: Infinity,
      minInclusive: true,
      maxInclusive: false,
      expected: 'a number of at least 0',
    })!,
    seed: integerValue(args, 'seed', 1, 0, 2 ** 48 - 1),
    threads: args.values.threads === undefined ? undefined : integerValue(args, 'threads', 1, 1, 1024),
    backend: choiceValue(args, 'backend', BACKENDS, 'native'),
    testSplit: numberValue(args, 'test-split', 0.2, {
      min: 0,
      max: 1,
      minInclusive: true,
      maxInclusive: false,
      expected: 'a fraction from 0 up to (not including) 1',
    })!,
    standardize: args.values['no-standardize'] !== true,
    out,
    report,
    quiet: args.values.quiet === true,
    json: args.values.json === true,
    redis: stringValue(args, 'redis'),
    queue: stringValue(args, 'queue'),
  };
}

/** The flags as they were resolved, defaults included, keyed by flag name: the model's record of its training. */
function settingsRecord(s: TrainSettings): Record<string, JsonValue> {
  return {
    target: s.target,
    header: s.header,
    delimiter: s.delimiter,
    ...(s.kinds.categorical !== undefined ? { categorical: s.kinds.categorical } : {}),
    ...(s.kinds.numeric !== undefined ? { numeric: s.kinds.numeric } : {}),
    ...(s.kinds.ignore !== undefined ? { ignore: s.kinds.ignore } : {}),
    missing: s.missing.join(','),
    'class-weight': s.classWeight ?? 'none',
    task: s.task ?? 'auto',
    hidden: s.hidden.length === 0 ? 'none' : s.hidden.join(','),
    activation: s.activation,
    epochs: s.epochs,
    'batch-size': s.batchSize,
    optimizer: s.optimizer,
    lr: s.learningRate,
    'weight-decay': s.weightDecay,
    seed: s.seed,
    threads: s.threads ?? 'default',
    backend: s.backend,
    'test-split': s.testSplit,
    standardize: s.standardize,
  };
}

/** Runs `blasnet train`; resolves with the exit code. */
export async function train(args: ParsedArgs, io: Io): Promise<number> {
  const s = trainSettings(args);
  // Fail on an unwritable destination now, not after the training it would throw away.
  if (s.out !== undefined) checkWritable(s.out, '--out');
  if (s.report !== undefined) checkWritable(s.report, '--report');
  // Writing a result over the data (or over each other) would destroy what was trained on.
  refuseSameFile([
    ['the training file', s.file],
    ['--out', s.out],
    ['--report', s.report],
  ]);
  if (s.threads !== undefined && s.backend === 'native') setNumThreads(s.threads);
  // Lines name columns, classes and files from the data: shown with control characters escaped.
  const say = (line: string) => (s.quiet || s.json ? undefined : io.stdout.write(`${printable(line)}\n`));
  const name = displayName(s.file);

  // --- the data: raw rows, the target, the kinds the flags give ----------------------------------------
  const { read, layout, targets, kinds, objects, labelled, skipped, task, reason } = await readLabelledRows(s);
  const split =
    s.testSplit > 0
      ? splitRows(
          labelled.map((i) => objects[i]!),
          {
            testFraction: s.testSplit,
            seed: s.seed,
            missing: s.missing,
            ...(task === 'classification' ? { target: targets[0]! } : {}),
          },
        )
      : { train: labelled.map((i) => objects[i]!), test: [] };
  // The batch size the table model would choose, made explicit: shown, and recorded in the model.
  if (s.batchSize === 'auto') s.batchSize = defaultBatchSize(split.train.length);
  const options: TableFitAsyncOptions = {
    target: targets.length === 1 ? targets[0]! : targets,
    task,
    columns: kinds,
    missing: s.missing,
    hidden: s.hidden,
    activation: s.activation,
    epochs: s.epochs,
    batchSize: s.batchSize as number,
    learningRate: s.learningRate,
    optimizer: s.optimizer,
    weightDecay: s.weightDecay,
    seed: s.seed,
    backend: s.backend,
    standardize: s.standardize,
    ...(s.classWeight !== undefined ? { classWeight: s.classWeight } : {}),
    ...(split.test.length > 0 ? { validationRows: split.test } : {}),
  };
  const featureCount = layout.names.length - targets.length;
  say(
    `data: ${name}, ${objects.length} rows, ${featureCount} features, target ${targets.map((t) => describeTarget(layout, t)).join(', ')}${skipped > 0 ? `; ${skipped} rows without a target left out` : ''}`,
  );

  // --- training ----------------------------------------------------------------------------------------
  // A regression trains on the standardised target; its results table is in the target's units: say which.
  const lossScale = task === 'regression' && s.standardize ? 'standardised target' : undefined;
  const progress = createProgress(progressMode(io.stderr, s.quiet), io.stderr, s.epochs, lossScale);
  const curve = { loss: [] as number[], valLoss: [] as number[] };
  const controller = new AbortController();
  const interrupt = () => controller.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', interrupt);
  const model = new TableModel();
  const blas = blasFacts(s.backend);
  const optimizerText = `${s.optimizer} (learning rate ${s.learningRate}${s.weightDecay > 0 ? `, weight decay ${s.weightDecay}` : ''})`;
  // What was done to each column and the network, said once they are known and before training starts.
  const preamble = (columns: ColumnSummary[], target: TargetEncoder, net: Network<Dtype>, loss: Loss): void => {
    const classes = target.task === 'classification' ? target.classes : null;
    say(`task: ${task}${classes ? ` into ${classes.length} classes (${preview(classes)})` : ''}: ${reason}`);
    say('columns:');
    for (const line of formatColumns(columns)) say(line);
    say(
      `split: ${split.train.length} rows for training, ${split.test.length} held out` +
        (split.test.length > 0 ? ` (${task === 'classification' ? 'stratified, ' : ''}seed ${s.seed})` : '') +
        (s.standardize ? `; inputs standardised with the training part's statistics` : ''),
    );
    say(
      `network: ${describeLayers(
        net.dims,
        net.layers.map((l) => l.activation.name),
      )}, ${parameterCount(net.dims)} parameters, ${lossLabel(loss.name)}, ` +
        `${optimizerText}, batch ${s.batchSize}, ${s.epochs} epochs, seed ${s.seed}${s.classWeight !== undefined ? ', class weights balanced' : ''}`,
    );
    say(`backend: ${s.backend}, ${describeBlas(blas)}`);
  };
  // --redis: the same fitAsync on a queue worker (remote-fit.ts), its progress driving the same bar and
  // its epochs the same curve; the trained network comes back as bytes, the same as a local run's.
  const onQueue = async (
    net: Network,
    x: Matrix,
    y: Matrix,
    fitOptions: FitAsyncOptions & { validationData?: readonly [Matrix, Matrix] },
  ): Promise<Network> => {
    const onProgress = (p: TrainingProgress) =>
      p.type === 'epoch'
        ? progress.epoch(p.epoch, p.loss, p.valLoss, task === 'classification' ? p.valAccuracy : undefined)
        : progress.batch(p.epoch, p.progress);
    const remote = await fitOnQueue(net, x, y, fitOptions, {
      url: s.redis!,
      queue: s.queue,
      signal: controller.signal,
      onProgress,
    });
    curve.loss.push(...remote.epochs.map((e) => e.loss));
    curve.valLoss.push(...remote.epochs.flatMap((e) => (e.valLoss === undefined ? [] : [e.valLoss])));
    return remote.net;
  };
  let started = process.hrtime.bigint();
  try {
    await model.fitAsync(split.train, {
      ...options,
      ...(s.redis !== undefined ? { fitNetwork: onQueue } : {}),
      signal: controller.signal,
      onPrepared: ({ columns, target, network, loss }) => {
        preamble(columns, target, network, loss);
        started = process.hrtime.bigint();
      },
      onEpochEnd: (epoch, logs) => {
        curve.loss.push(logs.loss);
        if (logs.valLoss !== undefined) curve.valLoss.push(logs.valLoss);
        progress.epoch(epoch, logs.loss, logs.valLoss, task === 'classification' ? logs.valAccuracy : undefined);
      },
      onBatchEnd: (_batch, logs) => progress.batch(logs.epoch, logs.progress),
    });
  } catch (error) {
    throw withLines(error, s.file, read.lines, layout);
  } finally {
    progress.stop();
    process.off('SIGINT', interrupt);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const samplesPerSecond = (split.train.length * s.epochs) / seconds;
  const net = model.network;
  const spec = model.spec;
  const classes = spec.target.task === 'classification' ? spec.target.classes : null;

  // --- results ------------------------------------------------------------------------------------------
  const parts: PartResult[] = [];
  const evaluations: Record<string, TableEvaluation> = {};
  for (const [partName, rows] of [
    ['held-out', split.test],
    ['training', split.train],
  ] as const) {
    if (rows.length === 0) continue;
    const evaluation = model.evaluate(rows);
    evaluations[partName] = evaluation;
    parts.push(...partsOf(partName, evaluation));
  }
  const training: TrainingRecord = {
    file: recordedName(s.file),
    rows: objects.length,
    trainRows: split.train.length,
    testRows: split.test.length,
    epochs: s.epochs,
    // No fit time here: it differs between two runs, and the same seed must give the same model file.
    settings: settingsRecord(s),
    loss: curve.loss.map(round),
    valLoss: split.test.length > 0 ? curve.valLoss.map(round) : null,
  };
  net.metadata = { ...net.metadata, cli: 2, file: recordedName(s.file), training } as unknown as ModelMetadata;
  if (s.out !== undefined) await model.save(s.out);
  const columns = model.describeColumns();
  const reportData: ReportData = {
    title: `blasnet train ${name}`,
    task,
    taskReason: reason,
    classes,
    data: {
      file: name,
      rows: objects.length,
      target: targets.map((t) => describeTarget(layout, t)).join(', '),
      features: model.inputNames(),
      trainRows: split.train.length,
      testRows: split.test.length,
      standardized: s.standardize,
    },
    columns,
    network: networkFacts(net, optimizerText, s.out ?? null),
    settings: [...settingsFlags(settingsRecord(s)), ['--out', s.out ?? '(not saved)']],
    settingsNote: 'Every flag of this run, defaults included.',
    history: {
      loss: curve.loss,
      valLoss: split.test.length > 0 ? curve.valLoss : null,
      lossName: task === 'regression' && s.standardize ? 'MSE (standardised target)' : lossLabel(net.loss?.name),
    },
    parts,
    timing: { seconds, samplesPerSecond },
    ...runFacts(io, s.backend, blas),
  };
  if (s.report !== undefined) await writeReport(s.report, reportData);

  if (s.json) {
    await write(
      io.stdout,
      `${JSON.stringify(jsonResult(s, task, classes, targets, featureCount, training, parts, evaluations, columns, skipped, net, seconds, samplesPerSecond, curve, optimizerText))}\n`,
    );
    return 0;
  }
  if (!s.quiet)
    io.stdout.write(`fit: ${s.epochs} epochs in ${seconds.toFixed(3)} s (${Math.round(samplesPerSecond)} samples/s)\n`);
  await write(io.stdout, printable(resultsText(parts, classes)));
  for (const [partName, evaluation] of Object.entries(evaluations)) {
    if (evaluation.task === 'classification')
      io.stdout.write(
        printable(
          `${partName} balanced accuracy: ${evaluation.balancedAccuracy.toFixed(4)}, macro F1: ${evaluation.macroF1.toFixed(4)}\n`,
        ),
      );
  }
  const unseen = evaluations['held-out']?.unseen ?? {};
  if (Object.keys(unseen).length > 0) {
    io.stdout.write(printable(`held-out ${unseenLine(unseen)}`));
  }
  if (s.out !== undefined) say(`model saved to ${s.out}`);
  if (s.report !== undefined) say(`report written to ${s.report}`);
  return 0;
}

/** `column 5 ("species")`, or `column 5` without names, or `"species"` for JSON rows. */
function describeTarget(layout: TableLayout, column: string): string {
  const j = layout.names.indexOf(column);
  return layout.header.kind === 'names' ? `column ${j + 1} (${JSON.stringify(column)})` : `column ${j + 1}`;
}

/** Keeps the model file small: a loss curve needs no more than 6 significant digits. */
function round(value: number): number {
  return Number.isFinite(value) ? Number(value.toPrecision(6)) : 0;
}

function preview(names: readonly string[]): string {
  return names.length > 10 ? `${names.slice(0, 10).join(', ')}, ...` : names.join(', ');
}

/** `--json`'s object. */
function jsonResult(
  s: TrainSettings,
  task: Task,
  classes: readonly string[] | null,
  targets: readonly string[],
  features: number,
  training: TrainingRecord,
  parts: PartResult[],
  evaluations: Record<string, TableEvaluation>,
  columns: ColumnSummary[],
  skipped: number,
  net: Network<Dtype>,
  seconds: number,
  samplesPerSecond: number,
  curve: { loss: number[]; valLoss: number[] },
  optimizer: string,
): Record<string, unknown> {
  const heldOut = parts.find((p) => p.name === 'held-out');
  const trainPart = parts.find((p) => p.name === 'training' || p.name.startsWith('training '))!;
  const metrics: Record<string, unknown> = {};
  if (trainPart.kind === 'classification') {
    const test = evaluations['held-out'];
    const fit = evaluations.training!;
    metrics.trainAccuracy = trainPart.accuracy;
    metrics.testAccuracy = heldOut?.kind === 'classification' ? heldOut.accuracy : null;
    metrics.trainBalancedAccuracy = fit.task === 'classification' ? fit.balancedAccuracy : null;
    metrics.testBalancedAccuracy = test?.task === 'classification' ? test.balancedAccuracy : null;
    metrics.trainMacroF1 = fit.task === 'classification' ? fit.macroF1 : null;
    metrics.testMacroF1 = test?.task === 'classification' ? test.macroF1 : null;
  } else {
    metrics.trainMse = trainPart.mse;
    metrics.trainMae = trainPart.mae;
    metrics.trainR2 = trainPart.r2;
    metrics.testMse = heldOut?.kind === 'regression' ? heldOut.mse : null;
    metrics.testMae = heldOut?.kind === 'regression' ? heldOut.mae : null;
    metrics.testR2 = heldOut?.kind === 'regression' ? heldOut.r2 : null;
    const per = (e: TableEvaluation | undefined) => (e?.task === 'regression' ? e.targets : null);
    metrics.targets = { training: per(evaluations.training), heldOut: per(evaluations['held-out']) };
  }
  return {
    command: 'train',
    file: s.file,
    task,
    target: targets.length === 1 ? targets[0]! : targets,
    classes,
    features,
    inputs: net.inputs,
    columns,
    rows: training.rows,
    skippedRows: skipped,
    trainRows: training.trainRows,
    testRows: training.testRows,
    unseen: evaluations['held-out']?.unseen ?? {},
    epochs: s.epochs,
    seconds,
    samplesPerSecond,
    loss: curve.loss.at(-1) ?? null,
    valLoss: curve.valLoss.at(-1) ?? null,
    ...metrics,
    network: {
      dims: net.dims,
      activations: net.layers.map((l) => l.activation.name),
      parameters: parameterCount(net.dims),
      optimizer,
    },
    seed: s.seed,
    backend: s.backend,
    model: s.out ?? null,
    report: s.report ?? null,
  };
}
