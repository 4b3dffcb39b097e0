/**
 * `blasnet tune <data>`: random search over the network's settings (lib/search's tune: hidden sizes,
 * learning rate, batch size, weight decay; flags given on the command line are held fixed), each candidate
 * scored by k-fold cross-validation (stratified for classes) or one held-out part. The data is read as
 * train reads it (the same flags: CSV, JSON or NDJSON, words, missing cells), and each fold is a table
 * model whose preprocessing is fitted on that fold's training rows only. Trials run on this machine's pool, or, with
 * --redis, as queue jobs for `blasnet worker`s. Prints a table of the trials; --out writes the best
 * settings' model, trained on every row by `blasnet train` (so predict and evaluate take it as any other).
 */
import { Writable } from 'node:stream';

import { tune as search, type Trial, type TrialRunner, type TuneResult } from '../../search/tune';
import type { TableSearchData } from '../../search/table-search';
import type { TrialSettings } from '../../search/settings';
import {
  choiceValue,
  integerValue,
  numberValue,
  parseCommand,
  stringValue,
  type CommandSpec,
  type ParsedArgs,
} from '../args';
import { displayName } from '../csv';
import { DataError } from '../errors';
import { HIDDEN_ACTIVATIONS } from '../network-plan';
import { BACKENDS, checkWritable, write, type Io } from './shared';
import {
  DATA_FLAGS,
  DATA_POSITIONAL,
  dataSettings,
  hiddenSizes,
  NETWORK_FLAGS,
  QUEUE_FLAGS,
  readLabelledRows,
  TRAIN,
  train,
} from './train';

export const TUNE: CommandSpec = {
  name: 'tune',
  summary:
    'Search for good network settings on a table (CSV, JSON or NDJSON) by cross-validation; save the best model.',
  positionals: [DATA_POSITIONAL],
  options: {
    // What the data is: read exactly as train reads it (the same flags).
    ...DATA_FLAGS,
    trials: { type: 'string', value: '<n>', description: 'candidates to try', default: '20' },
    strategy: {
      type: 'string',
      value: '<random|halving>',
      description: 'random search, or successive halving (few epochs for all, more for the best third)',
      default: 'random',
    },
    folds: {
      type: 'string',
      value: '<k>',
      description: 'k-fold cross-validation (stratified for classes)',
      default: '3',
    },
    holdout: {
      type: 'string',
      value: '<fraction>',
      description: 'score on one held-out part of this fraction instead of k folds',
    },
    epochs: { ...NETWORK_FLAGS.epochs, description: 'epochs per training (held fixed)', default: '50' },
    hidden: { ...NETWORK_FLAGS.hidden, description: 'hold the hidden sizes fixed, e.g. 32,16', default: 'searched' },
    lr: { ...NETWORK_FLAGS.lr, description: 'hold the learning rate fixed', default: 'searched, 1e-4 to 0.1' },
    'batch-size': {
      ...NETWORK_FLAGS['batch-size'],
      description: 'hold the batch size fixed',
      default: 'searched, 16 to 128',
    },
    'weight-decay': {
      ...NETWORK_FLAGS['weight-decay'],
      description: 'hold the weight decay fixed',
      default: 'searched, 0 or 1e-6 to 0.01',
    },
    activation: NETWORK_FLAGS.activation,
    optimizer: NETWORK_FLAGS.optimizer,
    seed: { ...NETWORK_FLAGS.seed, description: 'seeds the candidates, the folds, the weights and the shuffles' },
    backend: TRAIN.options.backend!,
    'no-standardize': TRAIN.options['no-standardize']!,
    ...QUEUE_FLAGS,
    redis: {
      ...QUEUE_FLAGS.redis,
      description: "run each trial as a job on this Redis server's queue (blasnet worker)",
    },
    out: {
      type: 'string',
      value: '<model.blasnet>',
      description: 'train the best settings on every row and save the model here',
    },
    quiet: { type: 'boolean', short: 'q', description: 'no progress, only the table' },
    json: { type: 'boolean', description: 'print one JSON object { best, trials } instead of the table' },
  },
};

/** The flags held fixed: those given, plus the ones tune never searches. */
function fixedSettings(args: ParsedArgs): Partial<TrialSettings> {
  const fixed: Partial<TrialSettings> = {
    epochs: integerValue(args, 'epochs', 50, 1, 1_000_000),
    activation: choiceValue(args, 'activation', HIDDEN_ACTIVATIONS, 'relu'),
    optimizer: choiceValue(args, 'optimizer', ['adam', 'sgd'] as const, 'adam'),
  };
  const hidden = stringValue(args, 'hidden');
  if (hidden !== undefined) fixed.hidden = hiddenSizes(hidden);
  const positive = {
    min: 0,
    max: Infinity,
    minInclusive: false,
    maxInclusive: false,
    expected: 'a number greater than 0',
  };
  if (args.values.lr !== undefined) fixed.learningRate = numberValue(args, 'lr', undefined, positive)!;
  if (args.values['batch-size'] !== undefined) fixed.batchSize = integerValue(args, 'batch-size', 32, 1);
  if (args.values['weight-decay'] !== undefined) {
    fixed.weightDecay = numberValue(args, 'weight-decay', undefined, {
      ...positive,
      minInclusive: true,
      expected: 'a number of at least 0',
    })!;
  }
  return fixed;
}

const fmt = (v: number, digits = 4) => (Number.isFinite(v) ? Number(v.toPrecision(digits)).toString() : '-');

/** The trials as a plain-text table, best first. */
function trialsTable(result: TuneResult): string {
  const metric = result.metric === 'accuracy' ? 'accuracy' : 'mse';
  const halving = result.trials.some((t) => t.rung !== undefined);
  // Best first; with halving, the last rung first (its trials had the full epochs).
  const rows = [...result.trials].sort((a, b) =>
    a.status !== b.status
      ? a.status === 'ok'
        ? -1
        : 1
      : (b.rung ?? 0) - (a.rung ?? 0) || (result.metric === 'accuracy' ? b.score - a.score : a.score - b.score),
  );
  const header = [
    'trial',
    'hidden',
    'lr',
    'batch',
    'weight decay',
    ...(halving ? ['epochs'] : []),
    metric,
    '± (folds)',
    'seconds',
    'status',
  ];
  const body = rows.map((t) => {
    const spread =
      t.scores.length > 1 ? Math.sqrt(t.scores.reduce((s, v) => s + (v - t.score) ** 2, 0) / t.scores.length) : NaN;
    return [
      `${t.index}${t.index === result.best.index && t.settings.epochs === result.best.settings.epochs ? ' *' : ''}`,
      t.settings.hidden.length === 0 ? 'none' : t.settings.hidden.join(','),
      fmt(t.settings.learningRate, 3),
      String(t.settings.batchSize),
      fmt(t.settings.weightDecay, 3),
      ...(halving ? [String(t.settings.epochs)] : []),
      fmt(t.score),
      fmt(spread, 2),
      t.seconds.toFixed(2),
      t.status === 'ok' ? 'ok' : `failed: ${(t.error ?? '').slice(0, 60)}`,
    ];
  });
  const widths = header.map((h, j) => Math.max(h.length, ...body.map((r) => r[j]!.length)));
  const last = halving ? 8 : 7;
  const line = (cells: string[]) =>
    cells
      .map((c, j) => (j >= 2 && j <= last ? c.padStart(widths[j]!) : c.padEnd(widths[j]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)].join('\n');
}

/** Runs `blasnet tune`; resolves with the exit code. */
export async function tune(args: ParsedArgs, io: Io): Promise<number> {
  const data = dataSettings(args);
  const file = data.file;
  const trials = integerValue(args, 'trials', 20, 1, 100_000);
  const strategy = choiceValue(args, 'strategy', ['random', 'halving'] as const, 'random');
  const holdout =
    args.values.holdout === undefined
      ? undefined
      : numberValue(args, 'holdout', undefined, {
          min: 0,
          max: 1,
          minInclusive: false,
          maxInclusive: false,
          expected: 'a fraction in (0, 1)',
        });
  const folds = integerValue(args, 'folds', 3, 2, 1000);
  const seed = integerValue(args, 'seed', 1, 0, 2 ** 48 - 1);
  const backend = choiceValue(args, 'backend', BACKENDS, 'native');
  const standardize = args.values['no-standardize'] !== true;
  const fixed = fixedSettings(args);
  const out = stringValue(args, 'out');
  const redis = stringValue(args, 'redis');
  const queueName = stringValue(args, 'queue');
  const quiet = args.values.quiet === true;
  const json = args.values.json === true;
  if (out !== undefined) checkWritable(out, '--out');
  const say = (line: string) => (quiet || json ? undefined : io.stderr.write(`${line}\n`));
  const name = displayName(file);

  // The data, read as train reads it; every fold's table model fits its preprocessing on its own training rows.
  const { objects, labelled, targets, kinds, task, skipped } = await readLabelledRows(data);
  const rows = labelled.map((i) => objects[i]!);
  if (rows.length < 4)
    throw new DataError(
      'ERR_CSV_EMPTY',
      `${name} holds ${rows.length} data rows with a target; tuning needs at least 4`,
    );
  const table: TableSearchData = {
    target: targets.length === 1 ? targets[0]! : targets,
    task,
    columns: kinds,
    missing: data.missing,
    backend,
    standardize,
    ...(data.classWeight !== undefined ? { classWeight: data.classWeight } : {}),
  };
  say(`data: ${name}, ${rows.length} rows${skipped > 0 ? ` (${skipped} without a target left out)` : ''}, ${task}`);
  say(
    `search: ${trials} random candidates${strategy === 'halving' ? ' by successive halving (eta 3)' : ''}, ${holdout !== undefined ? `a held-out part of ${holdout}` : `${folds}-fold cross-validation${task === 'classification' ? ' (stratified)' : ''}`}, seed ${seed}${redis ? `, trials on the queue` : ''}; the columns prepared on each training part`,
  );

  let runner: TrialRunner | undefined;
  let close = async (): Promise<void> => undefined;
  if (redis !== undefined) {
    const { TrainingQueue, queueTableTrialRunner } = await import('../../queue/submit');
    const { reachQueue } = await import('../remote-fit');
    const queue = new TrainingQueue({ connection: redis, ...(queueName !== undefined ? { name: queueName } : {}) });
    close = () => queue.close();
    try {
      await reachQueue(queue, redis);
    } catch (error) {
      await close();
      throw error;
    }
    runner = queueTableTrialRunner(queue, rows, table);
  }
  const controller = new AbortController();
  const interrupt = () => controller.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', interrupt);
  let result: TuneResult;
  try {
    let done = 0;
    result = await search(rows, table, {
      trials,
      strategy,
      seed,
      fixed,
      refit: false,
      signal: controller.signal,
      ...(holdout !== undefined ? { holdout } : { folds }),
      ...(runner ? { runner } : {}),
      onTrial: (t: Trial) =>
        say(
          `trial ${++done}${strategy === 'halving' ? '' : `/${trials}`} (#${t.index}${t.rung !== undefined ? `, rung ${t.rung}, ${t.settings.epochs} epochs` : ''}): ${t.status === 'ok' ? `${fmt(t.score)} in ${t.seconds.toFixed(2)} s` : `failed: ${t.error}`}`,
        ),
    });
  } finally {
    process.off('SIGINT', interrupt);
    await close();
  }

  if (out !== undefined) {
    const b = result.best.settings;
    // The data flags as given (train reads the data the same way), then the best settings.
    const dataFlags = Object.keys(DATA_FLAGS).flatMap((flag) =>
      typeof args.values[flag] === 'string' ? [`--${flag}`, args.values[flag] as string] : [],
    );
    const argv = [
      file,
      ...dataFlags,
      '--hidden',
      b.hidden.length === 0 ? 'none' : b.hidden.join(','),
      '--activation',
      b.activation,
      '--optimizer',
      b.optimizer,
      '--lr',
      String(b.learningRate),
      '--batch-size',
      String(b.batchSize),
      '--weight-decay',
      String(b.weightDecay),
      '--epochs',
      String(b.epochs),
      '--seed',
      String(seed),
      '--backend',
      backend,
      ...(standardize ? [] : ['--no-standardize']),
      '--test-split',
      '0',
      '--out',
      out,
      '--quiet',
    ];
    say(
      `best: trial ${result.best.index}; training it on every row: blasnet train ${argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}`,
    );
    const discard = new Writable({ write: (_chunk, _encoding, done) => done() }) as unknown as NodeJS.WriteStream;
    await train(parseCommand(TRAIN, argv), {
      stdout: discard,
      stderr: discard,
      commandLine: `blasnet train ${argv.join(' ')}`,
    });
  }

  if (json) {
    const record = (t: Trial) => ({
      index: t.index,
      ...(t.rung !== undefined ? { rung: t.rung } : {}),
      settings: t.settings,
      score: Number.isFinite(t.score) ? t.score : null,
      scores: t.scores,
      status: t.status,
      seconds: t.seconds,
      ...(t.error ? { error: t.error } : {}),
    });
    await write(
      io.stdout,
      `${JSON.stringify({ metric: result.metric, best: { index: result.best.index, settings: result.best.settings, score: result.best.score }, trials: result.trials.map(record), model: out ?? null })}\n`,
    );
    return 0;
  }
  await write(
    io.stdout,
    `${trialsTable(result)}\n\nbest (*): trial ${result.best.index}, ${result.metric} ${fmt(result.best.score)}${out !== undefined ? `; model saved to ${out}` : ''}\n`,
  );
  return 0;
}
