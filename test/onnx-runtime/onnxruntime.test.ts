/**
 * blasnet's ONNX files in onnxruntime, the runtime that serves them elsewhere: for networks of every
 * activation, depths 0-4 and both dtypes, onnxruntime's outputs against predict; PyTorch's own exports in
 * onnxruntime, and the same models after a blasnet import and re-export, against PyTorch's outputs.
 *
 * onnxruntime-node lives in this folder's own package (never a dependency of blasnet):
 *   ONNXRUNTIME_NODE_INSTALL=skip npm ci --prefix test/onnx-runtime
 * .ci/run installs it; elsewhere, without it, this suite skips and says so (in CI it fails instead). The
 * models run in a plain Node process (run-models.js), as a server runs them.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { ACTIVATIONS, Network, Random, Relu, Softmax, type Activation, type Dtype } from '../../lib';
import { GraphBuilder, addNetwork } from '../../lib/onnx';
import { normwiseError } from '../helpers/numbers';

const installed = fs.existsSync(path.join(__dirname, 'node_modules', 'onnxruntime-node', 'package.json'));
if (!installed && process.env.CI) {
  throw new Error(
    'onnxruntime-node must be installed in CI: ONNXRUNTIME_NODE_INSTALL=skip npm ci --prefix test/onnx-runtime',
  );
}
const describeOrt = installed ? describe : describe.skip;
if (!installed) {
  console.warn(
    'test/onnx-runtime skipped: onnxruntime-node is not installed (ONNXRUNTIME_NODE_INSTALL=skip npm ci --prefix test/onnx-runtime)',
  );
}

/** One model run in onnxruntime (run-models.js), and what its outputs must equal. */
interface Job {
  model: string;
  dtype?: Dtype;
  input?: string;
  output: string;
  shape?: [number, number];
  data?: number[];
  feeds?: Record<string, { type: 'float64' | 'string'; shape: number[]; data: (number | string | null)[] }>;
}
interface Result {
  dims?: number[];
  data?: (number | string)[];
  error?: string;
}

const out = path.join(__dirname, '..', '..', 'test-output', 'onnx-runtime');
const jobs: Job[] = [];
let results: Result[] = [];
let runtimeVersion = '';

/** Queues `bytes` run on `x`; returns the job's index. */
function queue(name: string, bytes: Uint8Array | string, x: number[][], dtype: Dtype): number {
  const model = typeof bytes === 'string' ? bytes : path.join(out, `${name.replace(/[^\w.-]+/g, '_')}.onnx`);
  if (typeof bytes !== 'string') fs.writeFileSync(model, bytes);
  jobs.push({ model, dtype, input: 'input', output: 'output', shape: [x.length, x[0]!.length], data: x.flat() });
  return jobs.length - 1;
}

function outputOf(index: number): Float64Array {
  const result = results[index]!;
  if (result.error !== undefined) throw new Error(`onnxruntime: ${result.error}`);
  const job = jobs[index]!;
  expect(result.dims![0]).toBe(job.shape![0]);
  return Float64Array.from(result.data as number[]);
}

/** The largest errors measured, printed at the end for the record. */
const worst = { float64: 0, float32: 0, torch: 0, torchRoundTrip: 0 };

function rows(random: Random, count: number, width: number): number[][] {
  return Array.from({ length: count }, () => Array.from({ length: width }, () => (random.uniform() * 2 - 1) * 3));
}

// --- the networks: every activation, depths 0-4, both dtypes, batches of 1, 37 and 1100 rows -----------
interface NetworkCase {
  title: string;
  dtype: Dtype;
  runs: { index: number; expected: Float64Array }[];
}
const networkCases: NetworkCase[] = [];

interface Case {
  file: string;
  dtype: Dtype;
  x: number[][];
  expected: number[][];
}
const fixtures = path.join(__dirname, '..', 'fixtures', 'onnx');
const reference = JSON.parse(fs.readFileSync(path.join(fixtures, 'reference.json'), 'utf8')) as {
  cases: Record<string, Case>;
};
const torchCases = Object.entries(reference.cases).filter(([name]) => name.startsWith('torch-'));
const roundTrips: { name: string; c: Case; index: number }[] = [];
const asWritten: { name: string; c: Case; index: number }[] = [];
let leakyAsWritten = -1;

if (installed) {
  fs.mkdirSync(out, { recursive: true });
  const names = Object.keys(ACTIVATIONS) as Activation['name'][];
  for (const dtype of ['float64', 'float32'] as const) {
    for (const name of names) {
      for (let depth = 0; depth <= 4; depth++) {
        const random = new Random(depth * 31 + names.indexOf(name));
        const hidden: Activation['name'] = name === 'softmax' ? 'tanh' : name;
        const dims = [5, ...Array.from({ length: depth }, (_, i) => 7 + 2 * i), 4];
        const activations = [...new Array<Activation['name']>(depth).fill(hidden), name].map((n) => ACTIVATIONS[n]);
        const net = new Network<Dtype>(dims, activations, { seed: depth + 100, dtype, initializer: 'he' });
        // Biases away from zero so every activation sees both signs.
        for (const layer of net.layers) layer.biases.forEach((_, j) => (layer.biases[j] = random.uniform() - 0.5));
        const title = `${name}, ${depth} hidden, ${dtype}`;
        const bytes = net.toONNX();
        const runs = [1, 37, 1100].map((count) => {
          const x = rows(random, count, 5);
          return { index: queue(`${title} ${count}`, bytes, x, dtype), expected: net.predict(x).data };
        });
        networkCases.push({ title, dtype, runs });
      }
    }
  }
  for (const [name, c] of torchCases) {
    const file = path.join(fixtures, c.file);
    roundTrips.push({
      name,
      c,
      index: queue(`${name} again`, Network.fromONNX(fs.readFileSync(file), { dtype: 'any' }).toONNX(), c.x, c.dtype),
    });
    if (name.includes('leaky')) leakyAsWritten = queue(name, file, c.x, c.dtype);
    else asWritten.push({ name, c, index: queue(name, file, c.x, c.dtype) });
  }
}

// --- a pipeline in the graph builder's terms: what a table-model exporter will write ---------------------
// Raw columns in (a number with NaN for a missing cell, a category as a string), imputation, a missing
// indicator, standardisation and one-hot (unseen -> zeros) in DOUBLE with default-domain operators, the
// network through addNetwork, and labels out through ai.onnx.ml's LabelEncoder. Expected values by hand.
const CLASSES = ['small', 'medium', 'large'];
const COLORS = ['red', 'green', 'blue'];
const AGE = { fill: 40, mean: 38.5, scale: 12.25 };
const pipelineNet = new Network([5, 4, 3], [Relu, Softmax], { seed: 8, backend: 'js' });
const rawRows: { age: number; color: string }[] = [
  { age: 25, color: 'red' },
  { age: Number.NaN, color: 'blue' },
  { age: 61.5, color: 'purple' },
  { age: 38.5, color: '' },
  { age: 0, color: 'green' },
];
let pipelineJob = -1;

function pipelineModel(): Uint8Array {
  const g = new GraphBuilder('pipeline');
  const age = g.input('age', 'double', ['N', 1]);
  const color = g.input('color', 'string', ['N', 1]);
  const label = g.reserve('label');
  const probabilities = g.reserve('probabilities');
  const missing = g.fresh('age/missing');
  g.node('IsNaN', [age], [missing]);
  const imputed = g.fresh('age/imputed');
  g.node('Where', [missing, g.floatInitializer('age/fill', [], Float64Array.of(AGE.fill)), age], [imputed]);
  const centred = g.fresh('age/centred');
  g.node('Sub', [imputed, g.floatInitializer('age/mean', [], Float64Array.of(AGE.mean))], [centred]);
  const scaled = g.fresh('age/scaled');
  g.node('Div', [centred, g.floatInitializer('age/scale', [], Float64Array.of(AGE.scale))], [scaled]);
  const indicator = g.fresh('age/indicator');
  g.node('Cast', [missing], [indicator], { to: { int: 11 } });
  const index = g.fresh('color/index');
  g.node(
    'LabelEncoder',
    [color],
    [index],
    { keys_strings: { strings: COLORS }, values_int64s: { ints: [0, 1, 2] }, default_int64: { int: COLORS.length } },
    { domain: 'ai.onnx.ml' },
  );
  const hot = g.fresh('color/onehot3d');
  // onnxruntime's OneHot has float but no double values; 0 and 1 are exact in both.
  g.node(
    'OneHot',
    [
      index,
      g.int64Initializer('color/depth', [], [COLORS.length]),
      g.floatInitializer('color/values', [2], Float32Array.of(0, 1)),
    ],
    [hot],
    { axis: { int: -1 } },
  );
  const hot64 = g.fresh('color/onehot3d64');
  g.node('Cast', [hot], [hot64], { to: { int: 11 } });
  const flat = g.fresh('color/onehot');
  g.node('Reshape', [hot64, g.int64Initializer('color/shape', [2], [-1, COLORS.length])], [flat]);
  const features = g.fresh('features');
  g.node('Concat', [scaled, indicator, flat], [features], { axis: { int: 1 } });
  addNetwork(g, pipelineNet, features, probabilities, 'network/');
  const best = g.fresh('best');
  g.node('ArgMax', [probabilities], [best], { axis: { int: 1 }, keepdims: { int: 0 } });
  g.node(
    'LabelEncoder',
    [best],
    [label],
    { keys_int64s: { ints: [0, 1, 2] }, values_strings: { strings: CLASSES }, default_string: { string: '' } },
    { domain: 'ai.onnx.ml' },
  );
  g.output(label, 'string', ['N']);
  g.output(probabilities, 'double', ['N', CLASSES.length]);
  return g.toBytes({
    producerName: 'test',
    producerVersion: '0',
    opsets: [
      { domain: '', version: 13 },
      { domain: 'ai.onnx.ml', version: 2 },
    ],
  });
}

/** The same preprocessing, by hand. */
function pipelineByHand(): { labels: string[]; probabilities: Float64Array } {
  const features = rawRows.map(({ age, color }) => {
    const missing = Number.isNaN(age);
    return [
      ((missing ? AGE.fill : age) - AGE.mean) / AGE.scale,
      missing ? 1 : 0,
      ...COLORS.map((c) => (c === color ? 1 : 0)),
    ];
  });
  const probabilities = pipelineNet.predict(features);
  const labels = probabilities.toArray().map((row) => CLASSES[row.indexOf(Math.max(...row))]!);
  return { labels, probabilities: probabilities.data };
}

if (installed) {
  const model = path.join(out, 'pipeline.onnx');
  fs.writeFileSync(model, pipelineModel());
  const feeds: Job['feeds'] = {
    age: {
      type: 'float64',
      shape: [rawRows.length, 1],
      data: rawRows.map((r) => (Number.isNaN(r.age) ? null : r.age)),
    },
    color: { type: 'string', shape: [rawRows.length, 1], data: rawRows.map((r) => r.color) },
  };
  jobs.push({ model, output: 'label', feeds }, { model, output: 'probabilities', feeds });
  pipelineJob = jobs.length - 2;
}

describeOrt('the graph builder writes what a pipeline exporter needs (ai.onnx.ml, strings, NaN cells)', () => {
  it('raw rows in, the hand-computed labels and probabilities out', () => {
    const expected = pipelineByHand();
    const labels = results[pipelineJob]!;
    const probabilities = results[pipelineJob + 1]!;
    expect(labels.error).toBeUndefined();
    expect(probabilities.error).toBeUndefined();
    expect(labels.data).toEqual(expected.labels);
    expect(probabilities.dims).toEqual([rawRows.length, CLASSES.length]);
    expect(
      normwiseError(Float64Array.from(probabilities.data as number[]), expected.probabilities),
    ).toBeLessThanOrEqual(1e-12);
  });
});

beforeAll(() => {
  if (!installed) return;
  const jobsFile = path.join(out, 'jobs.json');
  fs.writeFileSync(jobsFile, JSON.stringify(jobs));
  const child = spawnSync(process.execPath, [path.join(__dirname, 'run-models.js'), jobsFile], {
    encoding: 'utf8',
    maxBuffer: 512 * 2 ** 20,
  });
  if (child.status !== 0) throw new Error(`run-models.js failed (${child.status}): ${child.stderr}`);
  const parsed = JSON.parse(child.stdout) as { onnxruntime: string; results: Result[] };
  results = parsed.results;
  runtimeVersion = parsed.onnxruntime;
});

describeOrt('onnxruntime runs exported networks as predict does', () => {
  it.each(networkCases.map((c) => [c.title, c] as const))('%s', (_title, c) => {
    for (const run of c.runs) {
      const error = normwiseError(outputOf(run.index), run.expected);
      worst[c.dtype] = Math.max(worst[c.dtype], error);
      expect(error).toBeLessThanOrEqual(c.dtype === 'float64' ? 1e-9 : 1e-5);
    }
  });
});

describeOrt("PyTorch's exports, through blasnet and back, in onnxruntime", () => {
  it.each(roundTrips.map((r) => [r.name, r] as const))(
    "%s: export(import(file)) in onnxruntime gives PyTorch's outputs",
    (_name, { c, index }) => {
      const error = normwiseError(outputOf(index), c.expected.flat());
      if (c.dtype === 'float64') worst.torchRoundTrip = Math.max(worst.torchRoundTrip, error);
      expect(error).toBeLessThanOrEqual(c.dtype === 'float64' ? 1e-12 : 1e-6);
    },
  );

  it.each(asWritten.map((r) => [r.name, r] as const))(
    '%s: the file as PyTorch wrote it, in onnxruntime, agrees with PyTorch (the fixture is sound)',
    (_name, { c, index }) => {
      const error = normwiseError(outputOf(index), c.expected.flat());
      if (c.dtype === 'float64') worst.torch = Math.max(worst.torch, error);
      expect(error).toBeLessThanOrEqual(c.dtype === 'float64' ? 1e-12 : 1e-6);
    },
  );

  // onnxruntime has no double LeakyRelu kernel, so PyTorch's float64 LeakyReLU export does not load there;
  // blasnet's re-export of the same model (above) does: it writes Where(z > 0, z, 0.01 z).
  it("PyTorch's own float64 LeakyRelu export is refused by onnxruntime (why blasnet writes Where instead)", () => {
    expect(results[leakyAsWritten]!.error).toMatch(/LeakyRelu/);
  });
});

afterAll(() => {
  if (installed) console.log(`onnxruntime ${runtimeVersion}: largest normwise errors ${JSON.stringify(worst)}`);
});
