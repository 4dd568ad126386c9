import { failFast, ProviderError, retry } from '../errors';

/** File system errors that pass: a full disk, an I/O hiccup, a busy file. Everything else needs an operator. */
const transientCodes = new Set(['ENOSPC', 'EIO', 'EBUSY', 'EAGAIN', 'EMFILE', 'ENFILE', 'EINTR']);

const hints: Record<string, string> = {
  ENOENT: 'the directory does not exist on this worker: create it, or mount the volume that holds it',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'the path is a directory; name a file',
  EACCES: 'the worker may not write there: give its user write access to the directory',
  EPERM: 'the worker may not write there: give its user write access to the directory',
  EROFS: 'the file system is read-only on this worker: name a file on a writable volume',
  ELOOP: 'the path is a symbolic link loop',
  EXDEV: 'the temporary file and the target are on different file systems',
};

/** Classifies a file system error of `operation` on `path`; the message never holds file content. */
export function classifyFileError(err: unknown, operation: string, path: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'EUNKNOWN';
  const transient = transientCodes.has(code);
  const hint = transient ? 'retrying' : (hints[code] ?? 'check the path and the worker\'s permissions');
  return new ProviderError('file', transient ? 'FileUnavailable' : 'FileNotWritable', `${operation} ${path} failed (${code}): ${hint}.`, transient ? retry : failFast, {
    cause: new Error(code),
  });
}

/** A file that is there but not what the rotator may replace (a link, a device, text that is not JSON …). */
export function fileRefused(type: string, message: string): ProviderError {
  return new ProviderError('file', type, message, failFast);
}
