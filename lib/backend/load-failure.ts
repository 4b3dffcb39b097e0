/**
 * The one error blasnet throws when no native addon loads: what was tried and why each failed, the
 * machine (platform, arch, libc and glibc version, Node), and the fixes that fit the cause (the
 * "Possible solutions" of sharp's loader).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { NativeLoadError } from '../errors';
import {
  addonChoice,
  platformPackageName,
  PLATFORM_PACKAGES,
  type AddonCandidate,
  type LoaderEnv,
} from './addon-locations';

/** One file the loader considered, and the error its `require` threw (none when there was no file). */
export interface LoadAttempt {
  candidate: AddonCandidate;
  error?: unknown;
}

const LABELS: Record<AddonCandidate['source'], string> = {
  package: 'platform package',
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

/** The @blasnet/* platform packages installed beside blasnet (or under it), e.g. `@blasnet/linux-arm64-gnu`. */
function installedPlatformPackages(root: string): string[] {
  const places = [path.join(root, '..', '@blasnet'), path.join(root, 'node_modules', '@blasnet')];
  const found = new Set<string>();
  for (const dir of places) {
    try {
      for (const name of fs.readdirSync(dir)) {
        if (fs.existsSync(path.join(dir, name, 'blasnet.node'))) found.add(`@blasnet/${name}`);
      }
    } catch {
      // no such folder: nothing installed there
    }
  }
  return [...found].sort();
}

/** Why the platform package was not found, and what to do about it. */
function missingPackage(root: string): string[] {
  const name = platformPackageName();
  if (!PLATFORM_PACKAGES.includes(name)) {
    return [
      `No platform package is published for ${name.slice('@blasnet/'.length)} (there are: ${PLATFORM_PACKAGES.join(', ')}); build from source (below).`,
    ];
  }
  if (path.basename(path.dirname(root)) !== 'node_modules') {
    return [
      `This copy of blasnet is not an installed package (a git checkout?), so it has no ${name}: npm run build:native.`,
    ];
  }
  const others = installedPlatformPackages(root).filter((other) => other !== name);
  return [
    others.length > 0
      ? `${name} is not installed, but ${others.join(', ')} is: node_modules was installed on another machine (a`
      : `${name} is not installed: it is an optional dependency of blasnet, so \`--omit=optional\`, \`--no-optional\``,
    others.length > 0
      ? '  Docker build context, a copied folder). Install again on this machine: npm ci (or npm install).'
      : '  or a lockfile made without it leave it out. Install it: npm install --include=optional blasnet.',
  ];
}

function buildFromSource(): string[] {
  return [
    'Build the addon from source. It needs a C++17 compiler, make, python3 and OpenBLAS with its headers:',
    '    Debian/Ubuntu: apt-get install g++ make python3 libopenblas-dev',
    '    Fedora/RHEL:   dnf install gcc-c++ make python3 openblas-devel',
    '    Alpine:        apk add g++ make python3 openblas-dev',
    '    macOS:         xcode-select --install; brew install openblas',
    '  then compile it into node_modules/blasnet/build/Release (nothing is compiled at install time):',
    '    npx blasnet build-from-source',
  ];
}

/** The error for a load that failed; `root` is the package folder the files were looked for in. */
export function loadFailure(
  root: string,
  attempts: readonly LoadAttempt[],
  env: LoaderEnv = process.env,
): NativeLoadError {
  const choice = addonChoice(env);
  const tried = attempts.map(({ candidate, error }) => {
    const label = LABELS[candidate.source];
    if (!candidate.file) return `- ${label}: none at ${candidate.place}`;
    return `- ${label} ${candidate.file}\n      ${firstLines(error)}`;
  });
  const reasons = attempts.map(({ error }) => (error === undefined ? '' : firstLines(error))).join('\n');

  const solutions: string[] = [];
  if (choice !== 'auto') {
    solutions.push(
      `BLASNET_ADDON=${env.BLASNET_ADDON} allows only the file above; unset it to try the platform package, then a local build.`,
    );
  }
  const glibc = /GLIBC_([\d.]+)'? not found/.exec(reasons);
  const platformPackage = attempts.find(({ candidate }) => candidate.source === 'package');
  if (glibc) {
    solutions.push(
      `The platform package needs glibc ${glibc[1]} or newer; this machine has ${libcDescription() || 'another C library'}.`,
    );
  } else if (platformPackage && !platformPackage.candidate.file) {
    solutions.push(...missingPackage(root));
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
