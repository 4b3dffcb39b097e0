/**
 * Replacing a file so that a crash at any moment leaves either the old file or the new one, never a
 * truncated mix: write a temporary file in the same directory (rename is atomic only within a file
 * system), flush it to disk, rename it over the target, then flush the directory so the rename itself
 * survives a power cut. A crash before the rename leaves the old file and a stray temporary file, named
 * `.<name>.blasnet-<pid>-<random>.tmp` so that it can be recognised: the next save of the same file removes
 * those whose process is gone (never one a live process may still be writing).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** Temporary files this process is writing now, which a cleanup must leave alone. */
const writing = new Set<string>();

/** A new temporary file's path beside `target` (see the file comment), registered as in use. */
export function temporaryPath(target: string): string {
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.blasnet-${process.pid}-${randomBytes(6).toString('hex')}.tmp`,
  );
  writing.add(temporary);
  return temporary;
}

/** Marks a temporary file from {@link temporaryPath} as no longer in use. */
export function releaseTemporary(temporary: string): void {
  writing.delete(temporary);
}

/**
 * Removes temporary files of earlier, interrupted saves of `target`: those named as temporaryPath names
 * them (or `.<name>.<pid>.<random>.tmp`, as blasnet 0.1 did) whose process no longer runs. Best effort:
 * a file that cannot be listed or removed is left.
 */
export async function removeStaleTemporaries(target: string): Promise<void> {
  const directory = path.dirname(target);
  const name = path.basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`^\\.${name}\\.(?:blasnet-(\\d+)-|(\\d+)\\.)[0-9a-f]{8,12}\\.tmp$`);
  let entries: string[];
  try {
    entries = await fs.readdir(directory);
  } catch {
    return;
  }
  for (const entry of entries) {
    const match = pattern.exec(entry);
    if (match === null) continue;
    const file = path.join(directory, entry);
    const pid = Number(match[1] ?? match[2]);
    if (writing.has(file) || (pid !== process.pid && isRunning(pid))) continue;
    await fs.rm(file, { force: true }).catch(() => undefined);
  }
}

/** Whether a process with this id runs (EPERM: it does, as another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Replaces `file` with `bytes` atomically (see the file comment); the file system's errors as they are. */
export async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const target = path.resolve(file);
  const directory = path.dirname(target);
  await removeStaleTemporaries(target);
  const temporary = temporaryPath(target);
  try {
    await replaceWith(target, temporary, bytes);
  } finally {
    releaseTemporary(temporary);
  }
  await syncDirectory(directory);
}

async function replaceWith(target: string, temporary: string, bytes: Uint8Array): Promise<void> {
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
