import { activityInfo, log } from '@temporalio/activity';
import type { ConsumerSpec } from '../rotation/model';
import { probeWritable, readRegularFile, replaceAtomically } from '../providers/file/json-file';
import { credentialFields, holdsOf, JSON_HOLDINGS, jsonShapeOf, parseJsonObject, shapeMismatch } from './credential-json';
import { classified, rejectRequest, useNotReported } from './failures';
import type { ConsumerActivities, ConsumerReading, RollbackOutcome } from './consumer';
import { fileScopeGuard, type FileScope } from './scope';

/**
 * A JSON file on the worker's file system — typically the key file the rotator itself logs in with.
 * Registering replaces the file atomically (mode 0600) after copying what it held to `<file>.previous` (also 0600),
 * which is where a rollback puts it back from. Any worker may run these activities: every worker must see the same
 * file (one host, or a volume they all mount).
 */
export const PREVIOUS_SUFFIX = '.previous';

export function previousPath(file: string): string {
  return `${file}${PREVIOUS_SUFFIX}`;
}

function fileConsumer(consumer: ConsumerSpec) {
  if (consumer.kind !== 'file') throw rejectRequest('WrongProvider', `consumer kind ${consumer.kind} sent to the file task queue`);
  return consumer;
}

interface FileReading {
  text: string | null;
  value: Record<string, unknown> | null;
  holds: string | null;
}

async function readJson(file: string): Promise<FileReading> {
  const text = await readRegularFile(file);
  const value = parseJsonObject(text);
  return { text, value, holds: holdsOf(value) };
}

const reading = (file: string, now: FileReading): ConsumerReading => ({ credentialsId: file, exists: now.text !== null, holds: now.holds });

/**
 * `scope` is where files may be (ROTATOR_FILE_DIRS, else only the worker's own key file): checked, links and
 * `..` resolved, before any file is read or written, in planning and again in every later activity.
 */
export function createFileActivities(scope: FileScope): ConsumerActivities {
  const assertInScope = fileScopeGuard(scope);
  /** The consumer's file, once it is known to be in scope. */
  const fileOf = async (consumer: ConsumerSpec): Promise<string> => {
    const { path: file } = fileConsumer(consumer);
    await classified(() => assertInScope(file));
    return file;
  };

  return {
    async planConsumer({ consumer, source }) {
      const file = await fileOf(consumer);
      const shape = jsonShapeOf(source);
      if (shape === undefined) {
        throw rejectRequest('IncompatibleConsumer', `file:${file} holds ${JSON_HOLDINGS} as JSON and cannot hold a ${source.kind}`);
      }
      return classified(async () => {
        const now = await readJson(file);
        if (now.text === null) {
          throw rejectRequest('FileMissing', `${file} does not exist on this worker; create it holding the current credential as {"${shape.idField}","${shape.secretField}"} JSON (mode 0600), or check the --consumer path. No change was made.`);
        }
        const mismatch = shapeMismatch(source, now.value);
        if (mismatch !== undefined) throw rejectRequest('FileFormat', `${file} ${mismatch}, which the software reading it would not expect. No change was made.`);
        // a read-only mount or a missing write permission shows now, before any credential exists
        await probeWritable(file);
        return { ...reading(file, now), targetCredentialsId: file, restorePoint: { holds: now.holds!, copy: previousPath(file) } };
      });
    },

    async putCredential({ consumer, source, credential }) {
      const file = await fileOf(consumer);
      const fields = credentialFields(source, credential, `file:${file}`);
      return classified(async () => {
        const before = await readJson(file);
        if (before.text === null) throw rejectRequest('FileGone', `${file} was deleted during the rotation; the rotator never creates it anew — check who removed it`);
        // a retry after a lost answer finds its own earlier write: never copy the new credential over the previous one
        if (before.holds !== credential.id) {
          await replaceAtomically(previousPath(file), before.text);
          await replaceAtomically(file, `${JSON.stringify({ ...(before.value ?? {}), ...fields }, null, 2)}\n`);
          log.info('registered credential in file', { file, credentialId: credential.id, attempt: activityInfo().attempt });
        }
        const after = await readJson(file);
        const secretField = Object.keys(fields).find((f) => after.value?.[f] !== fields[f]);
        if (after.holds !== credential.id || secretField !== undefined) {
          throw rejectRequest('FileReadBackMismatch', `${file} holds ${after.holds ?? 'nothing'} after writing ${credential.id}; something else is writing to it`);
        }
        return reading(file, after);
      });
    },

    async readConsumer({ consumer }) {
      const file = await fileOf(consumer);
      return classified(async () => reading(file, await readJson(file)));
    },

    async rollBackConsumer({ consumer, restorePoint, newCredentialId }): Promise<RollbackOutcome> {
      const file = await fileOf(consumer);
      const { holds: heldBefore, copy = previousPath(file) } = restorePoint;
      if (heldBefore === undefined) throw rejectRequest('FileRestorePointInvalid', `restore point for file:${file} names no credential`);
      return classified(async () => {
        // the copy is read into the file: one named anywhere but beside it must be in scope as well
        if (copy !== previousPath(file)) await assertInScope(copy);
        const now = await readJson(file);
        if (now.holds !== newCredentialId) {
          return { ...reading(file, now), outcome: 'untouched', detail: `holds ${now.holds ?? 'nothing'}, not the new credential; left alone` };
        }
        const previous = await readJson(copy);
        if (previous.text === null || previous.holds !== heldBefore) {
          throw rejectRequest('FileCannotRollBack', `${file} holds the new credential ${newCredentialId} and its copy ${copy} holds ${previous.holds ?? 'nothing'}, not ${heldBefore}: it cannot be put back`);
        }
        await replaceAtomically(file, previous.text);
        const after = await readJson(file);
        if (after.holds !== heldBefore) {
          throw rejectRequest('FileReadBackMismatch', `${file} holds ${after.holds ?? 'nothing'} after putting ${heldBefore} back; something else is writing to it`);
        }
        log.info('put the previous credential back in file', { file, credentialId: heldBefore });
        return { ...reading(file, after), outcome: 'rolled-back', detail: `put back from ${copy} (holds ${heldBefore})` };
      });
    },

    async consumerUse({ consumer }) {
      fileConsumer(consumer);
      throw useNotReported('a file');
    },

    // a file is replaced in place: it never moves, so nothing reads an old home
    async homeReaders({ consumer }) {
      fileConsumer(consumer);
      return [];
    },

    // the workflow removes only sets it created in versioned mode; a file consumer is always replaced in place
    async removeCredentialsSet({ consumer }) {
      const { path: file } = fileConsumer(consumer);
      throw rejectRequest('FileNotRemovable', `the rotator never deletes a file consumer (${file})`);
    },
  };
}
