/**
 * blasnet's benchmark (issues 4, 16): workloads A, B and C on blasnet and its peers, the dgemm-only bound,
 * memory, and workload D (many small trainings at once on fitAsync's pool, bench/concurrent.ts), in one run
 * that prints its tables and writes bench/results.json.
 *
 *   npm run bench                          threads 1, then all cores; 5 runs per figure
 *   npm run bench -- --threads 2           one thread count (or a list: --threads 1,2)
 *   npm run bench -- --runs 7 --only native,numpy,torch
 *   npm run bench -- --smoke               tiny sizes, one run, a few seconds (CI); results in bench/.build
 *   npm run bench -- --update-readme       also write the table into bench/README.md
 *   npm run bench -- --from bench/results.json [--update-readme]    print (and publish) a past run's table
 *
 * Every implementation runs in a worker process of its own that lives for one thread count; the runs
 * are interleaved (round r runs every implementation once, starting from a different one each round),
 * so drift in this machine's speed spreads over all of them. Progress goes to stderr, the table to stdout.
 */
import { fork, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { blasInfo } from '../lib';
import { makeSuite, type LatencyCase, type Suite, type TrainSpec, type Workload } from './config';
import { BUILD_DIR, prepareData } from './data';
import { compileDgemmProgram, measureBound, type BoundRun } from './dgemm-bound';
import { IMPLEMENTATIONS, pythonExecutable, type Implementation } from './implementations';
import { renderMarkdown, renderTable, targets, updateReadme, type Figure, type Pass, type Results } from './report';
import { WorkerClient } from './worker-client';

const README = path.join(__dirname, 'README.md');

interface Options {
  threads: number[];
  runs: number | undefined;
  smoke: boolean;
  only: string[] | undefined;
  out: string;
  /** Render this results file instead of measuring. */
  from: string | undefined;
  /** Write the table into bench/README.md between its results markers. */
  updateReadme: boolean;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      threads: { type: 'string' },
      runs: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      from: { type: 'string' },
      'update-readme': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run bench -- [--threads 1,2] [--runs N] [--smoke] [--only native,native-f32,js,numpy,seed,torch,tfjs-cpu,tfjs-wasm,brain.js,dgemm,D]\n' +
        '                        [--out FILE] [--update-readme] [--from RESULTS.json]\n',
    );
    process.exit(0);
  }
  const cores = os.availableParallelism();
  const threads = values.threads
    ? values.threads.split(',').map((text) => {
        const n = Number(text);
        if (!Number.isInteger(n) || n < 1)
          throw new Error(`--threads: expected positive integers, got ${values.threads}`);
        return n;
      })
    : [...new Set([1, cores])];
  const runs = values.runs === undefined ? undefined : Number(values.runs);
  if (runs !== undefined && !(Number.isInteger(runs) && runs >= 1))
    throw new Error(`--runs: expected a positive integer, got ${values.runs}`);
  const out =
    values.out ?? (values.smoke ? path.join(BUILD_DIR, 'smoke-results.json') : path.join(__dirname, 'results.json'));
  return {
    threads,
    runs,
    smoke: values.smoke ?? false,
    only: values.only?.split(','),
    out,
    from: values.from,
    updateReadme: values['update-readme'] ?? false,
  };
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function withTimeout<T>(promise: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One thing to measure: training a workload, or predict latency on one of the networks. */
type Task =
  | { id: string; kind: 'train'; unit: 's' | 'samples/s'; workload: Workload }
  | { id: string; kind: 'predict'; unit: 'µs'; workload: Workload; latency: LatencyCase };

interface Context {
  suite: Suite;
  workloads: { A: Workload; B: Workload };
  tasks: Task[];
  implementations: Implementation[];
  dgemm: { program: string } | { skipped: string } | undefined;
  /** What subprocesses get as OPENBLAS_CORETYPE: the core blasnet's OpenBLAS runs. */
  coreType: string;
  /** OPENBLAS_CORETYPE as the user set it before blasnet could, if they did. */
  userCoreType: string | undefined;
}

function trainSpec(
  task: Task & { kind: 'train' },
  implementation: Implementation | undefined,
  suite: Suite,
): TrainSpec {
  const spec = task.workload.train;
  if (task.workload.id === 'B' && implementation?.reducedB)
    return { ...spec, rows: suite.reducedB.rows, epochs: suite.reducedB.epochs };
  return spec;
}

function environment(ctx: Context, threads: number, implementation: Implementation | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_CORETYPE: ctx.coreType,
  };
  // blasnet's own workers choose their core type as any user's process does (unless the user chose).
  const blasnet = ['native', 'native-f32', 'native-avx2', 'native-predictor', 'js'].includes(implementation?.id ?? '');
  if (blasnet && ctx.userCoreType === undefined) delete env.OPENBLAS_CORETYPE;
  return { ...env, ...implementation?.env };
}

/** Why a worker did not start: a library that is not installed (a skip), or a broken one (a problem). */
function explainStart(error: unknown): { reason: string; absent: boolean } {
  const message = error instanceof Error ? error.message : String(error);
  if (/No module named '?(numpy|torch)/.test(message) || /could not start: spawn .*ENOENT/.test(message)) {
    return { reason: `${message.split('\n')[0]} (apt-get install -y python3-numpy python3-torch)`, absent: true };
  }
  return { reason: oneLine(message), absent: false };
}

function oneLine(message: string): string {
  return message.split('\n').slice(0, 3).join(' ');
}

async function startWorkers(
  ctx: Context,
  threads: number,
  implementations: Implementation[],
  pass: Pass,
): Promise<Map<string, WorkerClient>> {
  const workers = new Map<string, WorkerClient>();
  await Promise.all(
    implementations.map(async (implementation) => {
      const reason = implementation.unavailable();
      if (reason) {
        pass.skipped[implementation.id] = reason;
        return;
      }
      const client = new WorkerClient(
        implementation.id,
        implementation.start(threads),
        environment(ctx, threads, implementation),
      );
      try {
        pass.workers[implementation.id] = await withTimeout(client.ready, 180, `${implementation.label} start`);
        workers.set(implementation.id, client);
      } catch (error) {
        const { reason, absent } = explainStart(error);
        pass.skipped[implementation.id] = reason;
        if (!absent) pass.problems.push(`${implementation.label} did not start: ${reason}`);
        client.close();
      }
    }),
  );
  return workers;
}

/** A short fit and a few predictions, so that no measured run pays for loading, JIT or first-touch. */
async function warmUp(ctx: Context, workers: Map<string, WorkerClient>, pass: Pass): Promise<void> {
  for (const [id, client] of workers) {
    try {
      for (const workload of [ctx.workloads.A, ctx.workloads.B]) {
        const spec = workload.train;
        const rows = Math.min(spec.rows, spec.batchSize * 4);
        await client.request('train', { spec: { ...spec, rows, epochs: 1 }, data: workload.data });
      }
      for (const task of ctx.tasks) {
        if (task.kind !== 'predict') continue;
        await client.request('predict', {
          spec: task.workload.train,
          data: task.workload.data,
          rows: task.latency.rows,
          batches: 1,
          batchSeconds: 0.001,
        });
      }
    } catch (error) {
      pass.skipped[id] = `failed while warming up: ${oneLine(String(error))}`;
      pass.problems.push(`${id} failed while warming up: ${String(error)}`);
      client.close();
      workers.delete(id);
    }
  }
}

function newFigure(ctx: Context, task: Task, id: string, label: string, notes: string[]): Figure {
  return {
    task: task.id,
    implementation: id,
    label,
    unit: task.unit,
    values: [],
    losses: [],
    runsPlanned: ctx.suite.runs,
    notes: [...notes],
    details: [],
  };
}

async function measure(ctx: Context, threads: number, workers: Map<string, WorkerClient>, pass: Pass): Promise<void> {
  const { suite } = ctx;
  const figures = new Map<string, Figure>();
  const key = (task: Task, id: string) => `${task.id}|${id}`;
  for (const task of ctx.tasks) {
    if (task.kind === 'train' && ctx.dgemm && 'program' in ctx.dgemm) {
      figures.set(key(task, 'dgemm'), newFigure(ctx, task, 'dgemm', 'dgemm-only bound', []));
    }
    for (const implementation of ctx.implementations) {
      if (!workers.has(implementation.id)) continue;
      if (implementation.tasks !== undefined && !implementation.tasks.includes(task.kind)) continue;
      const workload = task.workload.id;
      if (
        task.kind === 'train' &&
        implementation.workloads !== undefined &&
        !implementation.workloads.includes(workload)
      )
        continue;
      const figure = newFigure(ctx, task, implementation.id, implementation.label, []);
      if (task.kind === 'train' && task.workload.id === 'B' && implementation.reducedB) {
        figure.notes.unshift(
          `reduced: ${suite.reducedB.epochs} epoch of ${suite.reducedB.rows.toLocaleString('en-US')} rows`,
        );
      }
      figures.set(key(task, implementation.id), figure);
    }
  }

  for (let round = 0; round < suite.runs; round++) {
    for (const task of ctx.tasks) {
      const participants = [...figures.values()].filter(
        (f) => f.task === task.id && !f.failed && f.values.length < f.runsPlanned,
      );
      for (const figure of rotate(participants, round)) {
        try {
          await runOnce(ctx, threads, task, figure, workers);
        } catch (error) {
          figure.failed = oneLine(error instanceof Error ? error.message : String(error));
          pass.problems.push(
            `${figure.label} failed on ${task.id}: ${error instanceof Error ? error.message : String(error)}`,
          );
          progress(`  ${figure.label} failed on ${task.id}: ${figure.failed}`);
        }
      }
    }
  }
  pass.figures.push(...figures.values());
}

async function runOnce(
  ctx: Context,
  threads: number,
  task: Task,
  figure: Figure,
  workers: Map<string, WorkerClient>,
): Promise<void> {
  const { suite } = ctx;
  const prefix = `[threads ${threads}] run ${figure.values.length + 1}/${figure.runsPlanned}  ${task.id.padEnd(12)} ${figure.label.padEnd(20)}`;
  let seconds: number;
  if (figure.implementation === 'dgemm') {
    const program = (ctx.dgemm as { program: string }).program;
    const spec = (task as Task & { kind: 'train' }).workload.train;
    const bound: BoundRun = measureBound(program, spec, suite.dgemmRepeats, environment(ctx, threads, undefined));
    seconds = bound.seconds;
    figure.values.push(task.unit === 's' ? bound.seconds : bound.samplesPerSecond);
    figure.details!.push(bound);
  } else if (task.kind === 'train') {
    const implementation = ctx.implementations.find((i) => i.id === figure.implementation);
    const spec = trainSpec(task, implementation, suite);
    const result = await workers
      .get(figure.implementation)!
      .request<{ seconds: number; loss: number; samples: number }>('train', { spec, data: task.workload.data });
    seconds = result.seconds;
    figure.values.push(task.unit === 's' ? result.seconds : result.samples / result.seconds);
    figure.losses!.push(result.loss);
  } else {
    const result = await workers
      .get(figure.implementation)!
      .request<{ microseconds: number; calls: number }>('predict', {
        spec: task.workload.train,
        data: task.workload.data,
        rows: task.latency.rows,
        batches: suite.latencyBatches,
        batchSeconds: suite.latencyBatchSeconds,
      });
    seconds = (result.microseconds * result.calls * suite.latencyBatches) / 1e6;
    figure.values.push(result.microseconds);
  }
  const value = figure.values[figure.values.length - 1]!;
  progress(
    `${prefix} ${task.unit === 'samples/s' ? Math.round(value).toLocaleString('en-US') : value.toPrecision(4)} ${task.unit}`,
  );
  // Very slow implementations get fewer runs (noted in the table).
  if (figure.values.length === 1 && seconds > suite.slowSeconds && figure.runsPlanned > suite.slowRuns) {
    figure.runsPlanned = suite.slowRuns;
    figure.notes.push(`${suite.slowRuns} runs: a run takes over ${suite.slowSeconds} s`);
  }
}

/** Runs bench/memory.ts in a fresh process with --expose-gc. */
function memoryProbe(ctx: Context, workload: Workload, threads: number): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'memory.ts'), [workload.id, String(threads)], {
      execArgv: [...process.execArgv, '--expose-gc'],
      env: environment(ctx, threads, IMPLEMENTATIONS[0]),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.once('message', (reply: { ok: boolean; result?: Record<string, number>; error?: string }) =>
      reply.ok ? resolve(reply.result!) : reject(new Error(reply.error)),
    );
    child.once('exit', (code) => reject(new Error(`memory probe exited with code ${code}: ${stderr.trim()}`)));
    child.send({ spec: workload.train, data: workload.data });
  });
}

async function runPass(ctx: Context, threads: number, first: Pass | undefined): Promise<Pass> {
  const pass: Pass = { threads, figures: [], workers: {}, skipped: {}, memory: {}, problems: [] };
  const implementations = ctx.implementations.filter((i) => first === undefined || i.threaded);
  progress(`\n[threads ${threads}] starting ${implementations.map((i) => i.label).join(', ')}`);
  const workers = await startWorkers(ctx, threads, implementations, pass);
  for (const [id, reason] of Object.entries(pass.skipped)) progress(`  skipped ${id}: ${reason}`);
  try {
    await warmUp(ctx, workers, pass);
    await measure(ctx, threads, workers, pass);
  } finally {
    for (const client of workers.values()) client.close();
  }
  if (first) {
    // Single-threaded implementations were measured in the first pass; show those figures here too.
    for (const figure of first.figures) {
      const implementation = ctx.implementations.find((i) => i.id === figure.implementation);
      if (implementation && !implementation.threaded)
        pass.figures.push({ ...figure, measuredAtThreads: first.threads });
    }
    for (const implementation of ctx.implementations) {
      if (implementation.threaded) continue;
      if (first.workers[implementation.id]) pass.workers[implementation.id] = first.workers[implementation.id]!;
      if (first.skipped[implementation.id]) pass.skipped[implementation.id] = first.skipped[implementation.id]!;
    }
  }
  if (ctx.implementations.some((i) => i.id === 'native')) {
    // Memory figures do not depend on speed, so both probes run at once.
    await Promise.all(
      [ctx.workloads.A, ctx.workloads.B].map(async (workload) => {
        try {
          pass.memory[workload.id] = (await memoryProbe(ctx, workload, threads)) as never;
        } catch (error) {
          pass.memory.error = error instanceof Error ? error.message : String(error);
          pass.problems.push(`memory probe ${workload.id} failed: ${pass.memory.error}`);
        }
      }),
    );
    progress(`[threads ${threads}] memory: ${JSON.stringify(pass.memory)}`);
  }
  return pass;
}

function machineFacts() {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  return {
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    /** Load averages (1, 5, 15 min) when the run started: other work on the machine skews timings. */
    loadAverage: os.loadavg().map((value) => Math.round(value * 100) / 100),
    platform: `${os.type()} ${os.release()} ${process.arch}`,
    node: process.version,
    python: pythonExecutable(),
    loadAverageAtEnd: [] as number[],
  };
}

function publish(results: Results, options: Options): void {
  process.stdout.write(`${renderTable(results)}\n`);
  if (options.updateReadme) {
    if (results.smoke) throw new Error("--update-readme: a smoke run's figures mean nothing; run without --smoke");
    updateReadme(README, renderMarkdown(results));
    progress(`table written into ${path.relative(process.cwd(), README)}`);
  }
}

/** Runs bench/concurrent.ts with OpenBLAS at `threads`; prints its table; returns its figures. */
function runWorkloadD(threads: number, smoke: boolean): unknown {
  const json = path.join(BUILD_DIR, `workload-d-${threads}.json`);
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  const args = [
    '--require',
    require.resolve('tsx/cjs'),
    path.join(__dirname, 'concurrent.ts'),
    '--json',
    json,
    ...(smoke ? ['--smoke'] : []),
  ];
  progress(`workload D, OpenBLAS threads ${threads}`);
  const run = spawnSync(process.execPath, args, {
    env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads) },
    encoding: 'utf8',
    timeout: 600_000,
  });
  process.stdout.write(`\n${run.stdout}`);
  if (run.status !== 0) {
    process.stderr.write(run.stderr);
    process.exitCode = 1;
    return { threads, failed: run.stderr.split('\n').slice(0, 3).join(' ') || `exit ${String(run.status)}` };
  }
  return JSON.parse(fs.readFileSync(json, 'utf8')) as unknown;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const started = new Date().toISOString();
  if (options.from) {
    publish(JSON.parse(fs.readFileSync(options.from, 'utf8')) as Results, options);
    return;
  }
  const userCoreType = process.env.OPENBLAS_CORETYPE;
  const blas = blasInfo();
  const suite = makeSuite({ smoke: options.smoke, runs: options.runs });
  const workloads = prepareData(suite);
  const tasks: Task[] = [
    { id: 'A', kind: 'train', unit: 's', workload: workloads.A },
    { id: 'B', kind: 'train', unit: 'samples/s', workload: workloads.B },
    ...suite.latency.map((latency) => ({
      id: latency.id,
      kind: 'predict' as const,
      unit: 'µs' as const,
      workload: workloads[latency.network],
      latency,
    })),
  ];
  const wanted = (id: string) => !options.only || options.only.includes(id);
  const ctx: Context = {
    suite,
    workloads,
    tasks,
    implementations: IMPLEMENTATIONS.filter((i) => wanted(i.id)),
    dgemm: wanted('dgemm') ? compileDgemmProgram() : undefined,
    coreType: blas.core,
    userCoreType,
  };
  if (ctx.dgemm && 'skipped' in ctx.dgemm) progress(`dgemm bound skipped: ${ctx.dgemm.skipped}`);

  const machine = machineFacts();
  const passes: Pass[] = [];
  for (const threads of options.threads) passes.push(await runPass(ctx, threads, passes[0]));
  machine.loadAverageAtEnd = os.loadavg().map((value) => Math.round(value * 100) / 100);

  const results: Results = {
    date: started,
    smoke: suite.smoke,
    machine,
    blas: {
      version: blas.version,
      core: blas.core,
      coreSource: blas.coreSource,
      config: blas.config,
      processors: blas.processors,
    },
    subprocessEnvironment: {
      OPENBLAS_CORETYPE: ctx.coreType,
      OPENBLAS_NUM_THREADS: '<threads>',
      OMP_NUM_THREADS: '<threads>',
    },
    dgemmProgram: ctx.dgemm ?? { skipped: 'not selected' },
    workloads: { A: workloads.A, B: workloads.B, reducedB: suite.reducedB, latency: suite.latency },
    implementations: ctx.implementations.map(({ id, label, threaded, reducedB, notes }) => ({
      id,
      label,
      threaded,
      reducedB,
      notes,
    })),
    runs: suite.runs,
    passes,
    targets: [],
  };
  results.targets = targets(results);
  // Workload D (many small trainings at once, bench/concurrent.ts): a process of its own per thread count.
  if (wanted('D'))
    (results as Results & { workloadD?: unknown[] }).workloadD = options.threads.map((threads) =>
      runWorkloadD(threads, options.smoke),
    );
  fs.mkdirSync(path.dirname(options.out), { recursive: true });
  fs.writeFileSync(options.out, `${JSON.stringify(results, null, 1)}\n`);
  publish(results, options);
  progress(`results: ${path.relative(process.cwd(), options.out)}`);
  // Absent peers are skipped; one that is present and breaks fails the run (so CI's smoke run notices).
  const problems = passes.flatMap((pass) => pass.problems.map((problem) => `[threads ${pass.threads}] ${problem}`));
  if (problems.length > 0) {
    process.stderr.write(`\n${problems.length} problem${problems.length > 1 ? 's' : ''}:\n${problems.join('\n')}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
