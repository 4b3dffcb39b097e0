/**
 * The backends, by name, and the facts about the BLAS library behind the native one.
 */
import { ValueError } from '../errors';
import type { Backend, BackendName } from './backend';
import { jsBackend } from './js';
import type { AddonSource } from './addon-locations';
import type { CoreTypeSource } from './core-type';
import { loadAddon, nativeBackend, type Addon } from './native';

/**
 * Both backends, for power users who want the kernels themselves. `backends.native` loads the addon on
 * first access and throws a {@link NativeLoadError} that explains the fix when it cannot.
 *
 * @example
 * ```ts
 * const C = new Float64Array(4);
 * backends.native.gemm(false, false, 2, 2, 2, 1, A, B, 0, C); // C = A B
 * ```
 */
export const backends: { readonly native: Backend; readonly js: Backend } = Object.freeze({
  get native(): Backend {
    return nativeBackend();
  },
  js: jsBackend,
});

/** The backend of that name (a backend object is returned as it is). */
export function resolveBackend(backend: BackendName | Backend, argument = 'options.backend'): Backend {
  if (backend === 'native') return nativeBackend();
  if (backend === 'js') return jsBackend;
  if (typeof backend === 'object' && backend !== null && typeof backend.gemm === 'function') return backend;
  throw new ValueError(
    'ERR_UNKNOWN_BACKEND',
    `Expected ${argument} to be 'native' or 'js' but received ${JSON.stringify(backend) ?? String(backend)}`,
  );
}

/** What {@link blasInfo} reports. */
export interface BlasInfo {
  /** The OpenBLAS version, e.g. `0.3.21`. */
  version: string;
  /** OpenBLAS's build configuration (`openblas_get_config()`). */
  config: string;
  /** The CPU core kernels OpenBLAS runs (`openblas_get_corename()`). */
  core: string;
  /**
   * How they were chosen: `openblas` (its own CPU detection), `cpu-flags` (blasnet set
   * `OPENBLAS_CORETYPE` from the CPU's instruction sets, see the README) or `OPENBLAS_CORETYPE` (yours).
   */
  coreSource: CoreTypeSource;
  /**
   * Whether small products (9 to 16 columns and few rows, the README's "Backends" lists the shapes) run
   * blasnet's own kernel instead of OpenBLAS: `avx512` (the AVX-512 kernel for float64, its AVX2 clone for
   * float32), `avx2` (the AVX2 clone for both, on CPUs without AVX-512), `avx2 (BLASNET_SMALL_GEMM=avx2)`
   * (the clone forced on an AVX-512 CPU), or `off: <reason>` (neither instruction set, not an x86-64
   * build, or `BLASNET_SMALL_GEMM=0`).
   */
  smallGemm: string;
  /** OpenBLAS's current thread count (process-wide). */
  threads: number;
  /** Processors OpenBLAS sees. */
  processors: number;
  /** The native addon file that was loaded. */
  addon: string;
  /**
   * Where that file came from: `package` (the platform package, `@blasnet/linux-x64-gnu` and so on,
   * OpenBLAS linked in),
   * `build` (build/Release, compiled on this machine against its OpenBLAS) or `BLASNET_ADDON` (a file
   * that variable named). See the README's "Installation".
   */
  addonSource: AddonSource;
}

/** Facts about the BLAS library behind the native backend, for logs and bug reports. */
export function blasInfo(): BlasInfo {
  const { addon, file, source, coreType } = loadAddon();
  const config = addon.blasConfig();
  return {
    version: /OpenBLAS\s+([\d.]+)/.exec(config)?.[1] ?? 'unknown',
    config,
    core: addon.blasCoreName(),
    coreSource: coreType.source,
    smallGemm: addon.smallGemmPath(),
    threads: addon.getNumThreads(),
    processors: addon.getNumProcessors(),
    addon: file,
    addonSource: source,
  };
}

/**
 * Sets OpenBLAS's thread count. It is process-wide (every worker thread shares it); the default comes from
 * `OPENBLAS_NUM_THREADS` or the core count.
 * @param threads - an integer from 1 to 1024
 */
export function setNumThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw new ValueError(
      'ERR_INVALID_ARGUMENT',
      `Expected threads to be an integer from 1 to 1024 but received ${String(threads)}`,
    );
  }
  loadAddon().addon.setNumThreads(threads);
}

/**
 * Gives freed native memory back to the operating system (glibc's `malloc_trim`) and says whether any was.
 * Typed arrays' stores are malloc'd; freed ones that sit below a live allocation stay in the process's RSS,
 * since glibc returns only the top of its heap by itself. After a burst of trainings (many `fitAsync` jobs,
 * say) a server can call this, after its own garbage is collected, to see its RSS fall back. Nothing on a
 * hot path needs it. Returns false, and does nothing, where the native addon cannot load or the C library
 * is not glibc.
 */
export function releaseFreeMemory(): boolean {
  let addon: Addon;
  try {
    addon = loadAddon().addon;
  } catch {
    return false; // without the addon there is nothing to call malloc_trim through
  }
  return addon.releaseFreeMemory();
}

/** OpenBLAS's current thread count. */
export function getNumThreads(): number {
  return loadAddon().addon.getNumThreads();
}

export type { Backend, BackendName } from './backend';
export type { AddonSource } from './addon-locations';
