/**
 * The memory guard: a network, and each training run, is refused before anything is allocated when what
 * it needs is more than the machine can give now, rather than filling memory (minutes of a blocked event
 * loop for a 20 GB network) and dying in the allocator.
 *
 * What can be given: the memory available now (MemAvailable on Linux, as `os.freemem()` reads it, and
 * the cgroup's limit where one applies, as `process.availableMemory()` does), or the limit set in the
 * `BLASNET_MEMORY_LIMIT` environment variable: bytes, with an optional binary suffix (`512M`, `16G`), or
 * `none` to turn the guard off.
 */
import * as os from 'node:os';

import { ValueError } from './errors';

/** The environment variable that overrides the available memory. */
export const MEMORY_LIMIT_VARIABLE = 'BLASNET_MEMORY_LIMIT';

/** Needs up to this are checked only against BLASNET_MEMORY_LIMIT, not the OS's figure (see checkMemory). */
const UNCHECKED_NEED_BYTES = 16 * 2 ** 20;

const SUFFIXES: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** The budget in bytes and where it comes from, or undefined when the guard is off. */
export function memoryBudget(): { bytes: number; source: string } | undefined {
  const setting = process.env[MEMORY_LIMIT_VARIABLE]?.trim();
  if (setting !== undefined && setting !== '') {
    if (setting.toLowerCase() === 'none') return undefined;
    const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(setting);
    if (match === null) {
      throw new ValueError(
        'ERR_INVALID_ARGUMENT',
        `Expected the ${MEMORY_LIMIT_VARIABLE} environment variable to be a number of bytes (such as 512M or 16G) or none but received ${JSON.stringify(setting)}`,
      );
    }
    return {
      bytes: Number(match[1]) * SUFFIXES[match[2]!.toLowerCase()]!,
      source: `${MEMORY_LIMIT_VARIABLE}=${setting}`,
    };
  }
  const cgroupAware = (process as { availableMemory?: () => number }).availableMemory?.();
  const available = Math.min(os.freemem(), cgroupAware !== undefined && cgroupAware > 0 ? cgroupAware : Infinity);
  return { bytes: available, source: 'the memory available now' };
}

/** `1.5 GiB`, `300 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  return `${Math.max(bytes / 2 ** 20, 0.1).toFixed(1)} MiB`;
}

/**
 * @param need - the bytes the operation will allocate
 * @param what - what needs them, for the message ("dims [50000,50000,10] (float64)")
 * @param parts - how `need` is made up, for the message ("parameters and gradients")
 * @throws {@link ValueError} (`ERR_TOO_LARGE`) naming the need, the budget and the override
 */
export function checkMemory(need: number, what: string, parts: string): void {
  // Reading what the OS has available costs about 0.1 ms (process.availableMemory() reads the cgroup's
  // files, 80 µs measured, os.freemem() 15 µs), paid twice per small training (the network, then the
  // run): a server training many small models spent 3% of a burst on it. A need this small is not what
  // the guard is for, so it is checked only against an explicit limit.
  const setting = process.env[MEMORY_LIMIT_VARIABLE]?.trim();
  if ((setting === undefined || setting === '') && need <= UNCHECKED_NEED_BYTES) return;
  const budget = memoryBudget();
  if (budget === undefined || need <= budget.bytes) return;
  throw new ValueError(
    'ERR_TOO_LARGE',
    `${what} needs about ${formatBytes(need)} (${parts}), more than ${budget.source} (${formatBytes(budget.bytes)}); ` +
      `set ${MEMORY_LIMIT_VARIABLE} (bytes, e.g. 64G, or none) to allow it`,
  );
}
