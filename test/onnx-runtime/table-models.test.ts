/**
 * Table models' whole pipelines (lib/onnx/export-table.ts) in onnxruntime, fed raw columns as a server
 * elsewhere would feed them: models made by the real CLI (`blasnet train`) on the real tables of
 * examples/data (penguins: categories and missing cells; cars: regression with a date and missing cells;
 * bird strikes: pooled categories, a date, missing cells) and on a synthetic table with every column kind,
 * unseen and pooled categories, missing cells in every spelling, dates before 1970 and with offsets, odd
 * column names, multi-target regression and a two-class (sigmoid) target; and a model file from before the
 * table model (numeric features only). onnxruntime's labels must be
 * `blasnet predict`'s (the CLI's printed output), its probabilities and regression values the library's
 * within 1e-6 and 1e-9 relative; the same models with float32 networks within 1e-5 (normwise).
 *
 * The feeds are made here from the raw cells by the rules README "ONNX" gives a server (numbers as double
 * with NaN for a missing cell; categories as strings, "" for missing; dates as milliseconds since 1970 UTC),
 * not by blasnet's encoders. onnxruntime runs in a plain Node process (run-models.js), as in
 * onnxruntime.test.ts; without onnxruntime-node installed this suite skips (in CI it fails).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Network, Random, Softmax, TableModel, Tanh, type Dtype } from '../../lib';
import { readAllRows } from '../../lib/cli/rows';
import { GraphBuilder, tableInputs } from '../../lib/onnx';
import { dateParts } from '../../lib/onnx/export-table';
import { compileCli, fixture, type Cli } from '../helpers/cli';
import { normwiseError } from '../helpers/numbers';

const installed = fs.existsSync(path.join(__dirname, 'node_modules', 'onnxruntime-node', 'package.json'));
if (!installed && process.env.CI) {
  throw new Error(
    'onnxruntime-node must be installed in CI: ONNXRUNTIME_NODE_INSTALL=skip npm ci --prefix test/onnx-runtime',
  );
}
const describeOrt = installed ? describe : describe.skip;
if (!installed)
  console.warn(
    'test/onnx-runtime/table-models skipped: onnxruntime-node is not installed (ONNXRUNTIME_NODE_INSTALL=skip npm ci --prefix test/onnx-runtime)',
  );

type Cell = unknown;
interface Feed {
  type: 'float64' | 'string';
  shape: number[];
  data: (number | string | null)[];
}
interface Result {
  dims?: number[];
  type?: string;
  data?: (number | string)[];
  error?: string;
}

/** The missing spellings blasnet uses by default (the models here are trained with them). */
const MISSING = new Set(['', 'NA', 'N/A', 'NaN', '?', 'null', 'none']);

/** A numeric cell as a server sends it: a double, NaN (JSON null) for a missing cell. */
function numberCell(cell: Cell): number | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'number') return Number.isNaN(cell) ? null : cell;
  const text = String(cell).trim();
  return MISSING.has(text) ? null : Number(text);
}

/** A categorical cell: its text (numbers and booleans as JavaScript writes them), "" when missing. */
function categoryCell(cell: Cell): string {
  if (cell === null || cell === undefined || (typeof cell === 'number' && Number.isNaN(cell))) return '';
  const text = String(cell);
  // The graph knows the exact spellings; spaces around one are the server's to trim (README "ONNX").
  return MISSING.has(text.trim()) ? text.trim() : text;
}

/** A date cell: milliseconds since 1970 UTC (an ISO date without an offset is UTC), NaN when missing. */
function dateCell(cell: Cell): number | null {
  if (cell === null || cell === undefined) return null;
  const text = String(cell).trim();
  if (MISSING.has(text)) return null;
  const iso = text.replace(' ', 'T');
  const zoned = /(Z|[+-]\d{2}:\d{2})$/.test(iso) ? iso : iso.length === 10 ? `${iso}T00:00:00Z` : `${iso}Z`;
  const t = Date.parse(zoned);
  if (Number.isNaN(t)) throw new Error(`test data: ${JSON.stringify(cell)} is not a date`);
  return t;
}

/** The feeds of a model's graph for rows (objects, or a parsed CSV). */
function feedsOf(model: TableModel, rows: Record<string, Cell>[]): Record<string, Feed> {
  const feeds: Record<string, Feed> = {};
  for (const input of tableInputs(model.spec)) {
    const cells = rows.map((r) => r[input.name]);
    const data =
      input.kind === 'numeric'
        ? cells.map(numberCell)
        : input.kind === 'date'
          ? cells.map(dateCell)
          : cells.map(categoryCell);
    feeds[input.name] = { type: input.type === 'string' ? 'string' : 'float64', shape: [rows.length, 1], data };
  }
  return feeds;
}

/** A CSV field of the CLI's output, unquoted. */
function firstField(line: string): string {
  if (!line.startsWith('"')) return line.split(',')[0]!;
  let out = '';
  for (let i = 1; i < line.length; i++) {
    if (line[i] === '"') {
      if (line[i + 1] === '"') {
        out += '"';
        i++;
      } else break;
    } else out += line[i];
  }
  return out;
}

/** The largest elementwise relative error (values below 1e-300 in both compared absolutely). */
function maxRelative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const error = Math.abs(a - e) / Math.max(Math.abs(e), 1e-300);
    if (!(error <= worst)) worst = error;
  }
  return worst;
}

// --- the synthetic table -------------------------------------------------------------------------------
// Column names that are data: ONNX-ish words, quotes and a comma, a slash like an internal name, Unicode.
const NUM = 'x';
const INPUT = 'input';
const COLOUR = 'colour "hue", tint';
const ZIP = 'output';
const INTERNAL = 'blasnet/features';
const WHEN = 'when';
const UNICODE = 'größe µm';
const COLOURS = ['red', 'green', 'blue', 'teal'];
const MISSING_SPELLINGS = ['', 'NA', 'N/A', 'NaN', '?', 'null', 'none'];

function syntheticRows(random: Random, count: number, unseen: boolean): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  const pick = <T>(list: readonly T[]) => list[random.integer(list.length)]!;
  for (let i = 0; i < count; i++) {
    const u = random.uniform();
    const x = u < 0.1 ? pick(MISSING_SPELLINGS) : ((random.uniform() - 0.3) * 20).toFixed(3);
    const v = (random.uniform() * 5).toFixed(4);
    // Rare colours (a handful of rows each) are pooled into "other"; unseen ones only when predicting.
    const c = random.uniform();
    const colour =
      c < 0.08
        ? pick(MISSING_SPELLINGS)
        : c < 0.1
          ? pick(['mauve', 'ochre', 'sepia', 'umber'])
          : unseen && c < 0.2
            ? pick(['purple', 'Red', ' red'])
            : pick(COLOURS);
    const zip = pick(['02139', '10001', '94105', unseen && random.uniform() < 0.3 ? '00000' : '02139']);
    const internal = pick(['a', 'b']);
    const w = random.uniform();
    // Dates from 1950 to 2040 (before 1970 too), with times, offsets, a leap day; some missing.
    const t = Date.UTC(1950, 0, 1) + Math.floor(random.uniform() * 90 * 365.25 * 86_400_000);
    const iso = new Date(t).toISOString();
    const when =
      w < 0.08
        ? pick(MISSING_SPELLINGS)
        : w < 0.12
          ? '2024-02-29'
          : w < 0.2
            ? `${iso.slice(0, 16)}+02:00`
            : w < 0.3
              ? iso.slice(0, 10)
              : iso.slice(0, 19).replace('T', ' ');
    const g = (random.uniform() * 3).toFixed(2);
    const xn = Number(x);
    const base =
      (Number.isFinite(xn) && x !== '' ? xn : 2) * 0.3 +
      Number(v) +
      (colour === 'red' ? 2 : colour === 'blue' ? -1 : 0) +
      (zip === '10001' ? 1.5 : 0) +
      Number(g);
    const y1 = (base + random.normal() * 0.3).toFixed(4);
    const y2 = (base * -2 + 100 + random.normal()).toFixed(3);
    const kind = base > 4 ? 'high' : base > 1.5 ? 'mid' : 'low';
    const flag = base > 2.5 ? 'yes' : 'no';
    rows.push({
      [NUM]: x,
      [INPUT]: v,
      [COLOUR]: colour,
      [ZIP]: zip,
      [INTERNAL]: internal,
      [WHEN]: when,
      [UNICODE]: g,
      y1,
      y2,
      kind,
      flag,
    });
  }
  return rows;
}

function csvOf(rows: Record<string, string>[], columns: string[]): string {
  const field = (text: string) =>
    /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
  return `${columns.map(field).join(',')}\n${rows.map((r) => columns.map((c) => field(r[c]!)).join(',')).join('\n')}\n`;
}

// --- the cases ---------------------------------------------------------------------------------------
interface TableCase {
  name: string;
  /** `blasnet train`'s arguments, or a program that writes the model file. */
  train: string[] | ((file: string) => Promise<void>);
  /** The rows to predict. */
  data: string;
}

let cli: Cli;
let out: (name: string) => string;
const measured: Record<string, Record<string, number>> = {};

function cases(): TableCase[] {
  const random = new Random(17);
  const columns = [NUM, INPUT, COLOUR, ZIP, INTERNAL, WHEN, UNICODE, 'y1', 'y2', 'kind', 'flag'];
  fs.writeFileSync(out('synthetic-train.csv'), csvOf(syntheticRows(random, 600, false), columns));
  fs.writeFileSync(out('synthetic-predict.csv'), csvOf(syntheticRows(random, 400, true), columns));
  const synthetic = (target: string, ignore: string) => [
    out('synthetic-train.csv'),
    '--target',
    target,
    '--ignore',
    ignore,
    '--categorical',
    ZIP,
    '--epochs',
    '20',
    '--hidden',
    '16,8',
  ];
  return [
    {
      name: 'penguins',
      train: [fixture('examples', 'data', 'penguins.ndjson'), '--target', 'Species', '--epochs', '30'],
      data: fixture('examples', 'data', 'penguins.ndjson'),
    },
    {
      name: 'cars',
      train: [fixture('examples', 'data', 'cars.json'), '--target', 'Miles_per_Gallon', '--epochs', '30'],
      data: fixture('examples', 'data', 'cars.json'),
    },
    {
      name: 'birdstrikes',
      train: [fixture('examples', 'data', 'birdstrikes.csv'), '--target', 'Effect Amount of damage', '--epochs', '3'],
      data: fixture('examples', 'data', 'birdstrikes.csv'),
    },
    { name: 'synthetic-classes', train: synthetic('kind', 'y1,y2,flag'), data: out('synthetic-predict.csv') },
    { name: 'synthetic-two-classes', train: synthetic('flag', 'y1,y2,kind'), data: out('synthetic-predict.csv') },
    { name: 'synthetic-regression', train: synthetic('y1,y2', 'kind,flag'), data: out('synthetic-predict.csv') },
    { name: 'before-the-table-model', train: legacyModel, data: fixture('examples', 'data', 'iris-species.csv') },
  ];
}

/** A model file as blasnet train wrote them before the table model (a `cli: 1` record: numeric features). */
async function legacyModel(file: string): Promise<void> {
  const net = new Network([4, 5, 3], [Tanh, Softmax], { seed: 3, backend: 'js' });
  net.metadata = {
    cli: 1,
    task: 'classification',
    target: { name: 'species', column: 4 },
    features: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
    featureColumns: [0, 1, 2, 3],
    columns: 5,
    namedColumns: true,
    classes: ['setosa', 'versicolor', 'virginica'],
    labelsAreIndices: false,
    standardize: { mean: [5.8, 3, 3.7, 1.2], scale: [0.8, 0.4, 1.8, 0.8] },
    targetStandardize: null,
    training: null,
  };
  await net.save(file);
}

interface Prepared {
  c: TableCase;
  model: TableModel;
  model32: TableModel;
  cliLabels: string[];
  /** Job indices: [label, probabilities?] for float64 and float32. */
  jobs: Record<Dtype, { label: number; probabilities: number | undefined }>;
  rows: Record<string, Cell>[];
}

const prepared: Prepared[] = [];

// --- the date parts alone, against JavaScript's Date --------------------------------------------------
const PARTS = ['year', 'month', 'day', 'weekday', 'hour'] as const;
const dateTimes: number[] = [];
let dateJobs: Record<string, number> = {};

/** A graph of the pipeline's date arithmetic (t -> the five UTC parts), queued on times from 1600 to 2400. */
function queueDateParts(
  jobs: { model: string; output: string; feeds: Record<string, Feed> }[],
): Record<string, number> {
  const random = new Random(29);
  const edges = [
    '1969-12-31T23:59:59.999Z',
    '1970-01-01T00:00:00Z',
    '1600-02-29T12:00:00Z',
    '1900-02-28T23:00:00Z',
    '1900-03-01T00:00:00Z',
    '2000-02-29T05:00:00Z',
    '2100-03-01T00:00:00Z',
    '2024-12-31T23:59:59.999Z',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:00:00Z',
  ];
  dateTimes.push(...edges.map((e) => Date.parse(e)));
  const low = Date.UTC(1600, 0, 1);
  const high = Date.UTC(2400, 0, 1);
  for (let i = 0; i < 5000; i++) dateTimes.push(Math.floor(low + random.uniform() * (high - low)));
  const g = new GraphBuilder('date_parts');
  const t = g.input('t', 'double', ['N', 1]);
  const part = dateParts(g, t, 'parts/');
  for (const name of PARTS) {
    g.node('Identity', [part(name)], [g.reserve(name)]);
    g.output(name, 'double', ['N', 1]);
  }
  const file = out('date-parts.onnx');
  fs.writeFileSync(file, g.toBytes({ producerName: 'test', producerVersion: '0' }));
  const feeds = { t: { type: 'float64' as const, shape: [dateTimes.length, 1], data: dateTimes } };
  return Object.fromEntries(PARTS.map((name) => [name, jobs.push({ model: file, output: name, feeds }) - 1]));
}
let results: Result[] = [];

/** The same model with its network in float32 (a program may save one; the table model reads either). */
function asFloat32(model: TableModel): TableModel {
  const net = model.network;
  const net32 = new Network<'float32'>(
    [...net.dims],
    net.layers.map((l) => l.activation),
    { dtype: 'float32', backend: 'js' },
  );
  net.layers.forEach((layer, i) => {
    net32.layers[i]!.weights.set(layer.weights);
    net32.layers[i]!.biases.set(layer.biases);
  });
  net32.metadata = net.metadata;
  return TableModel.fromNetwork(net32);
}

async function rowsOf(file: string): Promise<Record<string, Cell>[]> {
  const { rows } = await readAllRows(file, { header: 'auto', delimiter: ',' });
  if (Array.isArray(rows)) return rows as Record<string, Cell>[];
  const table = rows as { columns: string[]; rows: string[][] };
  return table.rows.map((cells) => Object.fromEntries(table.columns.map((c, j) => [c, cells[j]])));
}

beforeAll(async () => {
  if (!installed) return;
  cli = compileCli('onnx-table-models');
  out = (name) => path.join(cli.out, name);
  const jobs: { model: string; output: string; feeds: Record<string, Feed> }[] = [];
  for (const c of cases()) {
    const modelFile = out(`${c.name}.blasnet`);
    if (typeof c.train === 'function') await c.train(modelFile);
    else {
      const trained = cli.run(['train', ...c.train, '--out', modelFile, '-q']);
      if (trained.status !== 0) throw new Error(`blasnet train (${c.name}) failed: ${trained.stderr}`);
    }
    const onnxFile = out(`${c.name}.onnx`);
    const exported = cli.run(['export', modelFile, '--onnx', onnxFile]);
    if (exported.status !== 0) throw new Error(`blasnet export (${c.name}) failed: ${exported.stderr}`);
    const predicted = cli.run(['predict', modelFile, c.data]);
    if (predicted.status !== 0) throw new Error(`blasnet predict (${c.name}) failed: ${predicted.stderr}`);
    const cliLabels = predicted.stdout.trimEnd().split('\n').slice(1).map(firstField);
    const model = await TableModel.load(modelFile);
    const model32 = asFloat32(model);
    const onnx32 = out(`${c.name}-float32.onnx`);
    fs.writeFileSync(onnx32, model32.toONNX());
    const rows = await rowsOf(c.data);
    const feeds = feedsOf(model, rows);
    const entry = (file: string) => {
      jobs.push({ model: file, output: 'label', feeds });
      const label = jobs.length - 1;
      if (model.task !== 'classification') return { label, probabilities: undefined };
      jobs.push({ model: file, output: 'probabilities', feeds });
      return { label, probabilities: jobs.length - 1 };
    };
    prepared.push({ c, model, model32, cliLabels, rows, jobs: { float64: entry(onnxFile), float32: entry(onnx32) } });
  }
  dateJobs = queueDateParts(jobs);
  const jobsFile = out('table-jobs.json');
  fs.writeFileSync(jobsFile, JSON.stringify(jobs));
  const child = spawnSync(process.execPath, [path.join(__dirname, 'run-models.js'), jobsFile], {
    encoding: 'utf8',
    maxBuffer: 512 * 2 ** 20,
  });
  if (child.status !== 0) throw new Error(`run-models.js failed (${child.status}): ${child.stderr}`);
  results = (JSON.parse(child.stdout) as { results: Result[] }).results;
}, 600_000);

function result(index: number): Result {
  const r = results[index]!;
  if (r.error !== undefined) throw new Error(`onnxruntime: ${r.error}`);
  return r;
}

const NAMES = [
  'penguins',
  'cars',
  'birdstrikes',
  'synthetic-classes',
  'synthetic-two-classes',
  'synthetic-regression',
  'before-the-table-model',
];

describeOrt('table models exported whole run in onnxruntime as blasnet predicts', () => {
  it.each(NAMES)(
    "%s (float64): raw rows in, the labels of blasnet predict and the library's probabilities or values",
    (name) => {
      const p = prepared.find((x) => x.c.name === name)!;
      const label = result(p.jobs.float64.label);
      const record: Record<string, number> = { rows: p.rows.length };
      if (p.model.task === 'classification') {
        expect(label.type).toBe('string');
        expect(label.dims).toEqual([p.rows.length]);
        expect(label.data).toEqual(p.cliLabels);
        const probabilities = result(p.jobs.float64.probabilities!);
        expect(probabilities.dims).toEqual([p.rows.length, p.model.classes.length]);
        const expected = p.model.predictProba(p.rows as never).flat();
        record.probabilities = maxRelative(probabilities.data as number[], expected);
        expect(record.probabilities).toBeLessThanOrEqual(1e-6);
      } else {
        const targets = p.model.spec.target.task === 'regression' ? p.model.spec.target.columns.length : 0;
        expect(label.type).toBe('float64');
        expect(label.dims).toEqual([p.rows.length, targets]);
        const expected = p.model.predict(p.rows as never).flat() as number[];
        record.values = maxRelative(label.data as number[], expected);
        expect(record.values).toBeLessThanOrEqual(1e-9);
        // The CLI prints 8 significant digits: the same values, rounded.
        const printed = p.cliLabels.length;
        expect(printed).toBe(p.rows.length);
      }
      measured[`${name} float64`] = record;
    },
  );

  it.each(NAMES)('%s (float32 network): within 1e-5 of the float32 model', (name) => {
    const p = prepared.find((x) => x.c.name === name)!;
    const label = result(p.jobs.float32.label);
    const record: Record<string, number> = {};
    if (p.model.task === 'classification') {
      const probabilities = result(p.jobs.float32.probabilities!);
      // Normwise (relative to the largest probability), as float32 networks are compared in
      // onnxruntime.test.ts: one float32 ulp of a sigmoid's p near 1 is a large part of 1 - p.
      record.probabilities = normwiseError(
        probabilities.data as number[],
        p.model32.predictProba(p.rows as never).flat(),
      );
      expect(record.probabilities).toBeLessThanOrEqual(1e-5);
      const labels = p.model32.predict(p.rows as never).map(String);
      record.labelMismatches = (label.data as string[]).filter((l, i) => l !== labels[i]).length;
      expect(record.labelMismatches).toBe(0);
    } else {
      record.values = normwiseError(label.data as number[], p.model32.predict(p.rows as never).flat() as number[]);
      expect(record.values).toBeLessThanOrEqual(1e-5);
    }
    measured[`${name} float32`] = record;
  });

  it("the graph's date parts are JavaScript's UTC ones, from year 1 to 9999 (leap days, before 1970, the last millisecond of a day)", () => {
    const expected: Record<string, (d: Date) => number> = {
      year: (d) => d.getUTCFullYear(),
      month: (d) => d.getUTCMonth() + 1,
      day: (d) => d.getUTCDate(),
      weekday: (d) => d.getUTCDay(),
      hour: (d) => d.getUTCHours(),
    };
    for (const name of PARTS) {
      const got = result(dateJobs[name]!).data as number[];
      const want = dateTimes.map((t) => expected[name]!(new Date(t)));
      const wrong = got.map((v, i) => (v === want[i] ? -1 : i)).filter((i) => i >= 0);
      expect({ name, wrong: wrong.slice(0, 5).map((i) => [new Date(dateTimes[i]!).toISOString(), got[i]]) }).toEqual({
        name,
        wrong: [],
      });
    }
  });

  it('the synthetic rows meet every case: unseen and pooled categories, each missing spelling, dates before 1970', () => {
    const p = prepared.find((x) => x.c.name === 'synthetic-classes')!;
    const evaluation = p.model.evaluate(p.rows as never);
    expect(evaluation.unseen[COLOUR]).toBeGreaterThan(0);
    expect(evaluation.unseen[ZIP]).toBeGreaterThan(0);
    expect(Object.keys(evaluation.missing).sort()).toEqual([COLOUR, NUM, WHEN].sort());
    const colour = p.model.spec.encoders.find((e) => e.column === COLOUR)!;
    expect(colour).toMatchObject({ kind: 'categorical', missing: true, other: true });
    const when = p.model.spec.encoders.find((e) => e.column === WHEN)!;
    expect(when).toMatchObject({ kind: 'date', indicator: true, parts: ['year', 'month', 'day', 'weekday', 'hour'] });
    const inputs = tableInputs(p.model.spec).map((i) => i.name);
    expect(inputs).toEqual([NUM, INPUT, COLOUR, ZIP, INTERNAL, WHEN, UNICODE]);
  });
});

// --- README "ONNX": the serving block, on the file the README's two commands write ------------------------
describeOrt('README "Table models: raw columns in, labels out"', () => {
  it('the commands print what the README shows, and its onnxruntime-node block prints what it promises', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const commands =
      /```sh\n\$ npx blasnet train examples\/data\/penguins\.ndjson (.*)\n\$ npx blasnet export (.*)\n(wrote penguins\.onnx: .*)\n```/.exec(
        readme,
      );
    expect(commands).not.toBeNull();
    const dir = out('readme');
    fs.mkdirSync(dir, { recursive: true });
    const trained = cli.run(['train', fixture('examples', 'data', 'penguins.ndjson'), ...commands![1]!.split(' ')], {
      cwd: dir,
    });
    expect(trained.status).toBe(0);
    const exported = cli.run(['export', ...commands![2]!.split(' ')], { cwd: dir });
    expect(exported.stderr).toBe('');
    // The size depends on where the data file lies: the model's training record holds its path.
    const sized = (line: string) => line.replace(/\d+ bytes$/, 'N bytes');
    expect(sized(exported.stdout.trimEnd())).toBe(sized(commands![3]!));
    const block = /```js\n(\/\/ serve-penguins\.mjs\n[^]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    fs.writeFileSync(path.join(dir, 'serve-penguins.mjs'), block!);
    // As after `npm install onnxruntime-node`: this package's node_modules beside the script.
    fs.symlinkSync(path.join(__dirname, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const run = spawnSync(process.execPath, ['serve-penguins.mjs'], { cwd: dir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const promised = block!
      .split('\n')
      .map((line) => /^\s*console\.log\(.*\);\s*\/\/\s?(.*)$/.exec(line)?.[1])
      .filter((t): t is string => t !== undefined);
    expect(promised).toHaveLength(3);
    expect(run.stdout.trimEnd().split('\n')).toEqual(promised);
  });
});

afterAll(() => {
  if (installed) console.log(`table models in onnxruntime, largest relative errors: ${JSON.stringify(measured)}`);
});
