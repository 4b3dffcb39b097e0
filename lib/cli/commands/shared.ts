/**
 * What several commands do the same way: load a model with messages that name the file, check early that
 * an output file can be written, gather the BLAS facts, and write the HTML report atomically.
 */
import { accessSync, constants, statSync } from 'node:fs';
import * as path from 'node:path';

import { blasInfo, setNumThreads, type BlasInfo } from '../../backend';
import type { BackendName } from '../../backend/backend';
import type { Dtype } from '../../matrix';
import type { JsonValue } from '../../model/description';
import { writeFileAtomic } from '../../model/atomic-write';
import { Network } from '../../network';
import { choiceValue, integerValue, type CommandSpec, type ParsedArgs } from '../args';
import { DataError, fileError, UsageError } from '../errors';
import { renderReport, type ReportData } from '../html-report';
import { readModelInfo, type ModelInfo } from '../model-info';
import { parameterCount } from '../network-plan';
import { packageVersion } from '../version';

/** Where a command writes: its results on stdout, its progress and warnings on stderr. */
export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** The command line as typed, for the report. */
  commandLine: string;
}

/** The backends `--backend` offers. */
export const BACKENDS: readonly BackendName[] = ['native', 'js'];

/** The positional argument of the commands that read a trained model (evaluate, predict). */
export const MODEL_POSITIONAL = { name: 'model', description: 'a model file written by blasnet train --out' };

/** How a table file is split into cells (train, tune, evaluate; predict words them for its input). */
export const CSV_FLAGS = {
  header: {
    type: 'string',
    value: '<auto|yes|no>',
    description: 'whether the first line holds column names',
    default: 'auto',
  },
  delimiter: { type: 'string', value: '<char>', description: 'the field separator', default: ',' },
} as const satisfies CommandSpec['options'];

/** Which backend runs the network, and OpenBLAS's threads for the native one (train states its default). */
export const BACKEND_FLAGS = {
  threads: { type: 'string', value: '<n>', description: 'OpenBLAS threads' },
  backend: {
    type: 'string',
    value: '<native|js>',
    description: 'native (OpenBLAS) or js (pure TypeScript)',
    default: 'native',
  },
} as const satisfies CommandSpec['options'];

/** The --backend chosen; --threads, when given, is applied to OpenBLAS if that is the native backend. */
export function chooseBackend(args: ParsedArgs): BackendName {
  const backend = choiceValue(args, 'backend', BACKENDS, 'native');
  if (args.values.threads !== undefined && backend === 'native')
    setNumThreads(integerValue(args, 'threads', 1, 1, 1024));
  return backend;
}

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

/** What a report says about the run itself: its command line, when, the backend and BLAS, the versions. */
export function runFacts(
  io: Io,
  backend: BackendName,
  blas: BlasInfo | null,
): Pick<ReportData, 'command' | 'created' | 'backend' | 'blas' | 'versions'> {
  return {
    command: io.commandLine,
    created: new Date(),
    backend,
    blas,
    versions: { blasnet: packageVersion(), node: process.versions.node },
  };
}

/** What a report says about the network: its layers, loss, optimizer (as `optimizer` words it) and file. */
export function networkFacts(net: Network<Dtype>, optimizer: string, file: string | null): ReportData['network'] {
  return {
    dims: net.dims,
    activations: net.layers.map((l) => l.activation.name),
    loss: lossLabel(net.loss?.name),
    optimizer,
    parameters: parameterCount(net.dims),
    file,
  };
}

/** The line naming the categories the model never saw in training, with how often each came. */
export function unseenLine(unseen: Record<string, number>): string {
  const counts = Object.entries(unseen).map(([c, n]) => `${JSON.stringify(c)} ${n}`);
  return `categories never seen in training (encoded as all zeros): ${counts.join(', ')}\n`;
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
