/**
 * Which native addon files to try, and in what order.
 *
 * By default a prebuilt binary that fits this machine comes first (prebuilds/<platform>-<arch>/, shipped
 * in the package with OpenBLAS linked in), then a local build (build/Release/blasnet.node, from a source
 * install or `npm run build:native`). That is the reverse of node-gyp-build's own order, on purpose: the
 * prebuild is the binary that was released and tested as a package, while a build/Release may be a
 * leftover. A file that fails to load does not end the search, so a source build made because the
 * prebuild cannot load here (an older glibc) is still found.
 *
 * `BLASNET_ADDON` picks one instead, for tests, CI and anyone who wants a particular binary:
 * - `build`: only build/Release/blasnet.node. The test suites set this (test/helpers/global-setup.ts), so
 *   a prebuilds/ folder left in a checkout never stands in for the build under test;
 * - `prebuild`: only the prebuilt binary;
 * - anything else: the path of a .node file.
 * node-gyp-build's own switch `PREBUILDS_ONLY` (set, non-empty) means `prebuild` when `BLASNET_ADDON`
 * is unset.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the loaded addon came from, as {@link blasInfo} reports it. */
export type AddonSource = 'prebuild' | 'build' | 'BLASNET_ADDON';

export interface AddonCandidate {
  source: AddonSource;
  /** The file to load; undefined when there is none of this kind. */
  file: string | undefined;
  /** Where it was looked for, for the error that lists what was tried. */
  place: string;
}

/** The tag parsing and matching that node-gyp-build exports and uses itself (its `resolve`). */
interface Tuple {
  name: string;
}
interface Tags {
  file: string;
}
interface NodeGypBuildMatching {
  parseTuple(name: string): Tuple | undefined;
  matchTuple(platform: string, arch: string): (tuple: Tuple | undefined) => boolean;
  compareTuples(a: Tuple, b: Tuple): number;
  parseTags(file: string): Tags | undefined;
  matchTags(runtime: string, abi: string): (tags: Tags | undefined) => boolean;
  compareTags(runtime: string): (a: Tags, b: Tags) => number;
}

function readdir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The prebuilt binary node-gyp-build would pick for this process, by node-gyp-build's own rules (so it
 * agrees with the install script's check of whether a prebuild loads): the most specific
 * `prebuilds/<platform>-<arch>/*.node` whose tags (napi, abi, libc, ...) fit.
 */
export function findPrebuild(root: string): AddonCandidate {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const matching = require('node-gyp-build') as NodeGypBuildMatching;
  const platform = process.platform;
  const dir = path.join(root, 'prebuilds');
  const place = `${dir}${path.sep}${platform}-${process.arch}${path.sep}`;
  const fitsMachine = matching.matchTuple(platform, process.arch);
  const tuple = readdir(dir)
    .map((name) => matching.parseTuple(name))
    .filter((parsed): parsed is Tuple => fitsMachine(parsed))
    .sort(matching.compareTuples)[0];
  if (!tuple) return { source: 'prebuild', file: undefined, place };
  const runtime = 'node';
  const fitsRuntime = matching.matchTags(runtime, process.versions.modules);
  const tags = readdir(path.join(dir, tuple.name))
    .map((file) => matching.parseTags(file))
    .filter((parsed): parsed is Tags => fitsRuntime(parsed))
    .sort(matching.compareTags(runtime))[0];
  return { source: 'prebuild', file: tags && path.join(dir, tuple.name, tags.file), place };
}

/** The local build both node-gyp and cmake-js write. */
function localBuild(root: string): AddonCandidate {
  const file = path.join(root, 'build', 'Release', 'blasnet.node');
  return { source: 'build', file: fs.existsSync(file) ? file : undefined, place: file };
}

/** What `BLASNET_ADDON` (or `PREBUILDS_ONLY`) asks for: 'auto' when neither is set. */
export function addonChoice(env: Record<string, string | undefined> = process.env): string {
  if (env.BLASNET_ADDON) return env.BLASNET_ADDON;
  return env.PREBUILDS_ONLY ? 'prebuild' : 'auto';
}

/** The files to try, in order, for the package at `root`. */
export function addonCandidates(root: string, env: Record<string, string | undefined> = process.env): AddonCandidate[] {
  const choice = addonChoice(env);
  if (choice === 'auto') return [findPrebuild(root), localBuild(root)];
  if (choice === 'prebuild') return [findPrebuild(root)];
  if (choice === 'build') return [localBuild(root)];
  const file = path.resolve(choice);
  return [{ source: 'BLASNET_ADDON', file: fs.existsSync(file) ? file : undefined, place: file }];
}
