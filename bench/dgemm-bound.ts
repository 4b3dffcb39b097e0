/**
 * The dgemm-only bound: bench/native/dgemm_shapes.cc, compiled here against the OpenBLAS that blasnet's
 * own build finds (tools/find-openblas.js), times raw cblas_dgemm at exactly the products a fit makes
 * (config.ts fitProducts: every step's forward, weight-gradient and delta products, and the loss
 * report's forward passes). Their summed time is what fit would take if everything but dgemm were free.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { fitProducts, flops, type TrainSpec } from './config';
import { BUILD_DIR } from './data';
import { median } from './workers/kit';

const ROOT = path.join(__dirname, '..');

export type Compiled = { program: string; command: string } | { skipped: string };

/**
 * Compiles a bench program against blasnet's OpenBLAS into bench/.build, again only when a file or the
 * command changed. `files` are relative to the repository root: the .cc files are compiled, headers
 * listed only count as changes.
 */
export function compileNativeProgram(name: string, files: string[], flags: string[] = ['-O2']): Compiled {
  const program = path.join(BUILD_DIR, name);
  let includeDirs: string;
  let libraries: string;
  try {
    const find = (flag: string) =>
      execFileSync(process.execPath, [path.join(ROOT, 'tools', 'find-openblas.js'), flag], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }).trim();
    includeDirs = find('--include-dirs');
    libraries = find('--libraries');
  } catch {
    return { skipped: 'OpenBLAS headers not found (tools/find-openblas.js)' };
  }
  const compiler = process.env.CXX ?? 'g++';
  const paths = files.map((file) => path.join(ROOT, file));
  const sources = paths.filter((file) => file.endsWith('.cc'));
  const args = [
    ...flags,
    '-std=c++17',
    ...includeDirs
      .split(/\s+/)
      .filter(Boolean)
      .map((dir) => `-I${dir}`),
    ...sources,
    '-o',
    program,
    ...libraries.split(/\s+/).filter(Boolean),
  ];
  const command = [compiler, ...args].join(' ');
  const stamp = `${program}.command`;
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  const fresh =
    fs.existsSync(program) &&
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, 'utf8') === command &&
    paths.every((file) => fs.statSync(program).mtimeMs >= fs.statSync(file).mtimeMs);
  if (!fresh) {
    try {
      execFileSync(compiler, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').slice(-3).join(' ') ?? '';
      return {
        skipped: `could not compile ${files.filter((file) => file.endsWith('.cc')).join(', ')} (${compiler}): ${stderr || String(error)}`,
      };
    }
    fs.writeFileSync(stamp, command);
  }
  return { program, command };
}

/** Compiles bench/native/dgemm_shapes.cc. */
export function compileDgemmProgram(): Compiled {
  return compileNativeProgram('dgemm_shapes', ['bench/native/dgemm_shapes.cc']);
}

interface ProgramOutput {
  core: string;
  config: string;
  threads: number;
  seconds: number[];
}

export interface BoundRun {
  /** Seconds the products of the whole fit take in raw dgemm. */
  seconds: number;
  /** Training samples per second at that speed. */
  samplesPerSecond: number;
  /** Products' GFLOP/s. */
  gflops: number;
  core: string;
  threads: number;
  sets: { label: string; count: number; productsPerSet: number; medianSeconds: number }[];
}

/** One measurement of the bound for a fit of `spec`: each product set timed `repeats` times, medians summed. */
export function measureBound(program: string, spec: TrainSpec, repeats: number, env: NodeJS.ProcessEnv): BoundRun {
  let seconds = 0;
  let totalFlops = 0;
  let facts: ProgramOutput | undefined;
  const sets: BoundRun['sets'] = [];
  for (const set of fitProducts(spec)) {
    const args = [String(repeats)];
    for (const s of set.shapes)
      args.push(s.transA ? '1' : '0', s.transB ? '1' : '0', String(s.m), String(s.n), String(s.k));
    const output = JSON.parse(execFileSync(program, args, { env, encoding: 'utf8' })) as ProgramOutput;
    const each = median(output.seconds);
    seconds += each * set.count;
    totalFlops += flops(set.shapes) * set.count;
    sets.push({ label: set.label, count: set.count, productsPerSet: set.shapes.length, medianSeconds: each });
    facts = output;
  }
  return {
    seconds,
    samplesPerSecond: (spec.rows * spec.epochs) / seconds,
    gflops: totalFlops / seconds / 1e9,
    core: facts?.core ?? 'unknown',
    threads: facts?.threads ?? 0,
    sets,
  };
}
