/**
 * Runs the `blasnet` command as a user's shell would: a child process of the compiled JavaScript, shebang
 * entry and all (dist/cli/main.js in the package). The sources are compiled once per suite into a folder
 * of its own under test-output/ (ignored by git), so the specs test the current sources without touching
 * the checkout's dist/. The addon is the checkout's build (BLASNET_ADDON names it, since the compiled
 * copy has no build/ beside it).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const root = path.resolve(__dirname, '..', '..');

/** What a run printed and how it ended. */
export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The compiled CLI of one suite. */
export interface Cli {
  /** The entry script. */
  main: string;
  /** A folder for the suite's files (models, reports, screenshots), emptied at the start. */
  out: string;
  env: NodeJS.ProcessEnv;
  /** Runs `blasnet ...args` to completion. */
  run(args: readonly string[], options?: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv }): CliResult;
  /** Starts `blasnet ...args` and returns the child, for specs that talk to it while it runs. */
  start(args: readonly string[], options?: { cwd?: string }): ReturnType<typeof spawn>;
}

/** Compiles lib/ into test-output/<name>/dist and returns a runner for its CLI. */
export function compileCli(name: string): Cli {
  const base = path.join(root, 'test-output', name);
  const dist = path.join(base, 'dist');
  const out = path.join(base, 'files');
  fs.rmSync(base, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  execFileSync(
    path.join(root, 'node_modules', '.bin', 'tsc'),
    ['-p', path.join(root, 'tsconfig.build.json'), '--outDir', dist, '--declaration', 'false', '--sourceMap', 'false'],
    { cwd: root },
  );
  const main = path.join(dist, 'cli', 'main.js');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BLASNET_ADDON: path.join(root, 'build', 'Release', 'blasnet.node'),
    OPENBLAS_NUM_THREADS: '1',
  };
  return {
    main,
    out,
    env,
    run(args, options = {}) {
      const result = spawnSync(process.execPath, [main, ...args], {
        cwd: options.cwd ?? out,
        env: { ...env, ...options.env },
        input: options.input,
        encoding: 'utf8',
        maxBuffer: 256 * 2 ** 20,
      });
      if (result.error) throw result.error;
      return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
    },
    start(args, options = {}) {
      return spawn(process.execPath, [main, ...args], {
        cwd: options.cwd ?? out,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    },
  };
}

/** A fixture's absolute path. */
export function fixture(...parts: string[]): string {
  return path.join(root, ...parts);
}
