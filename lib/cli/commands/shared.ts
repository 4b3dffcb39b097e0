/**
 * What several commands do the same way: load a model with messages that name the file, check early that
 * an output file can be written, gather the BLAS facts, and write the HTML report atomically.
 */
import { accessSync, constants, statSync } from 'node:fs';
import * as path from 'node:path';

import { blasInfo, type BlasInfo } from '../../backend';
import type { BackendName } from '../../backend/backend';
import type { Dtype } from '../../matrix';
import type { JsonValue } from '../../model/description';
import { writeFileAtomic } from '../../model/atomic-write';
import { Network } from '../../network';
import { DataError, fileError, UsageError } from '../errors';
import { renderReport, type ReportData } from '../html-report';
import { readModelInfo, type ModelInfo } from '../model-info';

/** Where a command writes: its results on stdout, its progress and warnings on stderr. */
export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** The command line as typed, for the report. */
  commandLine: string;
}

/** The backends `--backend` offers. */
export const BACKENDS: readonly BackendName[] = ['native', 'js'];

/**
 * The model in `file` and its command-line record.
 * @throws {@link DataError} for a file that cannot be read; ModelFormatError (exit 1) for one that is not
 *   an intact blasnet model of a version this blasnet reads
 */
export async function loadModel(file: string, backend: BackendName): Promise<{ net: Network<Dtype>; info: ModelInfo }> {
  let net: Network<Dtype>;
  try {
    // Either dtype: the command line predicts from a float32 model as well (the API's default is float64).
    net = await Network.load(file, { backend, dtype: 'any' });
  } catch (error) {
    throw fileError(error, file, 'cannot read the model');
  }
  return { net, info: readModelInfo(net, file) };
}

/**
 * Fails now, before minutes of training, when `file` could not be written at the end: its folder is
 * missing or read-only.
 */
export function checkWritable(file: string, flag: string): void {
  const directory = path.dirname(path.resolve(file));
  try {
    accessSync(directory, constants.W_OK);
  } catch (error) {
    throw new DataError(
      'ERR_CLI_FILE',
      `cannot write ${flag} ${file}: ${(fileError(error, directory, 'the folder') as Error).message}`,
    );
  }
}

/**
 * Refuses a command line that names one file twice among files read and written (`train data.csv --out
 * data.csv` would replace the training data with the model): the same path, or, for files that exist,
 * the same file by another name (a link, `./`). `-` (stdin or stdout) is never a file.
 */
export function refuseSameFile(files: readonly (readonly [role: string, file: string | undefined])[]): void {
  const named = files.filter((f): f is readonly [string, string] => f[1] !== undefined && f[1] !== '-');
  const identity = (file: string): string => {
    try {
      const stats = statSync(file);
      return `${stats.dev}:${stats.ino}`;
    } catch {
      return path.resolve(file);
    }
  };
  for (let i = 0; i < named.length; i++) {
    for (let j = i + 1; j < named.length; j++) {
      const [first, a] = named[i]!;
      const [second, b] = named[j]!;
      if (path.resolve(a) === path.resolve(b) || identity(a) === identity(b)) {
        throw new UsageError(
          'ERR_CLI_SAME_FILE',
          `${second} ${b} is ${first} (${a}): writing it would destroy it; give another file name`,
        );
      }
    }
  }
}

/** The BLAS facts for the native backend; null for the js backend. */
export function blasFacts(backend: BackendName): BlasInfo | null {
  return backend === 'native' ? blasInfo() : null;
}

/** `OpenBLAS 0.3.21 (core Haswell, 2 threads)`, or `no BLAS` for the js backend. */
export function describeBlas(blas: BlasInfo | null): string {
  if (blas === null) return 'pure TypeScript, no BLAS';
  return `OpenBLAS ${blas.version} (core ${blas.core}, ${blas.threads} thread${blas.threads === 1 ? '' : 's'})`;
}

/** Writes the HTML report atomically (a half-written report never replaces a whole one). */
export async function writeReport(file: string, data: ReportData): Promise<void> {
  try {
    await writeFileAtomic(file, Buffer.from(renderReport(data), 'utf8'));
  } catch (error) {
    throw fileError(error, file, 'cannot write the report');
  }
}

/** `cross-entropy`, for people, from the library's loss name. */
export function lossLabel(name: string | undefined): string {
  return (
    {
      crossEntropy: 'cross-entropy',
      binaryCrossEntropy: 'binary cross-entropy',
      meanSquaredError: 'mean squared error',
    }[name ?? ''] ??
    name ??
    'unknown'
  );
}

/**
 * Writes `text`, and waits while the stream's buffer is full, so that output never piles up in memory
 * when the reader (a pipe, a slow disk) is slower than the model.
 */
export async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (stream.write(text)) return;
  await new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      stream.off('drain', settle);
      stream.off('error', settle);
      stream.off('close', settle);
      if (error) reject(error);
      else resolve();
    };
    stream.on('drain', settle);
    stream.on('error', settle);
    stream.on('close', settle);
  });
}

/** A training record's flags as the report lists them: `--batch-size 32`. */
export function settingsFlags(record: Record<string, JsonValue>): [string, string][] {
  return Object.entries(record).map(([flag, value]) => [
    `--${flag}`,
    flag === 'delimiter' ? JSON.stringify(value) : String(value),
  ]);
}
