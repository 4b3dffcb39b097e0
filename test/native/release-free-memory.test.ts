/**
 * releaseFreeMemory() gives freed native memory back: RSS, read by the kernel, falls by most of the 64 MiB a
 * child process freed below a live allocation, where garbage collection alone leaves it in place.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

import { releaseFreeMemory } from '../../lib';

const root = path.resolve(__dirname, '..', '..');
const glibc =
  process.platform === 'linux' &&
  Boolean(
    (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
      ?.glibcVersionRuntime,
  );

// Under AddressSanitizer (tools/test-asan.sh) malloc is ASan's, not glibc's, and malloc_trim has nothing to trim.
const sanitized = (process.env.LD_PRELOAD ?? '').includes('libasan') || process.env.ASAN_OPTIONS !== undefined;

describe('releaseFreeMemory', () => {
  if (!glibc) console.log('releaseFreeMemory: skipped, the C library is not glibc');
  if (sanitized) console.log('releaseFreeMemory: skipped, ASan replaces glibc malloc');
  (glibc && !sanitized ? it : it.skip)(
    'returns freed heap pages that a collection leaves in RSS',
    () => {
      const output = execFileSync(
        process.execPath,
        ['--expose-gc', '--require', 'tsx/cjs', path.join(__dirname, 'fragmented-heap.ts')],
        {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
        },
      );
      const { before, after, released } = JSON.parse(output) as { before: number; after: number; released: boolean };
      expect(released).toBe(true);
      expect((before - after) / 2 ** 20).toBeGreaterThan(32);
    },
    60_000,
  );

  it('returns a boolean in this process too', () => {
    expect(typeof releaseFreeMemory()).toBe('boolean');
  });
});
