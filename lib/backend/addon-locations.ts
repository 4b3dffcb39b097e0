/**
 * Which native addon files to try, and in what order.
 *
 * By default the platform package that fits this machine comes first (`@blasnet/linux-x64-gnu`, ...: one
 * optional dependency of blasnet per platform, with `os`, `cpu` and `libc` fields, so the package manager
 * installs only the one that fits; it holds `blasnet.node` with OpenBLAS linked in), then a local build
 * (build/Release/blasnet.node, from `npx blasnet build-from-source` or `npm run build:native`). The
 * platform package is the binary that was released and tested as a package, while a build/Release may
 * be a leftover. A file that fails to load does not end the search, so a source build made because the
 * platform package cannot load here (an older glibc) is still found.
 *
 * `BLASNET_ADDON` picks one instead, for tests, CI and anyone who wants a particular binary:
 * - `build`: only build/Release/blasnet.node. The test suites set this (test/helpers/global-setup.ts), so
 *   a platform package that happens to be installed never stands in for the build under test;
 * - `package` (or its old name `prebuild`): only the platform package;
 * - anything else: the path of a .node file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the loaded addon came from, as {@link blasInfo} reports it. */
export type AddonSource = 'package' | 'build' | 'BLASNET_ADDON';

/** The environment variables the loader reads (a plain record, so the types need no `@types/node`). */
export type LoaderEnv = Readonly<Record<string, string | undefined>>;

export interface AddonCandidate {
  source: AddonSource;
  /** The file to load; undefined when there is none of this kind. */
  file: string | undefined;
  /** Where it was looked for, for the error that lists what was tried. */
  place: string;
}

/** The platform packages that are built and published with blasnet (npm/<suffix>/ in the repository). */
export const PLATFORM_PACKAGES: readonly string[] = ['@blasnet/linux-x64-gnu', '@blasnet/linux-arm64-gnu'];

/**
 * `gnu` or `musl` on Linux (the libc part of a platform package's name, as napi-rs names them), undefined
 * elsewhere. Node's own report says which C library it runs on; where a runtime has no report (or an
 * empty one), /usr/bin/ldd names musl on Alpine, as detect-libc reads it.
 */
export function linuxLibc(): 'gnu' | 'musl' | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    if (report?.header?.glibcVersionRuntime) return 'gnu';
  } catch {
    // a runtime without process.report (or one that throws): look at ldd instead
  }
  try {
    return fs.readFileSync('/usr/bin/ldd', 'utf8').includes('musl') ? 'musl' : 'gnu';
  } catch {
    return fs.existsSync('/etc/alpine-release') ? 'musl' : 'gnu';
  }
}

/** The platform package for this process (or the given machine): `@blasnet/linux-x64-gnu`, `@blasnet/darwin-arm64`. */
export function platformPackageName(
  platform: string = process.platform,
  arch: string = process.arch,
  // The libc matters on Linux only; null leaves it out of the name.
  libc: string | null = platform !== 'linux' ? null : platform === process.platform ? (linuxLibc() ?? null) : 'gnu',
): string {
  return `@blasnet/${[platform, arch, libc].filter(Boolean).join('-')}`;
}

/**
 * The platform package's addon, resolved the way `require` would from blasnet's own folder (so a hoisted
 * node_modules, pnpm's nested store and a global install all work).
 */
export function findPlatformPackage(root: string, name: string = platformPackageName()): AddonCandidate {
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`, { paths: [root] });
  } catch {
    return { source: 'package', file: undefined, place: `${name} (not installed)` };
  }
  const file = path.join(path.dirname(manifest), 'blasnet.node');
  return { source: 'package', file: fs.existsSync(file) ? file : undefined, place: file };
}

/** The local build both node-gyp and cmake-js write. */
function localBuild(root: string): AddonCandidate {
  const file = path.join(root, 'build', 'Release', 'blasnet.node');
  return { source: 'build', file: fs.existsSync(file) ? file : undefined, place: file };
}

/** What `BLASNET_ADDON` asks for: 'auto' when it is unset, 'package' for `package` and `prebuild`. */
export function addonChoice(env: LoaderEnv = process.env): string {
  const choice = env.BLASNET_ADDON;
  if (!choice) return 'auto';
  return choice === 'prebuild' ? 'package' : choice;
}

/** The files to try, in order, for the package at `root`. */
export function addonCandidates(root: string, env: LoaderEnv = process.env): AddonCandidate[] {
  const choice = addonChoice(env);
  if (choice === 'auto') return [findPlatformPackage(root), localBuild(root)];
  if (choice === 'package') return [findPlatformPackage(root)];
  if (choice === 'build') return [localBuild(root)];
  const file = path.resolve(choice);
  return [{ source: 'BLASNET_ADDON', file: fs.existsSync(file) ? file : undefined, place: file }];
}
