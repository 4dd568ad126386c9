/**
 * The worker's scope (src/worker-scope.ts), enforced where the provider calls are made: in preflight, and again in every
 * activity that writes, so a workflow that skipped planning (or any code that can schedule our activities) still cannot
 * reach outside it. Each refusal is `OutOfScope`, fails fast, names the variable that would allow it, and comes before
 * any change.
 */
import { isInside, physicalPath } from '../providers/file/physical-path';
import { allowedByPatterns, SCOPE_ENV, type WorkerScope } from '../worker-scope';
import { rejectRequest } from './failures';

const NO_CHANGE = 'No change was made.';

function outOfScope(message: string): Error {
  return rejectRequest('OutOfScope', `${message} ${NO_CHANGE}`);
}

/** Where file consumers may be: the directories of ROTATOR_FILE_DIRS, else only the worker's own SORACOM key file. */
export interface FileScope {
  readonly dirs?: readonly string[];
  /** SORACOM_AUTH_KEY_FILE, the one file allowed while `dirs` is unset */
  readonly ownKeyFile?: string;
}

/** Refuses a file that does not resolve (links and `..` followed) into the file scope. */
export function fileScopeGuard(scope: FileScope): (file: string) => Promise<void> {
  return async (file) => {
    if (typeof file !== 'string' || !file.startsWith('/') || file.includes('\0')) {
      throw outOfScope(`file:${String(file)} is not an absolute path; this worker writes only absolute paths it can check.`);
    }
    const real = await physicalPath(file);
    const resolved = real === file ? '' : ` (it resolves to ${real})`;
    if (scope.dirs !== undefined) {
      for (const dir of scope.dirs) if (isInside(await physicalPath(dir), real)) return;
      throw outOfScope(
        `file:${file}${resolved} is outside the directories this worker may write: ${SCOPE_ENV.fileDirs} allows ${scope.dirs.join(', ')}. ` +
          `Name a file inside one of them, or add its directory to ${SCOPE_ENV.fileDirs} (comma-separated absolute directories) and restart the worker.`,
      );
    }
    if (scope.ownKeyFile !== undefined) {
      if (real === (await physicalPath(scope.ownKeyFile))) return;
      throw outOfScope(
        `file:${file}${resolved} is not this worker's own SORACOM key file (SORACOM_AUTH_KEY_FILE ${scope.ownKeyFile}), the only file it may write ` +
          `while ${SCOPE_ENV.fileDirs} is unset. To allow other files, set ${SCOPE_ENV.fileDirs} to their directories (comma-separated absolute directories) and restart the worker.`,
      );
    }
    throw outOfScope(
      `file:${file} cannot be written: this worker may write no file, as neither ${SCOPE_ENV.fileDirs} nor SORACOM_AUTH_KEY_FILE is set. ` +
        `To allow it, set ${SCOPE_ENV.fileDirs} to its directory (comma-separated absolute directories) and restart the worker.`,
    );
  };
}

/** Refuses an IAM user whose path, as IAM reports it (never a name from the request), starts with no allowed prefix. */
export function assertIamPathInScope(scope: Pick<WorkerScope, 'iamPathPrefixes'>, userName: string, iamPath: string): void {
  const prefixes = scope.iamPathPrefixes;
  if (prefixes === undefined || prefixes.some((prefix) => iamPath.startsWith(prefix))) return;
  throw outOfScope(
    `IAM user '${userName}' has the path ${iamPath}, outside this worker's scope: ${SCOPE_ENV.iamPathPrefixes} allows ${prefixes.join(', ')}. ` +
      `Rotate a user under one of those paths, or add a prefix of ${iamPath} to ${SCOPE_ENV.iamPathPrefixes} and restart the worker.`,
  );
}

/**
 * Refuses a SORACOM credentials set outside ROTATOR_ALLOW_SORACOM_SETS. `credentialsId` is the set an activity touches;
 * a versioned consumer's new set (`<prefix>-<yyyymmdd>`, `isVersionOf`) is in scope when the set it was named after is.
 */
export function assertSoracomSetInScope(
  scope: Pick<WorkerScope, 'soracomSets'>,
  named: string,
  credentialsId: string,
  isVersionOfNamed: (id: string) => boolean,
): void {
  const patterns = scope.soracomSets;
  if (patterns === undefined || allowedByPatterns(patterns, credentialsId)) return;
  if (allowedByPatterns(patterns, named) && isVersionOfNamed(credentialsId)) return;
  throw outOfScope(
    `SORACOM credentials set '${credentialsId}' is outside this worker's scope: ${SCOPE_ENV.soracomSets} allows ${patterns.join(', ')}. ` +
      `Add the set (or a prefix of it ending in *) to ${SCOPE_ENV.soracomSets} and restart the worker.`,
  );
}

/** Refuses a CSMS secret outside ROTATOR_ALLOW_CSMS_SECRETS. */
export function assertCsmsSecretInScope(scope: Pick<WorkerScope, 'csmsSecrets'>, secretName: string): void {
  const patterns = scope.csmsSecrets;
  if (patterns === undefined || allowedByPatterns(patterns, secretName)) return;
  throw outOfScope(
    `CSMS secret '${secretName}' is outside this worker's scope: ${SCOPE_ENV.csmsSecrets} allows ${patterns.join(', ')}. ` +
      `Add the secret (or a prefix of it ending in *) to ${SCOPE_ENV.csmsSecrets} and restart the worker.`,
  );
}
