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

import { ACTIVATIONS, Network, Random, type Activation, type Dtype } from '../../lib';
import { normwiseError } from '../helpers/numbers';

const installed = fs.existsSync(path.join(__dirname, 'node_modules', 'onnxruntime-node', 'package.json'));
if (!installed && process.env.CI) {
  throw new Error('onnxruntime-node must be installed in CI: ONNXRUNTIME_NODE_INSTALL=skip npm ci --prefix test/onnx-runtime');
}
const describeOrt = installed ? describe : describe.skip;
if (!installed) {
  console.warn('test/onnx-runtime skipped: onnxruntime-node is not installed (ONNXRUNTIME_NODE_INSTALL=skip npm ci --prefix test/onnx-runtime)');
}

/** One model run in onnxruntime (run-models.js), and what its outputs must equal. */
interface Job {
  model: string;
  dtype: Dtype;
  input: string;
  output: string;
  shape: [number, number];
  data: number[];
}
interface Result {
  dims?: number[];
  data?: number[];
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
  expect(result.dims![0]).toBe(job.shape[0]);
  return Float64Array.from(result.data!);
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
const reference = JSON.parse(fs.readFileSync(path.join(fixtures, 'reference.json'), 'utf8')) as { cases: Record<string, Case> };
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
    roundTrips.push({ name, c, index: queue(`${name} again`, Network.fromONNX(fs.readFileSync(file)).toONNX(), c.x, c.dtype) });
    if (name.includes('leaky')) leakyAsWritten = queue(name, file, c.x, c.dtype);
    else asWritten.push({ name, c, index: queue(name, file, c.x, c.dtype) });
  }
}

beforeAll(() => {
  if (!installed) return;
  const jobsFile = path.join(out, 'jobs.json');
  fs.writeFileSync(jobsFile, JSON.stringify(jobs));
  const child = spawnSync(process.execPath, [path.join(__dirname, 'run-models.js'), jobsFile], { encoding: 'utf8', maxBuffer: 512 * 2 ** 20 });
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
  it.each(roundTrips.map((r) => [r.name, r] as const))("%s: export(import(file)) in onnxruntime gives PyTorch's outputs", (_name, { c, index }) => {
    const error = normwiseError(outputOf(index), c.expected.flat());
    if (c.dtype === 'float64') worst.torchRoundTrip = Math.max(worst.torchRoundTrip, error);
    expect(error).toBeLessThanOrEqual(c.dtype === 'float64' ? 1e-12 : 1e-6);
  });

  it.each(asWritten.map((r) => [r.name, r] as const))('%s: the file as PyTorch wrote it, in onnxruntime, agrees with PyTorch (the fixture is sound)', (_name, { c, index }) => {
    const error = normwiseError(outputOf(index), c.expected.flat());
    if (c.dtype === 'float64') worst.torch = Math.max(worst.torch, error);
    expect(error).toBeLessThanOrEqual(c.dtype === 'float64' ? 1e-12 : 1e-6);
  });

  // onnxruntime has no double LeakyRelu kernel, so PyTorch's float64 LeakyReLU export does not load there;
  // blasnet's re-export of the same model (above) does: it writes Where(z > 0, z, 0.01 z).
  it("PyTorch's own float64 LeakyRelu export is refused by onnxruntime (why blasnet writes Where instead)", () => {
    expect(results[leakyAsWritten]!.error).toMatch(/LeakyRelu/);
  });
});

afterAll(() => {
  if (installed) console.log(`onnxruntime ${runtimeVersion}: largest normwise errors ${JSON.stringify(worst)}`);
});
