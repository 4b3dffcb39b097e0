/**
 * tune: random search over a network's settings (sample.ts), every candidate scored by cross-validation
 * (cross-validate.ts), every trial recorded, the best refitted on all the rows, as scikit-learn's
 * RandomizedSearchCV(refit=True). Trials run on fitAsync's pool here, or anywhere a {@link TrialRunner}
 * sends them (blasnet/queue's `queueTrialRunner`: one queue job per trial).
 */
import { performance } from 'node:perf_hooks';

import { Standardizer } from '../data';
import { ValueError } from '../errors';
import { toMatrix, type MatrixLike } from '../matrix';
import type { Network } from '../network';
import { poolInfo } from '../train/pool';
import { better, crossValidate, type CrossValidateOptions, type CrossValidation } from './cross-validate';
import { sampleCandidates, DEFAULT_SPACE, type SearchSpace } from './sample';
import { buildTrial, inferTask, resolveSettings, type Task, type TrialSettings } from './settings';
import { TableModel } from '../table/model';
import type { TableRows } from '../table/rows';
import {
  crossValidateTable,
  isTableData,
  tableObjects,
  tableTask,
  trialTableOptions,
  type TableSearchData,
} from './table-search';

/** How a trial is cross-validated: crossValidate's options, with every choice made. */
export type TrialValidation = Required<Pick<CrossValidateOptions, 'seed' | 'standardize' | 'task'>> &
  Pick<CrossValidateOptions, 'folds' | 'holdout' | 'signal'>;

/** Runs one trial: cross-validates `settings` on the search's data. */
export interface TrialRunner {
  run(settings: TrialSettings, cv: TrialValidation): Promise<CrossValidation>;
  /** Trials in flight at once. */
  concurrency: number;
}

/** Options of {@link tune}. */
export interface TuneOptions extends Omit<CrossValidateOptions, 'task'> {
  /** Candidates to try. Default 20. */
  trials?: number;
  /** Settings held fixed (not searched): any of hidden, learningRate, batchSize, weightDecay, and epochs, activation, optimizer. */
  fixed?: Partial<TrialSettings>;
  /** Where the searched settings are drawn from. */
  space?: Partial<SearchSpace>;
  task?: Task;
  /** Retrain the best settings on every row and return that network. Default true. */
  refit?: boolean;
  /** Where trials run. Default: this process, on the pool. */
  runner?: TrialRunner;
  /** Called after each trial, in the order they finish. */
  onTrial?: (trial: Trial) => void;
  /**
   * `'random'` (default): every candidate trained with all its epochs, as RandomizedSearchCV. `'halving'`:
   * successive halving (Jamieson & Talwalkar, "Non-stochastic Best Arm Identification and
   * Hyperparameter Optimization", AISTATS 2016; one bracket of Li et al.'s Hyperband, JMLR 2018; as
   * scikit-learn's HalvingRandomSearchCV with epochs as the resource): all candidates with few epochs,
   * the best 1/eta of them again with eta times as many, until the last rung trains with the full epochs.
   */
  strategy?: 'random' | 'halving';
  /** Halving's reduction factor, an integer >= 2. Default 3 (Hyperband's and scikit-learn's). */
  eta?: number;
}

/**
 * Successive halving's rungs for `n` candidates and `epochs` at the last rung: rung i trains
 * ceil(n / eta^i) candidates with max(1, round(epochs / eta^(R-1-i))) epochs, R = floor(log_eta n) + 1
 * rungs, so the last rung holds the one or few best with the full epochs; `keep` is how many go on.
 */
export function halvingRungs(n: number, epochs: number, eta: number): { epochs: number; keep: number }[] {
  if (!(Number.isInteger(eta) && eta >= 2))
    throw new ValueError(
      'ERR_INVALID_ARGUMENT',
      `Expected options.eta to be an integer of at least 2 but received ${String(eta)}`,
    );
  let rungs = 1;
  while (eta ** rungs <= n) rungs++;
  return Array.from({ length: rungs }, (_, i) => ({
    epochs: Math.max(1, Math.round(epochs / eta ** (rungs - 1 - i))),
    keep: i + 1 < rungs ? Math.ceil(n / eta ** (i + 1)) : 0,
  }));
}

/** One trial of a search. */
export interface Trial {
  /** From 1, in the order the candidates were drawn. */
  index: number;
  settings: TrialSettings;
  /** The cross-validated score (NaN when the trial failed). */
  score: number;
  scores: number[];
  status: 'ok' | 'failed';
  /** Why it failed (`Name [code]: message`). */
  error?: string;
  seconds: number;
  /** With `strategy: 'halving'`: the rung, from 0 (fewest epochs); a candidate has one trial per rung it reached. */
  rung?: number;
}

/** What {@link tune} found. */
export interface TuneResult {
  metric: CrossValidation['metric'];
  /**
   * The best trial; with `refit`, its settings trained on every row (`network`), and with `standardize`
   * the statistics its inputs need (`standardizer.transform(x)` before `network.predict`). A search on
   * rows refits a TableModel (`model`, its preprocessing inside; `network` is its network).
   */
  best: {
    settings: TrialSettings;
    score: number;
    index: number;
    network?: Network;
    standardizer?: Standardizer;
    model?: TableModel;
  };
  trials: Trial[];
}

/** Trials cross-validated in this process: each trial's folds train at once, trials side by side to fill the pool. */
export function localTrialRunner(x: MatrixLike, y: MatrixLike): TrialRunner {
  return {
    concurrency: Math.max(1, Math.floor(poolInfo().size / 2)),
    run: (settings, cv) => crossValidate(x, y, settings, cv),
  };
}

/** Trials cross-validated on raw rows in this process, each fold a TableModel fitted on its training rows. */
export function localTableTrialRunner(rows: TableRows, table: TableSearchData): TrialRunner {
  const objects = tableObjects(rows);
  return {
    concurrency: Math.max(1, Math.floor(poolInfo().size / 2)),
    run: (settings, cv) => {
      const { standardize: _standardize, ...rest } = cv;
      return crossValidateTable(objects, table, settings, rest);
    },
  };
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} [${code}]: ${error.message}` : `${error.name}: ${error.message}`;
}

/**
 * Searches the settings of a network for x -> y.
 * @throws {@link ValueError} for bad options or fixed settings, or when every trial failed (`ERR_TUNE_NO_TRIAL`,
 *   with the first trial's error)
 * @example
 * const { best, trials } = await tune(x, oneHot(labels, 3), { trials: 20, folds: 3, seed: 1, fixed: { epochs: 100 } });
 * console.log(best.settings, best.score); // the best candidate and its mean accuracy over 3 folds
 */
export async function tune(rows: TableRows, table: TableSearchData, options?: TuneOptions): Promise<TuneResult>;
export async function tune(x: MatrixLike, y: MatrixLike, options?: TuneOptions): Promise<TuneResult>;
export async function tune(
  x: MatrixLike | TableRows,
  y: MatrixLike | TableSearchData,
  options: TuneOptions = {},
): Promise<TuneResult> {
  const trialsWanted = options.trials ?? 20;
  if (options.strategy !== undefined && options.strategy !== 'random' && options.strategy !== 'halving') {
    throw new ValueError(
      'ERR_INVALID_ARGUMENT',
      `Expected options.strategy to be 'random' or 'halving' but received ${JSON.stringify(options.strategy)}`,
    );
  }
  if (!(Number.isInteger(trialsWanted) && trialsWanted >= 1))
    throw new ValueError(
      'ERR_INVALID_ARGUMENT',
      `Expected options.trials to be a positive integer but received ${String(options.trials)}`,
    );
  // Raw rows: each trial's folds are table models (table-search.ts); the refit is one on every row.
  let table: { rows: ReturnType<typeof tableObjects>; data: TableSearchData } | undefined;
  let xm: ReturnType<typeof toMatrix> | undefined;
  let ym: ReturnType<typeof toMatrix> | undefined;
  let task: Task;
  if (isTableData(y)) {
    const rows = tableObjects(x as TableRows);
    const data = options.task !== undefined && y.task === undefined ? { ...y, task: options.task } : y;
    table = { rows, data };
    task = tableTask(rows, data).task;
  } else {
    xm = toMatrix(x as MatrixLike, 'x');
    ym = toMatrix(y, 'y');
    task = options.task ?? inferTask(ym);
  }
  const seed = options.seed ?? 0;
  const fixed = options.fixed ?? {};
  resolveSettings(fixed, 'options.fixed');
  const candidates = sampleCandidates(trialsWanted, seed, fixed, { ...DEFAULT_SPACE, ...options.space });
  const runner = options.runner ?? (table ? localTableTrialRunner(table.rows, table.data) : localTrialRunner(xm!, ym!));
  const cv: TrialValidation = {
    seed,
    standardize: options.standardize ?? false,
    task,
    ...(options.holdout !== undefined ? { holdout: options.holdout } : { folds: options.folds ?? 3 }),
  };
  const metric: CrossValidation['metric'] = task === 'classification' ? 'accuracy' : 'mse';

  /** Runs these candidates (index from 0, settings) side by side on the runner; trials in the order given. */
  const runAll = async (entries: { index: number; settings: TrialSettings; rung?: number }[]): Promise<Trial[]> => {
    const done: Trial[] = new Array(entries.length);
    let next = 0;
    const work = async (): Promise<void> => {
      while (next < entries.length) {
        const at = next++;
        const { index, settings, rung } = entries[at]!;
        const started = performance.now();
        let trial: Trial;
        try {
          if (options.signal?.aborted) throw options.signal.reason;
          const result = await runner.run(settings, { ...cv, ...(options.signal ? { signal: options.signal } : {}) });
          trial = {
            index: index + 1,
            settings,
            score: result.score,
            scores: result.scores,
            status: 'ok',
            seconds: (performance.now() - started) / 1000,
          };
        } catch (error) {
          if (options.signal?.aborted) throw error;
          trial = {
            index: index + 1,
            settings,
            score: NaN,
            scores: [],
            status: 'failed',
            error: reason(error),
            seconds: (performance.now() - started) / 1000,
          };
        }
        if (rung !== undefined) trial.rung = rung;
        done[at] = trial;
        options.onTrial?.(trial);
      }
    };
    await Promise.all(Array.from({ length: Math.min(runner.concurrency, entries.length) }, work));
    return done;
  };

  let trials: Trial[];
  let finalists: Trial[];
  if ((options.strategy ?? 'random') === 'halving') {
    trials = [];
    let alive = candidates.map((settings, index) => ({ index, settings }));
    const plan = halvingRungs(candidates.length, fixed.epochs ?? candidates[0]!.epochs, options.eta ?? 3);
    let rungTrials: Trial[] = [];
    for (const [rung, { epochs, keep }] of plan.entries()) {
      rungTrials = await runAll(alive.map((c) => ({ ...c, settings: { ...c.settings, epochs }, rung })));
      trials.push(...rungTrials);
      // The best 1/eta go on, with eta times the epochs (failed trials score NaN and sort last).
      const ranked = [...rungTrials].sort((a, b) =>
        better(metric, a.score, b.score) ? -1 : better(metric, b.score, a.score) ? 1 : a.index - b.index,
      );
      alive = ranked.slice(0, keep).map((t) => ({ index: t.index - 1, settings: candidates[t.index - 1]! }));
    }
    finalists = rungTrials;
  } else {
    trials = await runAll(candidates.map((settings, index) => ({ index, settings })));
    finalists = trials;
  }

  let best: Trial | undefined;
  for (const trial of finalists)
    if (trial.status === 'ok' && (best === undefined || better(metric, trial.score, best.score))) best = trial;
  if (best === undefined) {
    throw new ValueError(
      'ERR_TUNE_NO_TRIAL',
      `Every one of the ${trials.length} trials failed; the first: ${trials[0]!.error ?? 'unknown'}`,
    );
  }
  const result: TuneResult = {
    metric,
    best: { settings: best.settings, score: best.score, index: best.index },
    trials,
  };
  if ((options.refit ?? true) && table !== undefined) {
    const model = new TableModel();
    await model.fitAsync(table.rows, {
      ...trialTableOptions(table.data, best.settings, seed),
      ...(table.data.sampleWeight ? { sampleWeight: table.data.sampleWeight } : {}),
      ...(options.signal ? { signal: options.signal as AbortSignal } : {}),
    });
    result.best.model = model;
    result.best.network = model.network as Network;
  } else if (options.refit ?? true) {
    const xm = toMatrix(x as MatrixLike, 'x');
    const ym = toMatrix(y as MatrixLike, 'y');
    const { net, loss, optimizer } = buildTrial(best.settings, xm.cols, ym.cols, task, seed);
    let xAll = xm;
    if (options.standardize) {
      result.best.standardizer = Standardizer.fit(xm);
      xAll = result.best.standardizer.transform(xm);
    }
    await net.fitAsync(xAll, ym, {
      loss,
      optimizer,
      epochs: best.settings.epochs,
      batchSize: best.settings.batchSize,
      logEvery: best.settings.epochs,
      log: null,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    result.best.network = net;
  }
  return result;
}
