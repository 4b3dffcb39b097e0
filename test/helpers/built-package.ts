/**
 * The package as `npm install blasnet` lays it out, built from these sources into a temporary project:
 * `<project>/node_modules/blasnet/{package.json, dist/, lib/onnx/onnx.proto}`, dist/ compiled by `tsc -p tsconfig.build.json`
 * (what package.json's build:ts puts in the tarball). Tests that must see what a user sees (the README's
 * code blocks, a consumer's type check) import 'blasnet' from there instead of from lib/.
 *
 * `runtime: true` also links the addon this checkout built (build/) and its node_modules (the package's
 * dependencies), so programs can run; without it the folder holds only what a type check reads, and no
 * @types/node is reachable from it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const tscBin = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

export interface BuiltPackage {
  /** The temporary project: put the consumer's files here. */
  project: string;
  /** `<project>/node_modules/blasnet`. */
  packageDir: string;
  remove(): void;
}

export function buildPackage(prefix: string, options: { runtime: boolean }): BuiltPackage {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), `blasnet-${prefix}-`));
  const packageDir = path.join(project, 'node_modules', 'blasnet');
  fs.mkdirSync(packageDir, { recursive: true });
  fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(packageDir, 'package.json'));
  execFileSync(
    process.execPath,
    [
      tscBin,
      '-p',
      path.join(repoRoot, 'tsconfig.build.json'),
      '--outDir',
      path.join(packageDir, 'dist'),
      '--sourceMap',
      'false',
    ],
    {
      cwd: repoRoot,
      encoding: 'utf8',
    },
  );
  // The ONNX schema protobufjs reads at run time, where package.json's `files` ships it.
  fs.mkdirSync(path.join(packageDir, 'lib', 'onnx'), { recursive: true });
  fs.copyFileSync(path.join(repoRoot, 'lib', 'onnx', 'onnx.proto'), path.join(packageDir, 'lib', 'onnx', 'onnx.proto'));
  if (options.runtime) {
    fs.symlinkSync(path.join(repoRoot, 'build'), path.join(packageDir, 'build'), 'dir');
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(packageDir, 'node_modules'), 'dir');
  }
  return { project, packageDir, remove: () => fs.rmSync(project, { recursive: true, force: true }) };
}

/** Runs tsc in `project` with its tsconfig.json; returns its output and whether it passed. */
export function typeCheck(project: string, tsconfig = 'tsconfig.json'): { ok: boolean; output: string } {
  try {
    const output = execFileSync(process.execPath, [tscBin, '-p', path.join(project, tsconfig)], {
      cwd: project,
      encoding: 'utf8',
    });
    return { ok: true, output };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}
