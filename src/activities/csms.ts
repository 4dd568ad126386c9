import { activityInfo, log } from '@temporalio/activity';
import type { ConsumerSpec } from '../rotation/model';
import { SYSCURRENT, SYSPREVIOUS, type CsmsClient } from '../providers/csms/client';
import { CSMS_ENV } from '../providers/csms/config';
import { cancelDeletionHint } from '../providers/csms/errors';
import type { Secret } from '../providers/csms/schemas';
import type { WorkerScope } from '../worker-scope';
import { classified, rejectRequest, useNotReported } from './failures';
import { assertCsmsSecretInScope } from './scope';
import type { ConsumerActivities, ConsumerReading, RestorePoint, RollbackOutcome } from './consumer';
import { credentialFields, holdsOf, jsonShapeOf, parseJsonObject as parseValue, shapeMismatch } from './credential-json';

/**
 * A CSMS secret consumer. The secret's value is a JSON object `{"accessKeyId", "secretAccessKey", …}`: the field names
 * of the AWS SDKs' credential object and of SORACOM's aws-credentials sets, so software can hand the parsed value to
 * an AWS client as is; a SORACOM AuthKey is `{"authKeyId", "authKey"}`, the body of SORACOM's POST /auth (see
 * credential-json.ts). Other fields the operator keeps in the value (a region, a bucket) are carried into each new version.
 *
 * Registering adds a version, which CSMS marks SYSCURRENT while the former SYSCURRENT becomes SYSPREVIOUS; software
 * reading SYSCURRENT gets the new key. Rolling back moves SYSCURRENT (and SYSPREVIOUS) back to the versions recorded
 * at preflight.
 */
// CSMS's own default recovery window for scheduled deletion (DeleteSecretForSchedule)
const DEFAULT_DELETION_WINDOW_DAYS = 30;

interface CurrentValue {
  versionId: string;
  value: Record<string, unknown> | null;
  holds: string | null;
}

function csmsConsumer(consumer: ConsumerSpec) {
  if (consumer.kind !== 'csms-secret') throw rejectRequest('WrongProvider', `consumer kind ${consumer.kind} sent to the csms task queue`);
  return consumer;
}

function pendingDeletion(secretName: string, secret: Secret, projectId: string): Error {
  const at = typeof secret.scheduled_delete_time === 'number' ? ` on ${new Date(secret.scheduled_delete_time < 1e12 ? secret.scheduled_delete_time * 1000 : secret.scheduled_delete_time).toISOString()}` : '';
  return rejectRequest('CsmsSecretPendingDeletion', `CSMS secret '${secretName}' is scheduled for deletion${at} (PENDING_DELETE); no change was made. ${cancelDeletionHint(secretName, projectId)}`);
}

/** `scope.csmsSecrets` limits the secrets it reads or writes, in planning and again in every later activity. */
export function createCsmsActivities(csms: CsmsClient | undefined, scope: Pick<WorkerScope, 'csmsSecrets'>): ConsumerActivities {
  /** Every activity names its secret through the consumer: the one place to check it. */
  const inScope = (consumer: ConsumerSpec) => {
    const spec = csmsConsumer(consumer);
    assertCsmsSecretInScope(scope, spec.secretName);
    return spec;
  };

  const client = (): CsmsClient => {
    if (csms === undefined) {
      throw rejectRequest('CsmsNotConfigured', `this worker has no CSMS configuration: set ${CSMS_ENV.filter((v) => v !== 'CSMS_ENDPOINT').join(', ')} (or CSMS_ENDPOINT) and restart it`);
    }
    return csms;
  };

  /** What software reading SYSCURRENT gets now. */
  async function readCurrent(name: string): Promise<CurrentValue | null> {
    const stage = await client().showSecretStage(name, SYSCURRENT);
    if (stage === null) return null;
    const version = await client().showSecretVersion(name, stage.version_id);
    const value = parseValue(version.secret_string);
    return { versionId: stage.version_id, value, holds: holdsOf(value) };
  }

  const reading = (name: string, current: CurrentValue | null): ConsumerReading => ({ credentialsId: name, exists: true, holds: current?.holds ?? null });

  return {
    async planConsumer({ consumer, source }) {
      const { secretName } = inScope(consumer);
      const shape = jsonShapeOf(source);
      if (shape === undefined) {
        throw rejectRequest('IncompatibleConsumer', `csms:${secretName} holds an AWS access key or a SORACOM AuthKey as JSON and cannot hold a ${source.kind}`);
      }
      return classified(async () => {
        const secret = await client().showSecret(secretName);
        if (secret === null) {
          throw rejectRequest('CsmsUnknownSecret', `CSMS secret '${secretName}' does not exist in project ${client().projectId} (${client().region}); create it holding the current key as {"accessKeyId","secretAccessKey"} JSON, or check the --consumer name`);
        }
        if (secret.state === 'PENDING_DELETE') throw pendingDeletion(secretName, secret, client().projectId);
        if (secret.state !== 'ENABLED') {
          throw rejectRequest('CsmsSecretNotEnabled', `CSMS secret '${secretName}' is ${secret.state}; only an ENABLED secret can take a new version. No change was made.`);
        }
        const current = await readCurrent(secretName);
        const mismatch = current === null ? undefined : shapeMismatch(source, current.value);
        if (current === null || mismatch !== undefined) {
          throw rejectRequest(
            'CsmsSecretFormat',
            `CSMS secret '${secretName}' ${current === null ? `has no SYSCURRENT version; the rotator writes {"${shape.idField}","${shape.secretField}"} for ${shape.holding}` : `SYSCURRENT (${current.versionId}) ${mismatch}`}, ` +
              `which the software reading it would not expect. No change was made.`,
          );
        }
        const previous = await client().showSecretStage(secretName, SYSPREVIOUS);
        const restorePoint: RestorePoint = { [SYSCURRENT]: current.versionId, ...(previous === null ? {} : { [SYSPREVIOUS]: previous.version_id }) };
        return { ...reading(secretName, current), targetCredentialsId: secretName, restorePoint };
      });
    },

    async putCredential({ consumer, source, credential }) {
      const { secretName } = inScope(consumer);
      const fields = credentialFields(source, credential, `csms:${secretName}`);
      return classified(async () => {
        const before = await readCurrent(secretName);
        // a retry after a lost response finds its own earlier version as SYSCURRENT: never add a second one
        if (before?.holds !== credential.id) {
          const value = JSON.stringify({ ...(before?.value ?? {}), ...fields });
          const created = await client().createSecretVersion(secretName, value);
          log.info('registered credential as a CSMS secret version', { secretName, versionId: created.id, accessKeyId: credential.id, attempt: activityInfo().attempt });
        }
        const after = await readCurrent(secretName);
        if (after?.holds !== credential.id) {
          throw rejectRequest('CsmsReadBackMismatch', `CSMS secret '${secretName}' SYSCURRENT (${after?.versionId ?? 'none'}) holds ${after?.holds ?? 'nothing'} after writing ${credential.id}; something else is writing to it`);
        }
        return reading(secretName, after);
      });
    },

    async readConsumer({ consumer }) {
      const { secretName } = inScope(consumer);
      return classified(async () => {
        const secret = await client().showSecret(secretName);
        if (secret === null) return { credentialsId: secretName, exists: false, holds: null };
        // a secret pending deletion cannot be read: say so rather than guess what it holds
        if (secret.state === 'PENDING_DELETE') throw pendingDeletion(secretName, secret, client().projectId);
        return reading(secretName, await readCurrent(secretName));
      });
    },

    async rollBackConsumer({ consumer, restorePoint, newCredentialId }): Promise<RollbackOutcome> {
      const { secretName } = inScope(consumer);
      const target = restorePoint[SYSCURRENT];
      if (target === undefined) throw rejectRequest('CsmsRestorePointInvalid', `restore point for csms:${secretName} names no SYSCURRENT version`);
      return classified(async () => {
        const now = await readCurrent(secretName);
        if (now === null || now.versionId === target) {
          return { ...reading(secretName, now), outcome: 'untouched', detail: `SYSCURRENT is still ${target}; nothing to undo` };
        }
        if (now.holds !== newCredentialId) {
          return { ...reading(secretName, now), outcome: 'untouched', detail: `SYSCURRENT is ${now.versionId} holding ${now.holds ?? 'an unknown value'}, not written by this rotation; left alone` };
        }
        await client().updateSecretStage(secretName, SYSCURRENT, target);
        const previous = restorePoint[SYSPREVIOUS];
        if (previous !== undefined) await client().updateSecretStage(secretName, SYSPREVIOUS, previous);
        const after = await readCurrent(secretName);
        if (after?.versionId !== target) {
          throw rejectRequest('CsmsReadBackMismatch', `CSMS secret '${secretName}' SYSCURRENT is ${after?.versionId ?? 'none'} after moving it back to ${target}; something else is writing to it`);
        }
        log.info('moved CSMS SYSCURRENT back', { secretName, from: now.versionId, to: target });
        return { ...reading(secretName, after), outcome: 'rolled-back', detail: `SYSCURRENT moved back from ${now.versionId} to ${target} (holds ${after.holds ?? 'nothing'})` };
      });
    },

    async consumerUse({ consumer }) {
      inScope(consumer);
      throw useNotReported('Huawei Cloud CSMS');
    },

    // a secret takes new versions in place: it never moves, so nothing reads an old home
    async homeReaders({ consumer }) {
      inScope(consumer);
      return [];
    },

    // retiring a secret uses CSMS's own recoverable deletion (cancel it with RestoreSecret), never an immediate delete
    async removeCredentialsSet({ consumer }) {
      const { secretName } = inScope(consumer);
      return classified(async () => {
        const outcome = await client().scheduleDeletion(secretName, DEFAULT_DELETION_WINDOW_DAYS);
        log.info('scheduled CSMS secret deletion', { secretName, outcome, recoveryWindowDays: DEFAULT_DELETION_WINDOW_DAYS });
        return outcome === 'scheduled' ? 'deleted' : 'already-gone';
      });
    },
  };
}
