/**
 * The benchmark's results: their shape in bench/results.json, the one table printed, and the targets of
 * issue 4 checked against them.
 */
import * as fs from 'node:fs';

import type { LatencyCase, Suite, Workload } from './config';
import type { BoundRun } from './dgemm-bound';
import { median } from './workers/kit';

export interface Figure {
  task: string;
  /** An implementation id (implementations.ts) or 'dgemm' for the dgemm-only bound. */
  implementation: string;
  label: string;
  unit: 's' | 'samples/s' | 'µs';
  values: number[];
  /** Final reported loss of each training run (a check that every implementation learns alike). */
  losses?: number[];
  runsPlanned: number;
  notes: string[];
  failed?: string;
  /** Set on single-threaded implementations' figures shown again at another thread count. */
  measuredAtThreads?: number;
  details?: BoundRun[];
}

export interface MemoryFigures {
  A?: {
    heapAllocatedMB: number;
    heapAllocatedMinMB: number;
    heapAllocatedMaxMB: number;
    gcsDuringFit: number;
    bytesPerStep: number;
    heapRetainedMB: number;
    rssGrowthMB: number;
    externalGrowthMB: number;
  };
  B?: {
    peakRssMB: number;
    baselineRssMB: number;
    dataMB: number;
    parametersMB: number;
    budgetMB: number;
    overBaselineMB: number;
    trainingWorkspaceMB?: number;
    evaluationWorkspaceMB?: number;
  };
  error?: string;
}

export interface Pass {
  threads: number;
  figures: Figure[];
  /** What each worker reported about itself (library versions, OpenBLAS core and threads it runs). */
  workers: Record<string, Record<string, unknown>>;
  skipped: Record<string, string>;
  memory: MemoryFigures;
  /** What broke (as opposed to what is not installed): any of these makes the run exit non-zero. */
  problems: string[];
}

export interface Target {
  threads: number;
  target: string;
  measured: string;
  met: boolean | null;
}

export interface Results {
  date: string;
  smoke: boolean;
  machine: {
    cpu: string;
    cores: number;
    memoryGB: number;
    loadAverage: number[];
    loadAverageAtEnd: number[];
    platform: string;
    node: string;
    python: string;
  };
  blas: { version: string; core: string; coreSource: string; config: string; processors: number };
  subprocessEnvironment: Record<string, string>;
  dgemmProgram: unknown;
  workloads: { A: Workload; B: Workload; reducedB: Suite['reducedB']; latency: LatencyCase[] };
  implementations: { id: string; label: string; threaded: boolean; reducedB: boolean; notes: string[] }[];
  runs: number;
  passes: Pass[];
  targets: Target[];
}

const ORDER = [
  'dgemm',
  'native',
  'native-predictor',
  'native-avx2',
  'native-f32',
  'js',
  'numpy',
  'seed',
  'torch',
  'tfjs-cpu',
  'tfjs-wasm',
  'brain.js',
];
const LABELS: Record<string, string> = {
  native: 'blasnet native',
  js: 'blasnet js backend',
  numpy: 'numpy baseline',
  seed: "the seed's numpy code",
  torch: 'PyTorch CPU',
  'tfjs-cpu': 'tfjs cpu',
  'tfjs-wasm': 'tfjs wasm',
  'brain.js': 'brain.js',
};

export function summary(values: readonly number[]): { median: number; min: number; max: number } | undefined {
  if (values.length === 0) return undefined;
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

function figureOf(pass: Pass, task: string, implementation: string): Figure | undefined {
  return pass.figures.find((f) => f.task === task && f.implementation === implementation);
}

/**
 * The median over rounds of a per-round ratio: runs of the same round are close in time, so drift in the
 * machine's speed cancels. Figures from different passes (a single-threaded figure shown at another
 * thread count) have no rounds in common: for them, the ratio of the medians.
 */
function pairedRatio(a: Figure, b: Figure, ratio: (x: number, y: number) => number): number | undefined {
  const ma = summary(a.values)?.median;
  const mb = summary(b.values)?.median;
  if (ma === undefined || mb === undefined) return undefined;
  if (a.measuredAtThreads !== b.measuredAtThreads) return ratio(ma, mb);
  const rounds = Math.min(a.values.length, b.values.length);
  return median(Array.from({ length: rounds }, (_, i) => ratio(a.values[i]!, b.values[i]!)));
}

/** How many times slower than blasnet native (above 1: native is faster). */
export function slowdown(figure: Figure, native: Figure | undefined): number | undefined {
  if (!native) return undefined;
  return pairedRatio(figure, native, (a, n) => (figure.unit === 'samples/s' ? n / a : a / n));
}

/** blasnet native's speed as a fraction of the dgemm-only bound's. */
export function fractionOfBound(bound: Figure, native: Figure | undefined): number | undefined {
  if (!native) return undefined;
  return pairedRatio(bound, native, (b, n) => (bound.unit === 'samples/s' ? n / b : b / n));
}

function number(value: number, unit: Figure['unit']): string {
  if (unit === 'samples/s' || value >= 10000) return Math.round(value).toLocaleString('en-US');
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  if (value >= 1) return value.toFixed(2);
  if (value >= 0.01) return value.toFixed(3);
  return value.toPrecision(2);
}

function cell(figure: Figure | undefined): string {
  if (!figure) return '';
  const s = summary(figure.values);
  if (!s) return figure.failed ? 'failed' : '';
  const runs = figure.values.length;
  const spread = runs > 1 ? `${number(s.min, figure.unit)}–${number(s.max, figure.unit)}, ${runs} runs` : '1 run';
  return `${number(s.median, figure.unit)} (${spread})`;
}

function ratioText(value: number | undefined): string {
  if (value === undefined) return '';
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}x`;
}

function taskTitle(results: Results, task: string): string {
  const { A, B, latency } = results.workloads;
  if (task === 'A') return `A: fit, ${A.train.dims.join('-')}, ${A.train.epochs} epochs (s)`;
  if (task === 'B') return `B: training, ${B.train.dims.join('-')} (samples/s)`;
  const c = latency.find((l) => l.id === task);
  if (!c) return task;
  const dims = (c.network === 'A' ? A : B).train.dims.join('-');
  return `C: predict ${c.rows} row${c.rows > 1 ? 's' : ''}, ${dims} (µs/call)`;
}

function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function tasksOf(results: Results): string[] {
  return ['A', 'B', ...results.workloads.latency.map((l) => l.id)];
}

function versionNote(results: Results, implementation: string): string | undefined {
  for (const pass of results.passes) {
    const info = pass.workers[implementation];
    if (!info) continue;
    const core = info.core as string | undefined;
    if ((implementation === 'numpy' || implementation === 'torch') && core && core !== results.blas.core) {
      return `its OpenBLAS runs core ${core}, not ${results.blas.core}`;
    }
  }
  return undefined;
}

/** The one table: a row per workload and implementation, a pair of columns per thread count. */
function renderParts(results: Results): {
  title: string;
  facts: string[];
  table: string;
  notes: string[];
  targets: string[];
} {
  const passes = results.passes;
  const header = ['workload', 'implementation'];
  for (const pass of passes)
    header.push(`${pass.threads} thread${pass.threads > 1 ? 's' : ''}: median (min–max, runs)`, 'vs native');
  header.push('notes');
  const rows: string[][] = [];
  for (const task of tasksOf(results)) {
    for (const implementation of ORDER) {
      const figures = passes.map((pass) => figureOf(pass, task, implementation));
      const skippedReason = passes.map((pass) => pass.skipped[implementation]).find(Boolean);
      // A skipped implementation gets one row (under A), with the reason.
      if (figures.every((f) => !f) && !(skippedReason && implementation !== 'dgemm' && task === 'A')) continue;
      if (implementation === 'dgemm' && figures.every((f) => !f)) continue;
      const label = figures.find(Boolean)?.label ?? LABELS[implementation] ?? implementation;
      const row = [taskTitle(results, task), label];
      const notes = new Set<string>();
      passes.forEach((pass, i) => {
        const figure = figures[i];
        if (!figure) {
          row.push(pass.skipped[implementation] ? 'skipped' : '', '');
          return;
        }
        row.push(cell(figure));
        const native = figureOf(pass, task, 'native');
        if (implementation === 'dgemm') {
          const fraction = fractionOfBound(figure, native);
          row.push(fraction === undefined ? '' : `native at ${fraction.toFixed(2)} of it`);
        } else {
          row.push(implementation === 'native' ? '1' : ratioText(slowdown(figure, native)));
        }
        figure.notes.forEach((note) => notes.add(note));
        if (figure.failed) notes.add(`failed: ${figure.failed}`);
        if (figure.measuredAtThreads !== undefined)
          notes.add(`single-threaded: the ${figure.measuredAtThreads}-thread run's figure`);
      });
      if (skippedReason && figures.every((f) => !f)) notes.add(`skipped: ${skippedReason}`);
      const coreNote = versionNote(results, implementation);
      if (coreNote) notes.add(coreNote);
      row.push([...notes].join('; '));
      rows.push(row);
    }
  }
  // Memory (blasnet native).
  const memoryRow = (title: string, text: (m: MemoryFigures) => string | undefined, note: string) => {
    const row = [title, 'blasnet native'];
    for (const pass of passes) row.push(text(pass.memory) ?? (pass.memory.error ? 'failed' : ''), '');
    row.push(note);
    rows.push(row);
  };
  const mb = (value: number) => `${value.toFixed(value < 10 ? 2 : 0)} MB`;
  memoryRow(
    "memory: JS heap allocated during A's fit",
    (m) =>
      m.A &&
      `${mb(m.A.heapAllocatedMB)} (${mb(m.A.heapAllocatedMinMB)}–${mb(m.A.heapAllocatedMaxMB)}, 5 fits; ${m.A.bytesPerStep.toFixed(0)} B/step)`,
    'target < 1 MB; after a warm-up fit; B/step: all of it over the steps',
  );
  memoryRow(
    "memory: over 5 of A's fits, heap kept / RSS growth",
    (m) => m.A && `${mb(m.A.heapRetainedMB)} / ${mb(m.A.rssGrowthMB)}`,
    'after forced GCs',
  );
  const lastB = [...passes].reverse().find((p) => p.memory.B)?.memory.B;
  const known =
    lastB?.evaluationWorkspaceMB !== undefined && lastB.trainingWorkspaceMB !== undefined
      ? `; beyond the data: parameters ${mb(lastB.parametersMB)}, gradients ${mb(lastB.parametersMB)}, training workspace ${mb(lastB.trainingWorkspaceMB)}, loss/predict workspace ${mb(lastB.evaluationWorkspaceMB)}`
      : '';
  memoryRow(
    'memory: B peak RSS (budget)',
    (m) => m.B && `${mb(m.B.peakRssMB)} (${mb(m.B.budgetMB)})`,
    `budget: RSS with blasnet loaded (${lastB ? mb(lastB.baselineRssMB) : '?'}) + data (${lastB ? mb(lastB.dataMB) : '?'}) + 3x parameters${known}`,
  );

  const { machine, blas } = results;
  const facts = [
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGB} GB, ${machine.platform}, node ${machine.node}; load average ${machine.loadAverage[0]} at the start, ${machine.loadAverageAtEnd[0]} at the end`,
    `OpenBLAS ${blas.version}, core ${blas.core} (${blas.coreSource}); numpy, PyTorch and the dgemm program run with OPENBLAS_CORETYPE=${results.subprocessEnvironment.OPENBLAS_CORETYPE}, OPENBLAS_NUM_THREADS and OMP_NUM_THREADS = threads`,
    `${workerVersions(results)}`,
    "Cells: median (min–max, runs). \"vs native\": the row's time / blasnet native's (for B: native samples/s / the row's), the median of the ratios of runs made in the same round; above 1, blasnet native is faster.",
  ];
  const notes: string[] = [];
  if (results.passes.some((p) => p.figures.some((f) => f.implementation === 'dgemm'))) {
    notes.push(
      "dgemm-only bound: bench/native/dgemm_shapes.cc, raw cblas_dgemm at exactly the products of the fit (every step's forward, weight gradients and deltas, and the loss reports' forward passes); the time fit would take if everything else were free",
    );
  }
  for (const implementation of results.implementations) {
    if (implementation.notes.length) notes.push(`${implementation.label}: ${implementation.notes.join('; ')}`);
  }
  const goals = results.smoke
    ? []
    : results.targets.map(
        (t) =>
          `threads ${t.threads}: ${t.target}: ${t.measured} -> ${t.met === null ? 'not measured' : t.met ? 'met' : 'MISSED'}`,
      );
  return {
    title: `blasnet benchmark${results.smoke ? ' (SMOKE: tiny sizes, figures mean nothing)' : ''}, ${results.date.slice(0, 16).replace('T', ' ')} UTC`,
    facts,
    table: markdownTable(header, rows),
    notes,
    targets: goals,
  };
}

/** The table with its header and footnotes, for the terminal. */
export function renderTable(results: Results): string {
  const parts = renderParts(results);
  const lines = [
    parts.title,
    ...parts.facts,
    '',
    parts.table,
    '',
    'Implementations:',
    ...parts.notes.map((n) => `  ${n}`),
  ];
  if (parts.targets.length) lines.push('', 'Targets (issue 4):', ...parts.targets.map((t) => `  ${t}`));
  return lines.join('\n');
}

/** The same for bench/README.md: lists instead of indented lines. */
export function renderMarkdown(results: Results): string {
  const parts = renderParts(results);
  const lines = [
    `**${parts.title}**`,
    '',
    ...parts.facts.map((f) => `- ${f}`),
    '',
    parts.table,
    '',
    'Implementations:',
    '',
    ...parts.notes.map((n) => `- ${n}`),
  ];
  if (parts.targets.length) lines.push('', 'Targets (issue 4):', '', ...parts.targets.map((t) => `- ${t}`));
  return lines.join('\n');
}

function workerVersions(results: Results): string {
  const seen = new Map<string, string>();
  for (const pass of results.passes) {
    for (const [id, info] of Object.entries(pass.workers)) {
      if (id === 'native' || id === 'native-f32' || id === 'js') continue;
      const library = info.library as string | undefined;
      if (library && !seen.has(library)) seen.set(library, id);
    }
  }
  const python = results.passes.map((p) => p.workers.numpy ?? p.workers.torch).find(Boolean);
  const extra = python ? `, Python ${String(python.python)}` : '';
  return `Peers: ${[...seen.keys()].join(', ') || 'none'}${extra}`;
}

/** Issue 4's targets, per thread count. */
export function targets(results: Results): Target[] {
  if (results.smoke) return [];
  const out: Target[] = [];
  for (const pass of results.passes) {
    const t = (target: string, measured: string, met: boolean | null) =>
      out.push({ threads: pass.threads, target, measured, met });
    const native = (task: string) => figureOf(pass, task, 'native');
    const vs = (task: string, peer: string) => {
      const figure = figureOf(pass, task, peer);
      return figure ? slowdown(figure, native(task)) : undefined;
    };
    const x = (value: number | undefined) => (value === undefined ? 'n/a' : `native ${value.toFixed(2)}x faster`);
    const numpyA = vs('A', 'numpy');
    t('A: native >= 10x faster than numpy', x(numpyA), numpyA === undefined ? null : numpyA >= 10);
    t('A: native >= 16x faster than numpy (issue 20)', x(numpyA), numpyA === undefined ? null : numpyA >= 16);
    const seedA = vs('A', 'seed');
    t(
      "A: native >= 27x faster than the seed's numpy code (issue 20)",
      seedA === undefined ? `n/a${pass.skipped.seed ? ` (${pass.skipped.seed.split(':')[0]})` : ''}` : x(seedA),
      seedA === undefined ? null : seedA >= 27,
    );
    const float32B = vs('B', 'native-f32');
    t(
      'B: float32 >= 1.7x the float64 throughput',
      float32B === undefined ? 'n/a' : `float32 ${(1 / float32B).toFixed(2)}x float64`,
      float32B === undefined ? null : 1 / float32B >= 1.7,
    );
    const torchA = vs('A', 'torch');
    t('A: native faster than PyTorch', x(torchA), torchA === undefined ? null : torchA > 1);
    const boundFigure = figureOf(pass, 'B', 'dgemm');
    const fraction = boundFigure ? fractionOfBound(boundFigure, native('B')) : undefined;
    t(
      'B: native >= 0.85 of the dgemm-only bound',
      fraction === undefined ? 'n/a' : `${fraction.toFixed(2)} of it`,
      fraction === undefined ? null : fraction >= 0.85,
    );
    const numpyB = vs('B', 'numpy');
    t('B: native faster than numpy', x(numpyB), numpyB === undefined ? null : numpyB > 1);
    const torchB = vs('B', 'torch');
    t('B: native faster than PyTorch', x(torchB), torchB === undefined ? null : torchB > 1);
    const latency = summary(native('C A 1 row')?.values ?? [])?.median;
    t(
      'C: 1-row predict on 64-15-10 under 1 µs',
      latency === undefined ? 'n/a' : `${latency.toFixed(2)} µs`,
      latency === undefined ? null : latency < 1,
    );
    const prepared = figureOf(pass, 'C A 1 row', 'native-predictor');
    const preparedLatency = summary(prepared?.values ?? [])?.median;
    const plain = native('C A 1 row');
    const preparedVs = prepared && plain ? slowdown(plain, prepared) : undefined;
    t(
      'C: 1-row predict on 64-15-10 with net.predictor() <= 0.5 µs (issue 20)',
      preparedLatency === undefined
        ? 'n/a'
        : `${preparedLatency.toFixed(2)} µs${preparedVs === undefined ? '' : `, ${preparedVs.toFixed(2)}x faster than predict`}`,
      preparedLatency === undefined ? null : preparedLatency <= 0.5,
    );
    const { A, B } = pass.memory;
    t(
      "memory: JS heap allocated during A's fit < 1 MB",
      A ? `${A.heapAllocatedMB.toFixed(2)} MB` : 'n/a',
      A ? A.heapAllocatedMB < 1 : null,
    );
    t(
      'memory: B peak RSS < baseline + data + 3x parameters',
      B ? `${B.peakRssMB.toFixed(0)} MB vs ${B.budgetMB.toFixed(0)} MB` : 'n/a',
      B ? B.peakRssMB < B.budgetMB : null,
    );
  }
  return out;
}

const BEGIN = '<!-- results:begin -->';
const END = '<!-- results:end -->';

/** Replaces what lies between the README's results markers with the table. */
export function updateReadme(file: string, table: string): void {
  const text = fs.readFileSync(file, 'utf8');
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${file} has no ${BEGIN} ... ${END} markers`);
  const block = `${BEGIN}\n${table}\n${END}`;
  fs.writeFileSync(file, text.slice(0, start) + block + text.slice(end + END.length));
}
