import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { classifyFileError } from './errors';

/**
 * Where a path really leads on this worker: symbolic links followed and `..` taken after them, as the kernel does
 * (a lexical `path.resolve` would take `/allowed/link/../x` for `/allowed/x` when `link` points elsewhere). The part of
 * the path that does not exist yet is kept as written: it cannot be a link, and writing through it fails anyway.
 */
export async function physicalPath(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw classifyFileError(err, 'resolving', file);
    const parent = path.dirname(file);
    if (parent === file) return file;
    return path.join(await physicalPath(parent), path.basename(file));
  }
}

/** Whether `file` lies below `dir` (both physical paths): the directory itself is not a file inside it. */
export function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}
