/**
 * The one error blasnet throws when no native addon loads: what was tried and why each failed, the
 * machine (platform, arch, libc and glibc version, Node), and the fixes that fit the cause (the
 * "Possible solutions" of sharp's loader).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { NativeLoadError } from '../errors';
import { addonChoice, type AddonCandidate } from './addon-locations';

/** One file the loader considered, and the error its `require` threw (none when there was no file). */
export interface LoadAttempt {
  candidate: AddonCandidate;
  error?: unknown;
}

const LABELS: Record<AddonCandidate['source'], string> = {
  prebuild: 'prebuilt binary',
  build: 'local build',
  BLASNET_ADDON: 'BLASNET_ADDON file',
};

/** `glibc 2.36`, `musl` or `` (not Linux), from Node's own report of the C library it runs on. */
export function libcDescription(): string {
  if (process.platform !== 'linux') return '';
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const glibc = report?.header?.glibcVersionRuntime;
  return glibc ? `glibc ${glibc}` : 'musl';
}

function machine(): string {
  const libc = libcDescription();
  return [`${process.platform}-${process.arch}`, libc, `Node ${process.version}`, `N-API ${process.versions.napi}`]
    .filter(Boolean)
    .join(', ');
}

function firstLines(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.trim().split('\n').slice(0, 3).join('\n      ');
}

/** The prebuilt binaries this copy of the package holds, e.g. `linux-x64/blasnet.napi.glibc.node`. */
function shippedPrebuilds(root: string): string[] {
  const dir = path.join(root, 'prebuilds');
  try {
    return fs
      .readdirSync(dir)
      .flatMap((tuple) => fs.readdirSync(path.join(dir, tuple)).map((file) => `${tuple}/${file}`))
      .filter((file) => file.endsWith('.node'));
  } catch {
    return [];
  }
}

function buildFromSource(): string[] {
  return [
    'Build the addon from source. It needs a C++17 compiler, make, python3 and OpenBLAS with its headers:',
    '    Debian/Ubuntu: apt-get install g++ make python3 libopenblas-dev',
    '    Fedora/RHEL:   dnf install gcc-c++ make python3 openblas-devel',
    '    macOS:         xcode-select --install; brew install openblas',
    '  then run blasnet\'s install script, which compiles it when no prebuilt binary loads:',
    '    npm rebuild blasnet',
    '  (npm 11 blocks dependencies\' install scripts during `npm install`; `npm install-scripts approve blasnet`',
    '  lets them run there too.)',
  ];
}

/** The error for a load that failed; `root` is the package folder the files were looked for in. */
export function loadFailure(root: string, attempts: readonly LoadAttempt[], env: Record<string, string | undefined> = process.env): NativeLoadError {
  const choice = addonChoice(env);
  const tried = attempts.map(({ candidate, error }) => {
    const label = LABELS[candidate.source];
    if (!candidate.file) return `- ${label}: none at ${candidate.place}`;
    return `- ${label} ${candidate.file}\n      ${firstLines(error)}`;
  });
  const reasons = attempts.map(({ error }) => (error === undefined ? '' : firstLines(error))).join('\n');

  const solutions: string[] = [];
  if (choice !== 'auto') {
    const setting = env.BLASNET_ADDON ? `BLASNET_ADDON=${env.BLASNET_ADDON}` : `PREBUILDS_ONLY=${env.PREBUILDS_ONLY}`;
    solutions.push(`${setting} allows only the file above; unset it to try the prebuilt binary, then a local build.`);
  }
  const glibc = /GLIBC_([\d.]+)'? not found/.exec(reasons);
  const prebuild = attempts.find(({ candidate }) => candidate.source === 'prebuild');
  if (glibc) {
    solutions.push(
      `The prebuilt binary needs glibc ${glibc[1]} or newer; this machine has ${libcDescription() || 'another C library'}.`,
    );
  } else if (prebuild && !prebuild.candidate.file) {
    const shipped = shippedPrebuilds(root);
    solutions.push(
      shipped.length > 0
        ? `No prebuilt binary fits ${process.platform}-${process.arch} (${libcDescription() || process.platform}); this package has: ${shipped.join(', ')}.`
        : 'This copy of blasnet has no prebuilt binaries (a git checkout, or a package built without them).',
    );
  }
  if (!glibc && /cannot open shared object|Library not loaded|lib\w+\.(so|dylib)/.test(reasons)) {
    solutions.push(
      'A library the local build links against is missing: install OpenBLAS again (apt-get install libopenblas0,',
      '  dnf install openblas, brew install openblas), or build again.',
    );
  }
  solutions.push(...buildFromSource());
  solutions.push("Or use the pure-TypeScript backend: new Network(dims, activations, { backend: 'js' }).");

  const message = [
    `blasnet: the native addon could not be loaded (${machine()}).`,
    `Tried${choice === 'auto' ? ', in order' : ''}:`,
    ...tried,
    'Possible solutions:',
    ...solutions.map((line) => (line.startsWith(' ') ? line : `- ${line}`)),
  ].join('\n');
  const cause = attempts.find(({ error }) => error !== undefined)?.error;
  return new NativeLoadError('ERR_NATIVE_UNAVAILABLE', message, { cause });
}
