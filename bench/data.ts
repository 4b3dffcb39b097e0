/**
 * The benchmark's data, written once as raw float64 files that every implementation reads (Node workers
 * straight into a Float64Array, Python with numpy.fromfile), so all of them train on the same numbers.
 *
 *   A: the 1797 digits of examples/data/digits.csv.gz, pixels scaled from 0..16 to 0..1, one-hot labels.
 *   B: synthetic rows, inputs uniform in [0, 1), one-hot labels of uniformly drawn classes (seeded).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { oneHot, Random, readCsv, splitColumn } from '../lib';
import type { DataFiles, Suite, Workload } from './config';

export const BUILD_DIR = path.join(__dirname, '.build');
const DIGITS = path.join(__dirname, '..', 'examples', 'data', 'digits.csv.gz');

function writeF64(file: string, values: Float64Array): void {
  fs.writeFileSync(file, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

function digits(dir: string): DataFiles {
  const { data } = readCsv(DIGITS);
  const { features, labels } = splitColumn(data);
  const x = features.data.map((value) => value / 16);
  const y = oneHot(labels, 10).data;
  const files = {
    x: path.join(dir, 'digits-x.f64'),
    y: path.join(dir, 'digits-y.f64'),
    rows: features.rows,
    inputs: 64,
    outputs: 10,
  };
  writeF64(files.x, x);
  writeF64(files.y, y);
  return files;
}

function synthetic(dir: string, rows: number, inputs: number, outputs: number): DataFiles {
  const files = {
    x: path.join(dir, `synthetic-${rows}x${inputs}-x.f64`),
    y: path.join(dir, `synthetic-${rows}x${outputs}-y.f64`),
    rows,
    inputs,
    outputs,
  };
  const complete = (file: string, length: number) => fs.existsSync(file) && fs.statSync(file).size === length * 8;
  if (complete(files.x, rows * inputs) && complete(files.y, rows * outputs)) return files; // same seed, same numbers
  const random = new Random(20240);
  const x = new Float64Array(rows * inputs);
  for (let i = 0; i < x.length; i++) x[i] = random.uniform();
  const y = new Float64Array(rows * outputs);
  for (let row = 0; row < rows; row++) y[row * outputs + random.integer(outputs)] = 1;
  writeF64(files.x, x);
  writeF64(files.y, y);
  return files;
}

/** Writes (or reuses) the data of workloads A and B. */
export function prepareData(suite: Suite): { A: Workload; B: Workload } {
  const dir = path.join(BUILD_DIR, 'data');
  fs.mkdirSync(dir, { recursive: true });
  const b = suite.B.train;
  return {
    A: { ...suite.A, data: digits(dir) },
    B: { ...suite.B, data: synthetic(dir, b.rows, b.dims[0]!, b.dims[b.dims.length - 1]!) },
  };
}
