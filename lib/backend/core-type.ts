/**
 * OpenBLAS picks its CPU kernels once, when it loads, from the CPU model. A release that predates the
 * CPU does not know the model and falls back to generic SSE3 kernels ("Prescott"): Debian 12's 0.3.21
 * does this on Emerald Rapids, where products then run 3 to 5 times slower than with the AVX-512 kernels
 * the CPU supports. So before the addon (and OpenBLAS with it) loads, blasnet names the kernels itself
 * from the instruction sets the CPU reports, unless the user already has:
 *
 * - `OPENBLAS_CORETYPE` set (to anything): OpenBLAS's own setting, respected as it is;
 * - `BLASNET_OPENBLAS_CORETYPE=auto`: leave the choice to OpenBLAS's detection.
 *
 * AVX-512 (F, CD, BW, DQ, VL) selects `SkylakeX`, AVX2 with FMA selects `Haswell`; these are OpenBLAS's
 * kernel families for those instruction sets, the same ones it picks on the CPUs it knows. Elsewhere
 * (other architectures, other systems, older CPUs) nothing is set.
 */
import * as fs from 'node:fs';

/** How the OpenBLAS core type was decided, for blasInfo(). */
export type CoreTypeSource = 'OPENBLAS_CORETYPE' | 'cpu-flags' | 'openblas';

export interface CoreTypeChoice {
  source: CoreTypeSource;
  /** The core type blasnet set, when it set one. */
  chosen?: string;
}

const AVX512 = ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'];

/** The kernel family for a set of /proc/cpuinfo flags, or undefined. */
export function coreTypeForFlags(flags: ReadonlySet<string>): string | undefined {
  if (AVX512.every((flag) => flags.has(flag))) return 'SkylakeX';
  if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return undefined;
}

function cpuFlags(): Set<string> | undefined {
  try {
    const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const line = /^flags\s*:(.*)$/m.exec(info);
    return line ? new Set(line[1]!.trim().split(/\s+/)) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sets OPENBLAS_CORETYPE for this process when appropriate; call before the addon loads. (`env` is a plain
 * string map rather than Node's ProcessEnv type so that the published types do not need @types/node.)
 */
export function chooseCoreType(env: Record<string, string | undefined> = process.env): CoreTypeChoice {
  if (env.OPENBLAS_CORETYPE !== undefined) return { source: 'OPENBLAS_CORETYPE' };
  if (env.BLASNET_OPENBLAS_CORETYPE === 'auto') return { source: 'openblas' };
  if (process.platform !== 'linux' || process.arch !== 'x64') return { source: 'openblas' };
  const flags = cpuFlags();
  const chosen = flags && coreTypeForFlags(flags);
  if (!chosen) return { source: 'openblas' };
  env.OPENBLAS_CORETYPE = chosen;
  return { source: 'cpu-flags', chosen };
}
