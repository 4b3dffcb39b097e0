/**
 * `blasnet predict <model> <data>`: one output row per input row, as CSV: the predicted label (the
 * original class name) or value(s), and with --proba every class's probability. The input (CSV, .json or
 * .ndjson) is read as a stream, chunk by chunk, prepared by the model's table record, and each chunk's
 * predictions are written before the next is read, so a file larger than memory works and the first
 * answers appear at once. `-` reads stdin.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import * as path from 'node:path';

import type { TableModel } from '../../table/model';
import { releaseTemporary, removeStaleTemporaries, temporaryPath } from '../../model/atomic-write';
import { choiceValue, delimiterValue, stringValue, type CommandSpec, type ParsedArgs } from '../args';
import { fileError, UsageError } from '../errors';
import { HEADER_MODES } from '../header';
import { readRowChunks } from '../rows';
import type { TableLayout } from '../table';
import { alignPositional, checkModelColumns, fillAbsentKeys, loadTableModel, withLines } from '../table-data';
import { printable } from '../terminal';
import {
  BACKEND_FLAGS,
  checkWritable,
  chooseBackend,
  CSV_FLAGS,
  MODEL_POSITIONAL,
  refuseSameFile,
  write,
  type Io,
} from './shared';

/** predict's arguments and flags. */
export const PREDICT: CommandSpec = {
  name: 'predict',
  summary: 'Predict the label (or value) of every row of a CSV file with a trained model; CSV out.',
  positionals: [
    MODEL_POSITIONAL,
    { name: 'data.csv', description: 'rows to predict (.csv, .csv.gz, or - for stdin); a target column is ignored' },
  ],
  options: {
    proba: { type: 'boolean', description: "add each class's probability (classification)" },
    output: { type: 'string', short: 'o', value: '<file>', description: 'write the CSV here instead of stdout' },
    'no-formula-escape': {
      type: 'boolean',
      description:
        "write labels starting with = + - @ as they are (default: a leading ' so spreadsheets do not run them)",
    },
    header: { ...CSV_FLAGS.header, description: "whether the input's first line holds column names" },
    delimiter: { ...CSV_FLAGS.delimiter, description: "the input's field separator" },
    ...BACKEND_FLAGS,
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

/** A target named only by its position (a file without a header) is called "prediction". */
function targetName(column: string): string {
  return /^column \d+$/.test(column) ? 'prediction' : column;
}

function headerLine(model: TableModel, proba: boolean, escapeFormulas: boolean): string {
  const target = model.spec.target;
  if (target.task === 'regression') return target.columns.map((c) => textCell(targetName(c), escapeFormulas)).join(',');
  const cells = [targetName(target.column), ...(proba ? target.classes.map((c) => `p_${c}`) : [])];
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
  const backend = chooseBackend(args);
  const { model } = await loadTableModel(modelFile, backend);
  const target = model.spec.target;
  if (proba && target.task !== 'classification') {
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
    await write(out, `${headerLine(model, proba, escapeFormulas)}\n`);
    let layout: TableLayout | undefined;
    const chunks = readRowChunks(dataFile, { header, delimiter, chunkRows: CHUNK_ROWS }, (l) => {
      checkModelColumns(l, model, false);
      layout = l;
    });
    let first = true;
    for await (const raw of chunks) {
      // The first chunk fixes which columns the file has; later JSON chunks may leave a sparse key out.
      const chunk = first
        ? alignPositional(raw, layout!, model)
        : fillAbsentKeys(alignPositional(raw, layout!, model), model);
      first = false;
      let text = '';
      try {
        if (target.task === 'classification') {
          const probabilities = model.predictProba(chunk.rows);
          const names = target.classes.map((name) => textCell(name, escapeFormulas));
          for (const p of probabilities) {
            let best = 0;
            for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
            // One sigmoid unit: class 1 when its output is >= 0.5, as the library decides.
            if (p.length === 2) best = p[1]! >= 0.5 ? 1 : 0;
            text += names[best]!;
            if (proba) for (const v of p) text += `,${formatValue(v, 6)}`;
            text += '\n';
          }
        } else {
          for (const value of model.predict(chunk.rows)) {
            const values = Array.isArray(value) ? value : [value as number];
            text += `${values.map((v) => formatValue(v, 8)).join(',')}\n`;
          }
        }
      } catch (error) {
        throw withLines(error, dataFile, chunk.lines, layout!);
      }
      rows += chunk.lines.length;
      await write(out, text);
    }
    if (temporary !== undefined) {
      await new Promise<void>((resolve, reject) =>
        (out as ReturnType<typeof createWriteStream>).end((error?: Error | null) =>
          error ? reject(error) : resolve(),
        ),
      );
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
