/**
 * `blasnet train <data.csv>`: reads the file, decides the task, holds out a seeded (stratified) part,
 * standardises with the training part's statistics, trains with fitAsync (in a worker, so the progress
 * bar keeps moving), then reports on both parts and saves the model with everything predict needs.
 * Nothing is written to --out or --report unless training finished.
 */
import { setNumThreads } from '../../backend';
import type { BackendName } from '../../backend/backend';
import { Standardizer, takeLabels, takeRows, trainTestSplit } from '../../data';
import { Matrix } from '../../matrix';
import type { JsonValue } from '../../model/description';
import { Network } from '../../network';
import { Adam, SGD, type Optimizer } from '../../optimizers';
import { choiceValue, delimiterValue, integerValue, numberValue, stringValue, type CommandSpec, type ParsedArgs } from '../args';
import { resolveTarget, trainingPlan } from '../columns';
import { displayName } from '../csv';
import { DataError, UsageError } from '../errors';
import { evaluateClassification, evaluateRegression, type PartResult } from '../evaluation';
import { HEADER_MODES, type HeaderMode } from '../header';
import type { ReportData } from '../html-report';
import { toMetadata, type ModelInfo, type Task } from '../model-info';
import { classTargets, describeLayers, HIDDEN_ACTIVATIONS, parameterCount, planNetwork, type HiddenActivation } from '../network-plan';
import { prepareInputs } from '../preprocess';
import { createProgress, progressMode } from '../progress';
import { describeColumn, readTable } from '../table';
import { chooseTask, encodeClasses, encodeValues } from '../task';
import { resultsText } from '../text-report';
import { packageVersion } from '../version';
import { BACKENDS, blasFacts, checkWritable, describeBlas, lossLabel, settingsFlags, write, writeReport, type Io } from './shared';

const OPTIMIZERS = ['adam', 'sgd'] as const;
/** The optimizers' usual first rates: Adam's paper and Keras; SGD as blasnet's fit. */
const DEFAULT_RATE: Record<(typeof OPTIMIZERS)[number], number> = { adam: 0.001, sgd: 0.01 };

/** train's arguments and flags (the help prints this table). */
export const TRAIN: CommandSpec = {
  name: 'train',
  summary: 'Train a network on a CSV file, report how well it does, and save it.',
  positionals: [{ name: 'data.csv', description: 'the training data: a CSV file (or .csv.gz), one row per sample' }],
  options: {
    target: { type: 'string', value: '<column>', description: 'the label column: last, first, a number from 1, or a header name', default: 'last' },
    header: { type: 'string', value: '<auto|yes|no>', description: 'whether the first line holds column names', default: 'auto' },
    delimiter: { type: 'string', value: '<char>', description: 'the field separator', default: ',' },
    task: { type: 'string', value: '<auto|classification|regression>', description: 'what to learn; auto: words or few whole numbers are classes', default: 'auto' },
    hidden: { type: 'string', value: '<sizes>', description: 'hidden layer sizes, e.g. 32,16 (none: no hidden layer)', default: '32' },
    activation: { type: 'string', value: '<relu|tanh|sigmoid>', description: 'the hidden layers\' activation', default: 'relu' },
    epochs: { type: 'string', value: '<n>', description: 'passes over the training rows', default: '200' },
    'batch-size': { type: 'string', value: '<n>', description: 'rows per update', default: '32' },
    lr: { type: 'string', value: '<rate>', description: 'learning rate', default: '0.001 for adam, 0.01 for sgd' },
    optimizer: { type: 'string', value: '<adam|sgd>', description: 'the optimizer', default: 'adam' },
    seed: { type: 'string', value: '<n>', description: 'seeds the split, the initial weights and the shuffles', default: '1' },
    threads: { type: 'string', value: '<n>', description: 'OpenBLAS threads', default: 'OPENBLAS_NUM_THREADS, else every core' },
    backend: { type: 'string', value: '<native|js>', description: 'native (OpenBLAS) or js (pure TypeScript)', default: 'native' },
    'test-split': { type: 'string', value: '<fraction>', description: 'fraction of rows held out for testing, 0 for none (stratified for classes)', default: '0.2' },
    'no-standardize': { type: 'boolean', description: 'feed the features as they are, not centred and scaled' },
    out: { type: 'string', value: '<model.blasnet>', description: 'save the model (with its preprocessing) here' },
    report: { type: 'string', value: '<report.html>', description: 'write an HTML report here' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress, only the results' },
    json: { type: 'boolean', description: 'print one JSON object with the results instead of text' },
  },
};

/** The flags, checked and with their defaults. */
export interface TrainSettings {
  file: string;
  target: string;
  header: HeaderMode;
  delimiter: string;
  task: Task | undefined;
  hidden: number[];
  activation: HiddenActivation;
  epochs: number;
  batchSize: number;
  optimizer: (typeof OPTIMIZERS)[number];
  learningRate: number;
  seed: number;
  threads: number | undefined;
  backend: BackendName;
  testSplit: number;
  standardize: boolean;
  out: string | undefined;
  report: string | undefined;
  quiet: boolean;
  json: boolean;
}

/** `32,16` -> [32, 16]; `none` -> []. */
function hiddenSizes(raw: string): number[] {
  if (raw === 'none' || raw === '0' || raw === '') return [];
  const sizes = raw.split(',').map((part) => part.trim());
  if (!sizes.every((s) => /^\d+$/.test(s) && Number(s) >= 1 && Number(s) <= 1_000_000)) {
    throw new UsageError('ERR_CLI_INVALID_OPTION', `--hidden expects layer sizes such as 32 or 64,32 (or none) but was given ${JSON.stringify(raw)}`);
  }
  return sizes.map(Number);
}

/** The settings from the parsed command line. @throws {@link UsageError} for a bad flag value */
export function trainSettings(args: ParsedArgs): TrainSettings {
  const optimizer = choiceValue(args, 'optimizer', OPTIMIZERS, 'adam');
  const task = choiceValue(args, 'task', ['auto', 'classification', 'regression'] as const, 'auto');
  const out = stringValue(args, 'out');
  const report = stringValue(args, 'report');
  return {
    file: args.positionals[0]!,
    target: stringValue(args, 'target') ?? 'last',
    header: choiceValue(args, 'header', HEADER_MODES, 'auto'),
    delimiter: delimiterValue(args),
    task: task === 'auto' ? undefined : task,
    hidden: hiddenSizes(stringValue(args, 'hidden') ?? '32'),
    activation: choiceValue(args, 'activation', HIDDEN_ACTIVATIONS, 'relu'),
    epochs: integerValue(args, 'epochs', 200, 1, 1_000_000),
    batchSize: integerValue(args, 'batch-size', 32, 1),
    optimizer,
    learningRate: numberValue(args, 'lr', DEFAULT_RATE[optimizer], { min: 0, max: Infinity, minInclusive: false, maxInclusive: false, expected: 'a number greater than 0' })!,
    seed: integerValue(args, 'seed', 1, 0, 2 ** 48 - 1),
    threads: args.values.threads === undefined ? undefined : integerValue(args, 'threads', 1, 1, 1024),
    backend: choiceValue(args, 'backend', BACKENDS, 'native'),
    testSplit: numberValue(args, 'test-split', 0.2, { min: 0, max: 1, minInclusive: true, maxInclusive: false, expected: 'a fraction from 0 up to (not including) 1' })!,
    standardize: args.values['no-standardize'] !== true,
    out,
    report,
    quiet: args.values.quiet === true,
    json: args.values.json === true,
  };
}

/** The flags as they were resolved, defaults included, keyed by flag name: the model's record of its training. */
function settingsRecord(s: TrainSettings): Record<string, JsonValue> {
  return {
    target: s.target,
    header: s.header,
    delimiter: s.delimiter,
    task: s.task ?? 'auto',
    hidden: s.hidden.length === 0 ? 'none' : s.hidden.join(','),
    activation: s.activation,
    epochs: s.epochs,
    'batch-size': s.batchSize,
    optimizer: s.optimizer,
    lr: s.learningRate,
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
  if (s.threads !== undefined && s.backend === 'native') setNumThreads(s.threads);
  const say = (line: string) => (s.quiet || s.json ? undefined : io.stdout.write(`${line}\n`));
  const name = displayName(s.file);

  // --- the data -------------------------------------------------------------------------------------
  const table = await readTable(s.file, { header: s.header, delimiter: s.delimiter }, (layout) => trainingPlan(layout, resolveTarget(s.target, layout)));
  const { layout, plan } = table;
  const targetColumn = plan.target!;
  const rows = table.features.rows;
  if (rows < 2) throw new DataError('ERR_CSV_EMPTY', `${name} holds ${rows} data row; training needs at least 2`);
  const choice = chooseTask(table.targets, table.lines, layout.header, s.task, name);
  const classes = choice.classes;
  const labels = choice.task === 'classification' ? encodeClasses(table.targets, table.lines, classes!, choice.labelsAreIndices, name) : undefined;
  const values = choice.task === 'regression' ? encodeValues(table.targets, table.lines, name) : undefined;
  const featureNames = plan.features.map((j) => layout.names[j]!);
  say(`data: ${name}, ${rows} rows, ${featureNames.length} features, target ${describeColumn(layout, targetColumn)}`);
  say(`task: ${choice.task}${classes ? ` into ${classes.length} classes (${preview(classes)})` : ''}: ${choice.reason}`);

  // --- split and standardise ----------------------------------------------------------------------------
  const split =
    s.testSplit > 0
      ? trainTestSplit(rows, { testFraction: s.testSplit, seed: s.seed, ...(labels ? { stratify: labels } : {}) })
      : { train: Uint32Array.from({ length: rows }, (_, i) => i), test: new Uint32Array(0) };
  const xTrainRaw = takeRows(table.features, split.train);
  const xTestRaw = takeRows(table.features, split.test);
  const scaler = s.standardize ? Standardizer.fit(xTrainRaw) : undefined;
  let targetStandardize: ModelInfo['targetStandardize'] = null;
  if (values && s.standardize) {
    const t = Standardizer.fit(new Matrix(split.train.length, 1, takeLabels(values, split.train)));
    targetStandardize = { mean: t.mean[0]!, scale: t.scale[0]! };
  }
  const info: ModelInfo = {
    cli: 1,
    task: choice.task,
    target: { name: layout.header.kind === 'names' ? layout.names[targetColumn]! : null, column: targetColumn },
    features: featureNames,
    featureColumns: plan.features,
    columns: layout.width,
    namedColumns: layout.header.kind === 'names',
    classes,
    labelsAreIndices: choice.labelsAreIndices,
    standardize: scaler ? { mean: [...scaler.mean], scale: [...scaler.scale] } : null,
    targetStandardize,
    training: null,
  };
  say(
    `split: ${split.train.length} rows for training, ${split.test.length} held out` +
      (split.test.length > 0 ? ` (${labels ? 'stratified, ' : ''}seed ${s.seed})` : '') +
      (scaler ? `; features standardised with the training part's statistics` : ''),
  );

  // --- the network ------------------------------------------------------------------------------------
  const networkPlan = planNetwork(featureNames.length, s.hidden, s.activation, choice.task, classes?.length ?? 0);
  const net = new Network(networkPlan.dims, networkPlan.activations, { seed: s.seed, backend: s.backend, initializer: networkPlan.initializer });
  net.metadata = toMetadata(info);
  const optimizer: Optimizer = s.optimizer === 'adam' ? new Adam({ learningRate: s.learningRate }) : new SGD({ learningRate: s.learningRate });
  const targetsOf = (indices: Uint32Array): Matrix => {
    if (labels) return classTargets(Int32Array.from(indices, (i) => labels[i]!), classes!.length);
    const t = targetStandardize ?? { mean: 0, scale: 1 };
    return new Matrix(indices.length, 1, Float64Array.from(indices, (i) => (values![i]! - t.mean) / t.scale));
  };
  const xTrain = prepareInputs(info, xTrainRaw);
  const yTrain = targetsOf(split.train);
  const validation = split.test.length > 0 ? ([prepareInputs(info, xTestRaw), targetsOf(split.test)] as const) : undefined;
  const activationNames = net.layers.map((l) => l.activation.name);
  const blas = blasFacts(s.backend);
  const optimizerText = `${s.optimizer} (learning rate ${s.learningRate})`;
  say(
    `network: ${describeLayers(net.dims, activationNames)}, ${parameterCount(net.dims)} parameters, ${lossLabel(networkPlan.loss.name)}, ` +
      `${optimizerText}, batch ${s.batchSize}, ${s.epochs} epochs, seed ${s.seed}`,
  );
  say(`backend: ${s.backend}, ${describeBlas(blas)}`);

  // --- training ----------------------------------------------------------------------------------------
  // A regression trains on the standardised target; its results table is in the target's units: say which.
  const lossScale = choice.task === 'regression' && targetStandardize ? 'standardised target' : undefined;
  const progress = createProgress(progressMode(io.stderr, s.quiet), io.stderr, s.epochs, lossScale);
  const curve = { loss: [] as number[], valLoss: [] as number[] };
  const controller = new AbortController();
  const interrupt = () => controller.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', interrupt);
  const started = process.hrtime.bigint();
  try {
    await net.fitAsync(xTrain, yTrain, {
      loss: networkPlan.loss,
      epochs: s.epochs,
      batchSize: s.batchSize,
      optimizer,
      log: null,
      // The per-epoch curve comes from onEpochEnd (free); the whole-set loss is measured once, at the end.
      logEvery: s.epochs,
      ...(validation ? { validationData: validation } : {}),
      signal: controller.signal,
      onEpochEnd: (epoch, logs) => {
        curve.loss.push(logs.loss);
        if (logs.valLoss !== undefined) curve.valLoss.push(logs.valLoss);
        progress.epoch(epoch, logs.loss, logs.valLoss, labels ? logs.valAccuracy : undefined);
      },
      onBatchEnd: (_batch, logs) => progress.batch(logs.epoch, logs.progress),
    });
  } finally {
    progress.stop();
    process.off('SIGINT', interrupt);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const samplesPerSecond = (split.train.length * s.epochs) / seconds;

  // --- results ------------------------------------------------------------------------------------------
  const parts: PartResult[] = [];
  const trainTruth = (indices: Uint32Array) => Int32Array.from(indices, (i) => labels![i]!);
  const trainValues = (indices: Uint32Array) => Float64Array.from(indices, (i) => values![i]!);
  for (const [partName, indices, x] of [
    ['held-out', split.test, xTestRaw],
    ['training', split.train, xTrainRaw],
  ] as const) {
    if (indices.length === 0) continue;
    parts.push(labels ? evaluateClassification(partName, net, info, x, trainTruth(indices)) : evaluateRegression(partName, net, info, x, trainValues(indices)));
  }
  info.training = {
    file: s.file,
    rows,
    trainRows: split.train.length,
    testRows: split.test.length,
    epochs: s.epochs,
    seconds,
    settings: settingsRecord(s),
    loss: curve.loss.map(round),
    valLoss: validation ? curve.valLoss.map(round) : null,
  };
  net.metadata = toMetadata(info);
  if (s.out !== undefined) await net.save(s.out);
  const reportData: ReportData = {
    title: `blasnet train ${name}`,
    command: io.commandLine,
    created: new Date(),
    task: choice.task,
    taskReason: choice.reason,
    classes,
    data: { file: name, rows, target: describeColumn(layout, targetColumn), features: featureNames, trainRows: split.train.length, testRows: split.test.length, standardized: s.standardize },
    network: { dims: net.dims, activations: activationNames, loss: lossLabel(networkPlan.loss.name), optimizer: optimizerText, parameters: parameterCount(net.dims), file: s.out ?? null },
    settings: [...settingsFlags(settingsRecord(s)), ['--out', s.out ?? '(not saved)']],
    settingsNote: 'Every flag of this run, defaults included.',
    history: {
      loss: curve.loss,
      valLoss: validation ? curve.valLoss : null,
      lossName: choice.task === 'regression' && targetStandardize ? 'MSE (standardised target)' : lossLabel(networkPlan.loss.name),
    },
    parts,
    timing: { seconds, samplesPerSecond },
    backend: s.backend,
    blas,
    versions: { blasnet: packageVersion(), node: process.versions.node },
  };
  if (s.report !== undefined) await writeReport(s.report, reportData);

  if (s.json) {
    await write(io.stdout, `${JSON.stringify(jsonResult(s, info, parts, net, seconds, samplesPerSecond, curve, optimizerText))}\n`);
    return 0;
  }
  if (!s.quiet) io.stdout.write(`fit: ${s.epochs} epochs in ${seconds.toFixed(3)} s (${Math.round(samplesPerSecond)} samples/s)\n`);
  await write(io.stdout, resultsText(parts, classes));
  if (s.out !== undefined) say(`model saved to ${s.out}`);
  if (s.report !== undefined) say(`report written to ${s.report}`);
  return 0;
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
  info: ModelInfo,
  parts: PartResult[],
  net: Network,
  seconds: number,
  samplesPerSecond: number,
  curve: { loss: number[]; valLoss: number[] },
  optimizer: string,
): Record<string, unknown> {
  const heldOut = parts.find((p) => p.name === 'held-out');
  const training = parts.find((p) => p.name === 'training')!;
  const metrics: Record<string, number | null> = {};
  if (training.kind === 'classification') {
    metrics.trainAccuracy = training.accuracy;
    metrics.testAccuracy = heldOut?.kind === 'classification' ? heldOut.accuracy : null;
  } else {
    metrics.trainMse = training.mse;
    metrics.trainMae = training.mae;
    metrics.trainR2 = training.r2;
    metrics.testMse = heldOut?.kind === 'regression' ? heldOut.mse : null;
    metrics.testMae = heldOut?.kind === 'regression' ? heldOut.mae : null;
    metrics.testR2 = heldOut?.kind === 'regression' ? heldOut.r2 : null;
  }
  return {
    command: 'train',
    file: s.file,
    task: info.task,
    target: info.target.name ?? info.target.column + 1,
    classes: info.classes,
    features: info.features.length,
    rows: info.training!.rows,
    trainRows: info.training!.trainRows,
    testRows: info.training!.testRows,
    epochs: s.epochs,
    seconds,
    samplesPerSecond,
    loss: curve.loss.at(-1) ?? null,
    valLoss: curve.valLoss.at(-1) ?? null,
    ...metrics,
    network: { dims: net.dims, activations: net.layers.map((l) => l.activation.name), parameters: parameterCount(net.dims), optimizer },
    seed: s.seed,
    backend: s.backend,
    model: s.out ?? null,
    report: s.report ?? null,
  };
}
