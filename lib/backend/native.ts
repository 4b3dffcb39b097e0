/**
 * Loads the native addon through node-gyp-build (a prebuilt binary, or the local build/Release) and
 * presents it as a {@link Backend}. Loading is lazy: the js backend works on machines where the addon
 * cannot load, and the failure is reported, with its fix, only when native is asked for.
 */
import * as path from 'node:path';

import { NativeLoadError } from '../errors';
import type { Backend } from './backend';
import { chooseCoreType, type CoreTypeChoice } from './core-type';
import { KERNEL_NAMES, type AllKernels } from './kernels';

/** What the addon exports besides the kernels. */
export interface AddonInfoFunctions {
  blasConfig(): string;
  blasCoreName(): string;
  getNumThreads(): number;
  setNumThreads(threads: number): void;
  getNumProcessors(): number;
}

export type Addon = AllKernels & AddonInfoFunctions;

/** The addon's non-kernel exports, for the test that compares export tables. */
export const ADDON_INFO_NAMES = [
  'blasConfig',
  'blasCoreName',
  'getNumThreads',
  'setNumThreads',
  'getNumProcessors',
] as const satisfies readonly (keyof AddonInfoFunctions)[];

interface LoadedAddon {
  addon: Addon;
  /** The .node file that was loaded. */
  file: string;
  /** How OpenBLAS's kernels were chosen. */
  coreType: CoreTypeChoice;
}

/** The package root: this file is lib/backend/native.ts, or dist/backend/native.js once compiled. */
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

let loaded: LoadedAddon | undefined;

function loadFailure(cause: unknown): NativeLoadError {
  const reason = cause instanceof Error ? cause.message.trim() : String(cause);
  const missingBuild = /No native build was found/.test(reason);
  const missingLibrary = /lib\w*\.so|\.dylib|cannot open shared object/.test(reason);
  const fixes = missingBuild
    ? [
        'Build it from source: `npm rebuild blasnet` (needs a C++ compiler, python3 and OpenBLAS:',
        '  `apt-get install libopenblas-dev`, `dnf install openblas-devel` or `brew install openblas`).',
      ]
    : missingLibrary
      ? [
          'A shared library the addon links against is missing: install OpenBLAS',
          '  (`apt-get install libopenblas0`, or `brew install openblas`), or reinstall blasnet.',
        ]
      : ['Rebuild the addon: `npm rebuild blasnet`, and check that its build output above shows no error.'];
  const message = [
    `blasnet: the native backend could not be loaded (platform ${process.platform}, arch ${process.arch}, ` +
      `node ${process.version}, looked in ${PACKAGE_ROOT}).`,
    `  Reason: ${reason.split('\n').join('\n  ')}`,
    '  Possible solutions:',
    ...fixes.map((line) => `  - ${line}`),
    "  - Or use the pure-TypeScript backend: new Network(dims, activations, { backend: 'js' }).",
  ].join('\n');
  return new NativeLoadError('ERR_NATIVE_UNAVAILABLE', message, { cause });
}

/** Loads the addon once per thread (each worker thread loads its own instance). */
export function loadAddon(): LoadedAddon {
  if (loaded) return loaded;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeGypBuild = require('node-gyp-build') as { path(dir: string): string };
    const file = nodeGypBuild.path(PACKAGE_ROOT);
    // OpenBLAS reads OPENBLAS_CORETYPE when the addon loads, so this must come first.
    const coreType = chooseCoreType();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const addon = require(file) as Addon;
    loaded = { addon, file, coreType };
    return loaded;
  } catch (cause) {
    throw loadFailure(cause);
  }
}

/**
 * The addon's errors are made in the realm that loaded it. Where that differs from the realm this module
 * runs in (a vm context, a jest sandbox), `instanceof TypeError` would fail for its errors, so each kernel
 * is wrapped to rethrow an equivalent error of this realm. In plain Node the realms agree and the addon's
 * functions are used directly, with no wrapper on the hot path.
 */
function errorsNeedRealmFix(addon: Addon): boolean {
  try {
    (addon.gemm as unknown as () => void)();
  } catch (error) {
    return !(error instanceof TypeError);
  }
  return true;
}

function inThisRealm(error: unknown): unknown {
  if (error instanceof Error || typeof error !== 'object' || error === null) return error;
  const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown };
  const Constructor = name === 'RangeError' ? RangeError : name === 'TypeError' ? TypeError : Error;
  return Object.assign(new Constructor(String(message)), { code });
}

function realmSafe<F extends (...args: never[]) => unknown>(fn: F): F {
  return function (this: unknown, ...args: Parameters<F>) {
    try {
      return fn.apply(this, args);
    } catch (error) {
      throw inThisRealm(error);
    }
  } as F;
}

let backend: Backend | undefined;

/** The native backend; throws {@link NativeLoadError} (once per call) when the addon cannot load. */
export function nativeBackend(): Backend {
  if (backend) return backend;
  const { addon } = loadAddon();
  const wrap = errorsNeedRealmFix(addon);
  const kernels = {} as Record<string, unknown>;
  for (const name of KERNEL_NAMES) {
    const fn = addon[name] as (...args: never[]) => unknown;
    kernels[name] = wrap ? realmSafe(fn) : fn;
  }
  backend = Object.freeze({ name: 'native', ...kernels }) as Backend;
  return backend;
}
