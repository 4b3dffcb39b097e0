/**
 * Limits on what blasnet reads, so that no input can make it read forever or fill memory: files must be
 * regular files (not /dev/zero, a FIFO or a directory), and gzip data may expand only so far.
 *
 * Decompression: the first 4 MiB are always allowed; beyond that, the decompressed bytes may be at most
 * 100 times the compressed bytes read so far. Ordinary CSV files compress 3 to 20 times (a file of one
 * row repeated, about 200, passes while it is under 4 MiB); a gzip bomb expands about a thousand times,
 * and one of 1.5 MB is stopped after 150 MB, where it used to run until memory ran out.
 */
/** How many times the compressed size the decompressed data may be, past the allowance. */
export const MAX_DECOMPRESSION_RATIO = 100;
/** Decompressed bytes always allowed, whatever the ratio. */
export const DECOMPRESSION_ALLOWANCE = 4 * 2 ** 20;

/** The most decompressed bytes allowed after `compressed` bytes of gzip. */
export function decompressedLimit(compressed: number): number {
  return Math.max(DECOMPRESSION_ALLOWANCE, compressed * MAX_DECOMPRESSION_RATIO);
}

/** What fs.Stats says of a file's kind (declared here so the published types need no Node types). */
export interface FileKindStats {
  isFile(): boolean;
  isDirectory(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}

/** What a file that is not a regular file is, for messages: `a character device`, `a directory`... */
export function fileKind(stats: FileKindStats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a pipe (FIFO)';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}
