/**
 * Loads the native addon (the platform package's binary or the local build/Release, see addon-locations.ts) and
 * presents it as a {@link Backend}. Loading is lazy: the js backend works on machines where the addon
 * cannot load, and the failure is reported, with its fix, only when native is asked for.
 */
import * as path from 'node:path';

import type { Backend } from './backend';
import { addonCandidates, type AddonSource } from './addon-locations';
import { chooseCoreType, type CoreTypeChoice } from './core-type';
import { randomKernels } from './js-random';
import { KERNEL_NAMES, type AllKernels } from './kernels';
import { loadFailure, type LoadAttempt } from './load-failure';

/** What the addon exports besides the kernels. */
export interface AddonInfoFunctions {
  blasConfig(): string;
  blasCoreName(): string;
  smallGemmPath(): string;
  getNumThreads(): number;
  setNumThreads(threads: number): void;
  getNumProcessors(): number;
  releaseFreeMemory(): boolean;
}

export type Addon = AllKernels & AddonInfoFunctions;

/** The addon's non-kernel exports, for the test that compares export tables. */
export const ADDON_INFO_NAMES = [
  'blasConfig',
  'blasCoreName',
  'smallGemmPath',
  'getNumThreads',
  'setNumThreads',
  'getNumProcessors',
  'releaseFreeMemory',
] as const satisfies readonly (keyof AddonInfoFunctions)[];

interface LoadedAddon {
  addon: Addon;
  /** The .node file that was loaded. */
  file: string;
  /** Whether that file is the platform package's, the local build, or BLASNET_ADDON's. */
  source: AddonSource;
  /** How OpenBLAS's kernels were chosen. */
  coreType: CoreTypeChoice;
}

/** The package root: this file is lib/backend/native.ts, or dist/backend/native.js once compiled. */
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');

let loaded: LoadedAddon | undefined;

/**
 * Loads the addon once per thread (each worker thread loads its own instance): the first candidate file
 * that loads wins; when none does, one {@link NativeLoadError} lists every attempt.
 */
export function loadAddon(): LoadedAddon {
  if (loaded) return loaded;
  const attempts: LoadAttempt[] = [];
  try {
    let coreType: CoreTypeChoice | undefined;
    for (const candidate of addonCandidates(PACKAGE_ROOT)) {
      if (!candidate.file) {
        attempts.push({ candidate });
        continue;
      }
      // OpenBLAS reads OPENBLAS_CORETYPE when the addon loads, so this must come first.
      coreType ??= chooseCoreType();
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const addon = require(candidate.file) as Addon;
        loaded = { addon, file: candidate.file, source: candidate.source, coreType };
        return loaded;
      } catch (error) {
        attempts.push({ candidate, error });
      }
    }
  } catch (error) {
    // Finding the candidates failed (a file system error while resolving the platform package): say so.
    attempts.push({ candidate: { source: 'package', file: PACKAGE_ROOT, place: PACKAGE_ROOT }, error });
  }
  throw loadFailure(PACKAGE_ROOT, attempts);
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

/**
 * Kernels an addon built before they existed may lack, with a js kernel that gives the same results bit
 * for bit: an older build named by BLASNET_ADDON (to time a change against it, bench/fit-a.ts) still
 * trains, shuffling in JavaScript as it did then.
 */
const SAME_DRAWS = { permutation: randomKernels.permutation };

/** The native backend; throws {@link NativeLoadError} (once per call) when the addon cannot load. */
export function nativeBackend(): Backend {
  if (backend) return backend;
  const { addon } = loadAddon();
  const wrap = errorsNeedRealmFix(addon);
  const kernels = {} as Record<string, unknown>;
  for (const name of KERNEL_NAMES) {
    const fn = addon[name] as ((...args: never[]) => unknown) | undefined;
    if (fn === undefined && name in SAME_DRAWS) {
      kernels[name] = SAME_DRAWS[name as keyof typeof SAME_DRAWS];
      continue;
    }
    kernels[name] = wrap ? realmSafe(fn!) : fn;
  }
  backend = Object.freeze({ name: 'native', ...kernels }) as Backend;
  return backend;
}
