/**
 * `blasnet build-from-source`: compiles the native addon into this package's build/Release against the
 * machine's own OpenBLAS. Nothing is compiled at install time (blasnet has no install script); this is the
 * explicit step for platforms without a platform package (macOS, Alpine/musl, Windows, a glibc older than
 * 2.34) and for anyone who wants an addon linked against their own OpenBLAS. The work is done by the
 * package's tools/build-from-source.js (node-gyp), the same script a clone's `npm install` runs.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

import type { CommandSpec, ParsedArgs } from '../args';
import type { Io } from './shared';

/** build-from-source's flags: none of its own. */
export const BUILD_FROM_SOURCE: CommandSpec = {
  name: 'build-from-source',
  summary: 'Compile the native addon on this machine (needs a C++ compiler, make, python3, OpenBLAS headers).',
  positionals: [],
  options: {},
};

/** The package root: this file is lib/cli/commands/, or dist/cli/commands/ once compiled. */
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..', '..');

/** Runs the build with the package's own script; resolves with its exit code. */
export async function buildFromSource(_args: ParsedArgs, io: Io): Promise<number> {
  const script = path.join(PACKAGE_ROOT, 'tools', 'build-from-source.js');
  // Node runs the script even under Bun or Deno: node-gyp is a Node program.
  const node = process.versions.bun || process.versions.deno ? 'node' : process.execPath;
  return new Promise((resolve) => {
    const child = spawn(node, [script], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(io.stdout, { end: false });
    child.stderr.pipe(io.stderr, { end: false });
    child.on('error', (error) => {
      io.stderr.write(`blasnet build-from-source: cannot run ${node} ${script}: ${error.message}\n`);
      resolve(1);
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}
