/**
 * Run by release-free-memory.test.ts in a child process with --expose-gc: leaves 64 MiB of freed typed-array
 * stores below a live one (glibc's own trim returns only the top of its heap), then prints RSS after a full
 * collection, and again after releaseFreeMemory(), as JSON.
 */
import { releaseFreeMemory } from '../../lib';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

// Under glibc's mmap threshold (128 KiB at first, so each store comes from the heap, not its own mapping),
// and interleaved with small stores that stay alive, so no freed run ever reaches the top of the heap.
const CHUNK = 64 * 1024;
let dropped: Float64Array[] = [];
const kept: Float64Array[] = [];
for (let i = 0; i < 1024; i++) {
  const store = new Float64Array(CHUNK / 8);
  store.fill(i); // touch every page
  dropped.push(store);
  kept.push(new Float64Array(4).fill(i));
}
dropped = [];
for (let i = 0; i < 3; i++) gc();
const before = process.memoryUsage.rss();
const released = releaseFreeMemory();
const after = process.memoryUsage.rss();
process.stdout.write(JSON.stringify({ before, after, released, kept: kept.length }));
