/**
 * `blasnet predict <model> <data.csv>`: one output row per input row, as CSV: the predicted label (the
 * original class name) or value, and with --proba every class's probability. The input is read as a
 * stream, chunk by chunk, and each chunk's predictions are written before the next is read, so a file
 * larger than memory works and the first answers appear at once. `-` reads stdin.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import * as path from 'node:path';

import { setNumThreads } from '../../backend';
import { releaseTemporary, removeStaleTemporaries, temporaryPath } from '../../model/atomic-write';
import { choiceValue, delimiterValue, integerValue, stringValue, type CommandSpec, type ParsedArgs } from '../args';
import { modelPlan } from '../columns';
import { fileError, UsageError } from '../errors';
import { HEADER_MODES } from '../header';
import type { ModelInfo } from '../model-info';
import { decodeClasses, decodeValues, prepareInputs } from '../preprocess';
import { readTableChunks } from '../table';
import { printable } from '../terminal';
import { BACKENDS, checkWritable, loadModel, refuseSameFile, write, type Io } from './shared';

/** predict's arguments and flags. */
export const PREDICT: CommandSpec = {
  name: 'predict',
  summary: 'Predict the label (or value) of every row of a CSV file with a trained model; CSV out.',
  positionals: [
    { name: 'model', description: 'a model file written by blasnet train --out' },
    { name: 'data.csv', description: 'rows to predict (.csv, .csv.gz, or - for stdin); a target column is ignored' },
  ],
  options: {
    proba: { type: 'boolean', description: 'add each class\'s probability (classification)' },
    output: { type: 'string', short: 'o', value: '<file>', description: 'write the CSV here instead of stdout' },
    'no-formula-escape': { type: 'boolean', description: "write labels starting with = + - @ as they are (default: a leading ' so spreadsheets do not run them)" },
    header: { type: 'string', value: '<auto|yes|no>', description: 'whether the input\'s first line holds column names', default: 'auto' },
    delimiter: { type: 'string', value: '<char>', description: 'the input\'s field separator', default: ',' },
    threads: { type: 'string', value: '<n>', description: 'OpenBLAS threads' },
    backend: { type: 'string', value: '<native|js>', description: 'native (OpenBLAS) or js (pure TypeScript)', default: 'native' },
  },
};

/** Rows per chunk: predict's own chunk size, so one chunk is one pass of the network's workspace. */
const CHUNK_ROWS = 1024;

/** A CSV field, quoted when it must be (RFC 4180). */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A plain decimal number, which a spreadsheet reads as a number, not as a formula (`-1`, `+0.5`, `2e-3`). */
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A text cell (a label, a column name) safe to open in a spreadsheet, following OWASP's advice on CSV
 * injection: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
 * LibreOffice and Google Sheets, so it gets a leading `'`, which they show as text. Plain numbers (`-1`)
 * are left alone: they are not formulas. Then quoted as RFC 4180 needs.
 */
export function textCell(text: string, escapeFormulas: boolean): string {
  const risky = escapeFormulas && /^[=+\-@\t\r]/.test(text) && !PLAIN_NUMBER.test(text);
  return csvField(risky ? `'${text}` : text);
}

/** A number to `digits` significant digits, without trailing zeros. */
function formatValue(value: number, digits: number): string {
  return String(Number(value.toPrecision(digits)));
}

function headerLine(info: ModelInfo, outputs: number, proba: boolean, escapeFormulas: boolean): string {
  const name = info.target.name ?? 'prediction';
  if (info.task === 'regression') {
    return outputs === 1 ? textCell(name, escapeFormulas) : Array.from({ length: outputs }, (_, k) => `output_${k + 1}`).join(',');
  }
  const cells = [name, ...(proba ? info.classes!.map((c) => `p_${c}`) : [])];
  return cells.map((cell) => textCell(cell, escapeFormulas)).join(',');
}

/** Runs `blasnet predict`; resolves with the exit code. */
export async function predict(args: ParsedArgs, io: Io): Promise<number> {
  const [modelFile, dataFile] = args.positionals as [string, string];
  const proba = args.values.proba === true;
  const escapeFormulas = args.values['no-formula-escape'] !== true;
  const output = stringValue(args, 'output');
  const delimiter = delimiterValue(args);
  const header = choiceValue(args, 'header', HEADER_MODES, 'auto');
  const backend = choiceValue(args, 'backend', BACKENDS, 'native');
  if (args.values.threads !== undefined && backend === 'native') setNumThreads(integerValue(args, 'threads', 1, 1, 1024));
  const { net, info } = await loadModel(modelFile, backend);
  if (proba && info.task !== 'classification') {
    throw new UsageError('ERR_CLI_USAGE', `--proba gives class probabilities, but ${modelFile} is a regression model`);
  }
  if (output !== undefined) checkWritable(output, '--output');
  refuseSameFile([
    ['the model', modelFile],
    ['the data file', dataFile],
    ['--output', output],
  ]);

  // --output goes to a temporary file renamed into place at the end: no half-written file on an error.
  if (output !== undefined) await removeStaleTemporaries(path.resolve(output));
  const temporary = output === undefined ? undefined : temporaryPath(path.resolve(output));
  const out: NodeJS.WritableStream = temporary === undefined ? io.stdout : createWriteStream(temporary);
  let rows = 0;
  try {
    await write(out, `${headerLine(info, net.outputs, proba, escapeFormulas)}\n`);
    const chunks = readTableChunks(dataFile, { header, delimiter, chunkRows: CHUNK_ROWS }, (layout) => modelPlan(layout, info, false));
    for await (const chunk of chunks) {
      const outputs = net.predict(prepareInputs(info, chunk.features));
      let text = '';
      if (info.task === 'classification') {
        const { labels, probabilities } = decodeClasses(outputs);
        const names = info.classes!.map((name) => textCell(name, escapeFormulas));
        for (let i = 0; i < labels.length; i++) {
          text += names[labels[i]!]!;
          if (proba) for (let k = 0; k < probabilities.cols; k++) text += `,${formatValue(probabilities.data[i * probabilities.cols + k]!, 6)}`;
          text += '\n';
        }
      } else {
        const values = decodeValues(info, outputs);
        for (let i = 0; i < values.rows; i++) {
          for (let k = 0; k < values.cols; k++) text += `${k > 0 ? ',' : ''}${formatValue(values.data[i * values.cols + k]!, 8)}`;
          text += '\n';
        }
      }
      rows += chunk.features.rows;
      await write(out, text);
    }
    if (temporary !== undefined) {
      await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((error?: Error | null) => (error ? reject(error) : resolve())));
      await rename(temporary, output!).catch((error) => Promise.reject(fileError(error, output!, 'cannot write')));
      io.stderr.write(printable(`${rows} predictions written to ${output}\n`));
    }
  } catch (error) {
    if (temporary !== undefined) {
      (out as ReturnType<typeof createWriteStream>).destroy();
      await rm(temporary, { force: true });
    }
    throw error;
  } finally {
    if (temporary !== undefined) releaseTemporary(temporary);
  }
  return 0;
}
