/**
 * Replacing a file so that a crash at any moment leaves either the old file or the new one, never a
 * truncated mix: write a temporary file in the same directory (rename is atomic only within a file
 * system), flush it to disk, rename it over the target, then flush the directory so the rename itself
 * survives a power cut. A crash before the rename leaves the old file and a stray `.name.*.tmp`.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Replaces `file` with `bytes` atomically (see the file comment); the file system's errors as they are. */
export async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const target = path.resolve(file);
  const directory = path.dirname(target);
  const temporary = path.join(directory, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // Keep the permissions of the file being replaced, as an in-place write would.
  const mode = await fs.stat(target).then(
    (stats) => stats.mode & 0o7777,
    () => undefined,
  );
  const handle = await fs.open(temporary, 'wx');
  try {
    try {
      if (mode !== undefined) await handle.chmod(mode);
      let offset = 0;
      while (offset < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, offset);
        offset += bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, target);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  // Not every platform can open a directory for fsync (Windows cannot); the rename is done either way.
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(directory, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    await handle?.close();
  }
}
