/**
 * Every implementation the benchmark runs, how its worker starts, and the limits the table notes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { WorkerStart } from './worker-client';

export interface Implementation {
  id: string;
  label: string;
  /**
   * Whether the thread count reaches it. Those that run on one thread whatever the count are measured
   * at the first thread count only, and that figure is shown for the others.
   */
  threaded: boolean;
  /** Trains on the suite's reduced B (fewer rows, one epoch) because all of B would take minutes. */
  reducedB: boolean;
  /** Its limits, shown in the table's notes. */
  notes: string[];
  /** The kinds of task it is measured on, when not all (a predict-only variant). */
  tasks?: readonly ('train' | 'predict')[];
  /** The training workloads it is measured on, when not all. */
  workloads?: readonly ('A' | 'B')[];
  /** Environment variables its worker gets on top of the bench's own. */
  env?: Readonly<Record<string, string>>;
  /** Why it cannot run on this machine, when it cannot. */
  unavailable(): string | undefined;
  start(threads: number): WorkerStart;
}

const WORKERS = path.join(__dirname, 'workers');
const PEERS = path.join(__dirname, 'peers', 'node_modules');

/** The Python with Debian's python3-numpy and python3-torch: /usr/bin/python3 unless BENCH_PYTHON says. */
export function pythonExecutable(): string {
  if (process.env.BENCH_PYTHON) return process.env.BENCH_PYTHON;
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

function nodePeer(packages: string[]): () => string | undefined {
  return () => {
    const missing = packages.filter((name) => !fs.existsSync(path.join(PEERS, name, 'package.json')));
    return missing.length ? `${missing.join(', ')} not installed (npm run bench:peers)` : undefined;
  };
}

function python(name: string): Implementation['start'] {
  return (threads) => ({
    kind: 'python',
    python: pythonExecutable(),
    file: path.join(__dirname, 'python', 'worker.py'),
    args: [name, String(threads)],
  });
}

const available = () => undefined;

/** The environment variable naming a copy of the seed's blog post, for the `seed` row. */
export const SEED_MARKDOWN = 'BLASNET_SEED_MARKDOWN';

export const IMPLEMENTATIONS: Implementation[] = [
  {
    id: 'native',
    label: 'blasnet native',
    threaded: true,
    reducedB: false,
    notes: [],
    unavailable: available,
    start: (threads) => ({ kind: 'node', file: path.join(WORKERS, 'blasnet.ts'), args: ['native', String(threads)] }),
  },
  {
    id: 'native-f32',
    label: 'blasnet native float32',
    threaded: true,
    reducedB: false,
    notes: ["dtype: 'float32': cblas_sgemm and float loops, Float32Array parameters (data converted once per fit)"],
    unavailable: available,
    start: (threads) => ({
      kind: 'node',
      file: path.join(WORKERS, 'blasnet.ts'),
      args: ['native', String(threads), 'float32'],
    }),
  },
  {
    id: 'native-predictor',
    label: 'blasnet native, predictor',
    threaded: true,
    reducedB: false,
    notes: ['C only: net.predictor({ rows }) prepared once, then run(matrix) per call (its result array reused)'],
    tasks: ['predict'],
    unavailable: available,
    start: (threads) => ({
      kind: 'node',
      file: path.join(WORKERS, 'blasnet.ts'),
      args: ['native', String(threads), 'float64', 'predictor'],
    }),
  },
  {
    id: 'native-avx2',
    label: 'blasnet native, AVX2 clone',
    threaded: true,
    reducedB: false,
    notes: [
      "BLASNET_SMALL_GEMM=avx2: the small-matrix kernel's AVX2 clone even on an AVX-512 CPU (on an AVX2-only one, what native runs anyway)",
    ],
    env: { BLASNET_SMALL_GEMM: 'avx2' },
    unavailable: available,
    start: (threads) => ({ kind: 'node', file: path.join(WORKERS, 'blasnet.ts'), args: ['native', String(threads)] }),
  },
  {
    id: 'js',
    label: 'blasnet js backend',
    threaded: false,
    reducedB: true,
    notes: ['pure TypeScript, one thread; trains on reduced B'],
    unavailable: available,
    start: () => ({ kind: 'node', file: path.join(WORKERS, 'blasnet.ts'), args: ['js', '1'] }),
  },
  {
    id: 'numpy',
    label: 'numpy baseline',
    threaded: true,
    reducedB: false,
    notes: ["bench/python/numpy_mlp.py: the numpy reference program's algorithm with blasnet's conventions, float64"],
    unavailable: available,
    start: python('numpy'),
  },
  {
    id: 'seed',
    label: "the seed's numpy code",
    threaded: true,
    reducedB: false,
    notes: [
      `bench/python/seed_mlp.py: the seed post's own Network, read from ${SEED_MARKDOWN} at run time (it has no licence, so the repository has no copy)`,
      'A only, timing only: its MSE.delta bug changes what it learns, not what a step costs; whole batches only (119 steps an epoch)',
    ],
    tasks: ['train'],
    workloads: ['A'],
    unavailable: () => {
      const file = process.env[SEED_MARKDOWN];
      if (!file) {
        return `${SEED_MARKDOWN} is not set: point it at a copy of the seed's blog post (a Markdown file) to time its numpy code`;
      }
      return fs.existsSync(file) ? undefined : `${SEED_MARKDOWN} names ${JSON.stringify(file)}, which does not exist`;
    },
    start: python('seed'),
  },
  {
    id: 'torch',
    label: 'PyTorch CPU',
    threaded: true,
    reducedB: false,
    notes: ['bench/python/torch_mlp.py: torch.nn + torch.optim.SGD, float64, torch.set_num_threads(threads)'],
    unavailable: available,
    start: python('torch'),
  },
  {
    id: 'tfjs-cpu',
    label: 'tfjs cpu',
    threaded: false,
    reducedB: true,
    notes: [
      'model.fit (yieldEvery never) + model.evaluate',
      'float32 only',
      'one thread',
      'trains on reduced B',
      '@tensorflow/tfjs-node cannot install offline (its install script downloads libtensorflow)',
    ],
    unavailable: nodePeer(['@tensorflow/tfjs']),
    start: () => ({ kind: 'node', file: path.join(WORKERS, 'tfjs.js'), args: ['cpu'], execArgv: [] }),
  },
  {
    id: 'tfjs-wasm',
    label: 'tfjs wasm',
    threaded: false,
    reducedB: true,
    notes: ['as tfjs cpu', 'float32 only', 'SIMD, one thread (no threaded wasm in Node)', 'trains on reduced B'],
    unavailable: nodePeer(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm']),
    start: () => ({ kind: 'node', file: path.join(WORKERS, 'tfjs.js'), args: ['wasm'], execArgv: [] }),
  },
  {
    id: 'brain.js',
    label: 'brain.js',
    threaded: false,
    reducedB: true,
    notes: [
      'NeuralNetwork.train: one row per step (no minibatches), no reshuffle, momentum 0.1 (it rejects 0)',
      'one activation for every layer (sigmoid)',
      'its error is measured while training, every epoch',
      'predict of 64 rows is 64 calls of run()',
      'trains on reduced B',
    ],
    unavailable: nodePeer(['brain.js']),
    start: () => ({ kind: 'node', file: path.join(WORKERS, 'brainjs.js'), args: [], execArgv: [] }),
  },
];
