/**
 * Table-model jobs: a worker trains a TableModel (or cross-validates one, a trial of `tune` on rows) on
 * raw rows that the job names, so the preprocessing (kinds, medians, categories) happens on the worker,
 * fitted on the job's rows. The rows come inline (objects, for small tables), from a file on storage
 * every worker can read, or from an http(s) URL; files and downloads are read as `blasnet train` reads
 * them (CSV plain or .gz, .json, .ndjson/.jsonl; regular files only, gzip expansion bounded) and a
 * download is also bounded in size ({@link MAX_DOWNLOAD_BYTES}).
 *
 * Everything here is JSON: the settings are TableFitOptions without functions, and sample weights are
 * named by a column of the data (`sampleWeightColumn`) rather than sent as an array beside rows that may
 * only exist on the worker's side.
 */
import { createWriteStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { DataError } from '../cli/errors';
import { readAllRows } from '../cli/rows';
import { ValueError } from '../errors';
import { isMissing, DEFAULT_MISSING, numberOf } from '../table/cells';
import { TableModel } from '../table/model';
import type { TableFitOptions } from '../table/options';
import { rowSource, type Row, type TableRows } from '../table/rows';
import type { History } from '../train/history';
import type { CrossValidation } from '../search/cross-validate';
import { crossValidateTable, type TableSearchData } from '../search/table-search';
import type { TrialSettings } from '../search/settings';
import type { TrialValidation } from '../search/tune';
import type { EpochSummary, TrainingProgress, TrainingResult } from './job';
import { progressCallbacks } from './run-job';

/** The most bytes a worker downloads for one job's data (1 GiB): a larger body fails the job, coded. */
export const MAX_DOWNLOAD_BYTES = 2 ** 30;

/** How a file or download is read: its format (default: from the name's ending), header and delimiter. */
export interface TableFileOptions {
  /** Default: `.json` json, `.ndjson`/`.jsonl` ndjson, else CSV (each optionally `.gz`). */
  format?: 'csv' | 'json' | 'ndjson';
  header?: 'auto' | 'yes' | 'no';
  delimiter?: string;
}

/** A table job's rows: inline objects, a file every worker can read, or an http(s) URL. */
export type TableJobData =
  { rows: Record<string, unknown>[] } | ({ path: string } & TableFileOptions) | ({ url: string } & TableFileOptions);

/** The table model's options as a job carries them (TableFitOptions as JSON). */
export type TableJobSettings = Omit<TableFitOptions, 'sampleWeight' | 'validationRows'> & {
  /** A numeric column of the data holding each row's weight (left out of the features). */
  sampleWeightColumn?: string;
};

/** Train a TableModel on the rows: the result's `model` is `TableModel.toBuffer()`'s bytes (load with `TableModel.fromBuffer`). */
export interface TableJob {
  kind: 'table';
  data: TableJobData;
  table: TableJobSettings;
}

/** One trial of `tune` on rows: cross-validate these network settings with these table settings. */
export interface TableCrossValidationJob {
  kind: 'table-cross-validation';
  data: TableJobData;
  table: Omit<TableSearchData, 'sampleWeight'> & { sampleWeight?: number[] };
  settings: TrialSettings;
  validation: Omit<TrialValidation, 'signal'>;
}

function bad(name: string, expected: string, value: unknown): ValueError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : Array.isArray(value) ? 'an array' : String(value);
  return new ValueError(
    'ERR_INVALID_JOB',
    `Expected ${name} to be ${expected} but received ${shown}${value === null ? '' : ` of type ${typeof value}`}`,
  );
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks a table job's data field (the rest is checked by the table model, in the worker, by name). */
export function checkTableData(data: unknown): void {
  if (!isObject(data)) throw bad('job.data', 'an object: { rows }, { path } or { url }', data);
  const given = ['rows', 'path', 'url'].filter((k) => data[k] !== undefined);
  if (given.length !== 1)
    throw bad(
      'job.data',
      'exactly one of rows, path and url',
      given.length === 0 ? 'none of them' : given.join(' and '),
    );
  if (data.rows !== undefined) {
    if (!Array.isArray(data.rows) || data.rows.length === 0)
      throw bad('job.data.rows', 'a non-empty array of row objects', data.rows);
    data.rows.forEach((row: unknown, i) => {
      if (!isObject(row)) throw bad(`job.data.rows[${i}]`, 'an object (column name -> cell)', row);
    });
  } else if (data.path !== undefined) {
    if (typeof data.path !== 'string' || data.path === '') throw bad('job.data.path', 'a file path', data.path);
  } else {
    let url: URL;
    try {
      url = new URL(String(data.url));
    } catch {
      throw new ValueError(
        'ERR_DATA_URL',
        `Expected job.data.url to be an http or https URL but received ${JSON.stringify(String(data.url).slice(0, 200))}, which is not a URL`,
      );
    }
    if (typeof data.url !== 'string' || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ValueError(
        'ERR_DATA_URL',
        `Expected job.data.url to be an http or https URL but received one of protocol ${JSON.stringify(url.protocol)}`,
      );
    }
  }
  if (data.format !== undefined && !['csv', 'json', 'ndjson'].includes(data.format as string))
    throw bad('job.data.format', '"csv", "json" or "ndjson"', data.format);
  if (data.header !== undefined && !['auto', 'yes', 'no'].includes(data.header as string))
    throw bad('job.data.header', '"auto", "yes" or "no"', data.header);
  if (data.delimiter !== undefined && (typeof data.delimiter !== 'string' || data.delimiter.length !== 1))
    throw bad('job.data.delimiter', 'one character', data.delimiter);
}

/** Checks a `table` or `table-cross-validation` job's shape. @throws {@link ValueError} (`ERR_INVALID_JOB`, `ERR_DATA_URL`) */
export function checkTableJob(job: Record<string, unknown>): TableJob | TableCrossValidationJob {
  checkTableData(job.data);
  if (!isObject(job.table)) throw bad('job.table', 'the table settings ({ target, ... })', job.table);
  const target = job.table.target;
  if (!(
    typeof target === 'string' ||
    (Array.isArray(target) && target.length > 0 && target.every((t) => typeof t === 'string'))
  )) {
    throw bad('job.table.target', 'a column name or an array of column names', target);
  }
  if (job.kind === 'table-cross-validation') {
    if (!isObject(job.settings)) throw bad('job.settings', 'the trial settings', job.settings);
    if (!isObject(job.validation)) throw bad('job.validation', 'the cross-validation options', job.validation);
    return job as unknown as TableCrossValidationJob;
  }
  const column = job.table.sampleWeightColumn;
  if (column !== undefined && (typeof column !== 'string' || column === ''))
    throw bad('job.table.sampleWeightColumn', 'a column name', column);
  return job as unknown as TableJob;
}

/** The name's ending that tells readAllRows the format. */
const ENDINGS = { csv: '.csv', json: '.json', ndjson: '.ndjson' } as const;

/** Downloads `url` into a temporary file (named so its format is read right); resolves with its path. */
async function download(
  url: string,
  options: TableFileOptions,
  signal?: AbortSignal,
): Promise<{ file: string; dispose: () => Promise<void> }> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow', ...(signal ? { signal } : {}) });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new DataError(
      'ERR_DATA_URL',
      `Cannot download job.data.url ${JSON.stringify(url)}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`,
      { cause: error },
    );
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel().catch(() => undefined);
    throw new DataError(
      'ERR_DATA_URL_STATUS',
      `job.data.url ${JSON.stringify(url)} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}; expected 200`,
    );
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_DOWNLOAD_BYTES) {
    await response.body.cancel().catch(() => undefined);
    throw new DataError(
      'ERR_DATA_URL_TOO_LARGE',
      `job.data.url ${JSON.stringify(url)} is ${declared} bytes; a job downloads at most ${MAX_DOWNLOAD_BYTES}`,
    );
  }
  const pathname = new URL(url).pathname.toLowerCase();
  const gz = pathname.endsWith('.gz');
  const bare = gz ? pathname.slice(0, -3) : pathname;
  const ending =
    options.format !== undefined
      ? ENDINGS[options.format]
      : (Object.values(ENDINGS).find((e) => bare.endsWith(e)) ?? (bare.endsWith('.jsonl') ? '.jsonl' : '.csv'));
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'blasnet-job-'));
  const file = path.join(dir, `data${ending}${gz ? '.gz' : ''}`);
  const dispose = () => fs.rm(dir, { recursive: true, force: true });
  try {
    const out = createWriteStream(file);
    let bytes = 0;
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.byteLength;
        if (bytes > MAX_DOWNLOAD_BYTES) {
          await reader.cancel().catch(() => undefined);
          throw new DataError(
            'ERR_DATA_URL_TOO_LARGE',
            `job.data.url ${JSON.stringify(url)} sent more than ${MAX_DOWNLOAD_BYTES} bytes; a job downloads at most that`,
          );
        }
        if (!out.write(value)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
    } finally {
      await new Promise<void>((resolve) => out.end(() => resolve()));
    }
    return { file, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/**
 * The job's rows: inline, read from its file, or downloaded and read.
 * @throws DataError (`ERR_DATA_URL`, `ERR_DATA_URL_STATUS`, `ERR_DATA_URL_TOO_LARGE`, the readers' codes)
 */
export async function readTableJobRows(data: TableJobData, signal?: AbortSignal): Promise<TableRows> {
  if ('rows' in data) return data.rows as Row[];
  const read = (file: string) =>
    readAllRows(file, {
      ...(data.header ? { header: data.header } : {}),
      ...(data.delimiter ? { delimiter: data.delimiter } : {}),
    }).then((r) => r.rows);
  if ('path' in data) {
    if (data.format !== undefined && !data.path.toLowerCase().replace(/\.gz$/, '').endsWith(ENDINGS[data.format])) {
      throw new ValueError(
        'ERR_INVALID_JOB',
        `job.data.format ${JSON.stringify(data.format)} does not match the file name ${JSON.stringify(data.path)}; name the file ${ENDINGS[data.format]} or leave out format`,
      );
    }
    return read(data.path);
  }
  const { file, dispose } = await download(data.url, data, signal);
  try {
    return await read(file);
  } finally {
    await dispose();
  }
}

/** TableFitOptions from a job's settings: the sample weights read from their column, which is left out of the features. */
export function tableJobOptions(settings: TableJobSettings, rows: TableRows): TableFitOptions {
  const { sampleWeightColumn: column, ...rest } = settings;
  if (column === undefined) return rest;
  const source = rowSource(rows);
  if (!source.has(column))
    throw new ValueError(
      'ERR_INVALID_JOB',
      `job.table.sampleWeightColumn names ${JSON.stringify(column)}, which no row has; the columns are ${source.columns
        .slice(0, 20)
        .map((c) => JSON.stringify(c))
        .join(', ')}`,
    );
  const missing = new Set(settings.missing ?? DEFAULT_MISSING);
  const weights = Array.from({ length: source.length }, (_, i) => {
    const cell = source.cell(i, column);
    const w = isMissing(cell, missing) ? undefined : numberOf(cell);
    if (w === undefined || !(w >= 0) || !Number.isFinite(w)) {
      throw new ValueError(
        'ERR_INVALID_JOB',
        `Row ${i}: job.table.sampleWeightColumn ${JSON.stringify(column)} holds ${JSON.stringify(cell) ?? String(cell)}; every row needs a finite weight >= 0`,
      );
    }
    return w;
  });
  return { ...rest, columns: { ...rest.columns, [column]: 'ignore' }, sampleWeight: weights };
}

/** Trains a table job's TableModel; the result's model is the table model's bytes. */
export async function runTableJob(
  job: TableJob,
  options: { signal?: AbortSignal; onProgress?: (progress: TrainingProgress) => void } = {},
): Promise<TrainingResult> {
  const rows = await readTableJobRows(job.data, options.signal);
  const fit = tableJobOptions(job.table, rows);
  const summaries: EpochSummary[] = [];
  let history: History | undefined;
  let epochs = 1;
  const model = await new TableModel().fitAsync(rows, {
    ...fit,
    ...(options.signal ? { signal: options.signal } : {}),
    // The network's own fitAsync, kept for its history (a table model does not hold one).
    fitNetwork: async (net, x, y, o) => {
      epochs = o.epochs ?? 1;
      history = await net.fitAsync(x, y, o);
      return net;
    },
    ...progressCallbacks(summaries, () => epochs, options.onProgress),
  });
  return { model: model.toBuffer(), history: history!, epochs: summaries };
}

/** Cross-validates a table trial job on its rows (each fold a table model, on this process's pool). */
export async function runTableCrossValidationJob(
  job: TableCrossValidationJob,
  signal?: AbortSignal,
): Promise<CrossValidation> {
  const rows = await readTableJobRows(job.data, signal);
  return crossValidateTable(rows, job.table, job.settings, { ...job.validation, ...(signal ? { signal } : {}) });
}
