/**
 * A JSON file replaced as a whole and atomically: written to a temporary file beside it (mode 0600), flushed to disk,
 * renamed over the target, and the directory flushed — a reader sees the old content or the new, never a mix, and a
 * crash leaves one of the two. Content is never logged or put in an error.
 */
import { randomBytes } from 'node:crypto';
import { lstat, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { classifyFileError, fileRefused } from './errors';

export const FILE_MODE = 0o600;

/** What is at a path now: nothing, or a regular file's text. Anything else (a link, a directory) is refused. */
export async function readRegularFile(file: string): Promise<string | null> {
  let stats;
  try {
    stats = await lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw classifyFileError(err, 'reading', file);
  }
  if (stats.isSymbolicLink()) {
    throw fileRefused('FileIsSymlink', `${file} is a symbolic link: replacing it would replace the link, not the file it points to; name the real file`);
  }
  if (!stats.isFile()) throw fileRefused('FileNotRegular', `${file} is not a regular file`);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw classifyFileError(err, 'reading', file);
  }
}

/** Replaces `file` with `content` atomically; the result has mode 0600 whatever the umask. */
export async function replaceAtomically(file: string, content: string): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', FILE_MODE);
    try {
      await handle.chmod(FILE_MODE);
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw classifyFileError(err, 'writing', file);
  }
  await syncDirectory(dir, file);
}

/** Proves the directory takes a new file (a read-only mount, a missing volume), leaving nothing behind. */
export async function probeWritable(file: string): Promise<void> {
  const probe = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.probe`);
  try {
    const handle = await open(probe, 'wx', FILE_MODE);
    await handle.close();
  } catch (err) {
    throw classifyFileError(err, 'creating a file beside', file);
  } finally {
    await rm(probe, { force: true }).catch(() => undefined);
  }
}

/** The rename is durable only once the directory entry is on disk. */
async function syncDirectory(dir: string, file: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw classifyFileError(err, 'flushing the directory of', file);
  }
}
