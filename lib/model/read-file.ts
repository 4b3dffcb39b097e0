/**
 * Reading a model file without trusting it: only a regular file (not /dev/zero, a pipe or a directory),
 * at most MAX_MODEL_BYTES, and, when its header makes sense, no more than the header says the file holds
 * (a longer file is reported as such without reading its tail).
 */
import { constants as bufferConstants } from 'node:buffer';
import { promises as fs } from 'node:fs';

import { ModelFormatError } from '../errors';
import { fileKind } from '../input-limits';
import { declaredLength, PREAMBLE_BYTES } from './binary';

/** The largest model file blasnet reads: 4 GiB (Node 20's largest Buffer). */
export const MAX_MODEL_BYTES = Math.min(bufferConstants.MAX_LENGTH, 2 ** 32);

/**
 * The file's bytes (a Buffer, typed as Uint8Array so the published types need no Node types), checked as
 * far as the file system can tell.
 * @param source - the file's name as messages show it (JSON-quoted)
 * @throws {@link ModelFormatError} (`ERR_MODEL_NOT_A_FILE`, `ERR_MODEL_TOO_LARGE`, `ERR_MODEL_LENGTH`);
 *   the file system's errors as they are
 */
export async function readModelFile(file: string, source: string): Promise<Uint8Array> {
  const handle = await fs.open(file, 'r');
  try {
    const stats = await handle.stat();
    const kind = fileKind(stats);
    if (kind !== undefined)
      throw new ModelFormatError(
        'ERR_MODEL_NOT_A_FILE',
        `Cannot load the model ${source}: it is ${kind}, not a regular file`,
      );
    if (stats.size > MAX_MODEL_BYTES) {
      throw new ModelFormatError(
        'ERR_MODEL_TOO_LARGE',
        `Cannot load the model ${source}: it is ${stats.size} bytes long, more than the ${MAX_MODEL_BYTES} bytes blasnet reads`,
      );
    }
    // The preamble and header first: they say how long the file should be.
    const start = await readUpTo(handle, 0, Math.min(stats.size, PREAMBLE_BYTES));
    const headerLength = start.length === PREAMBLE_BYTES ? start.readUInt32LE(12) : 0;
    const head =
      PREAMBLE_BYTES + headerLength <= stats.size
        ? Buffer.concat([start, await readUpTo(handle, PREAMBLE_BYTES, headerLength)])
        : start;
    const expected = declaredLength(head);
    if (expected !== undefined && stats.size > expected) {
      throw new ModelFormatError(
        'ERR_MODEL_LENGTH',
        `Cannot load the model ${source}: it is ${stats.size} bytes long but its header describes ${expected} bytes: ${stats.size - expected} unexpected bytes at the end`,
      );
    }
    return Buffer.concat([head, await readUpTo(handle, head.length, stats.size - head.length)]);
  } finally {
    await handle.close();
  }
}

/** Up to `length` bytes from `position`: fewer only if the file ends first. */
async function readUpTo(handle: fs.FileHandle, position: number, length: number): Promise<Buffer> {
  const bytes = Buffer.alloc(length);
  let offset = 0;
  while (offset < length) {
    const { bytesRead } = await handle.read(bytes, offset, length - offset, position + offset);
    if (bytesRead === 0) break;
    offset += bytesRead;
  }
  return bytes.subarray(0, offset);
}
