import { activityInfo, log } from '@temporalio/activity';
import type { ConsumerSpec, SourceSpec } from '../rotation/model';
import type { SoracomClient } from '../providers/soracom/client';
import type { CredentialsModel } from '../providers/soracom/schemas';
import { classified, rejectRequest } from './failures';
import type { ConsumerActivities, ConsumerReading } from './consumer';
import type { NewCredential } from './source';

const AWS_CREDENTIALS = 'aws-credentials';

function soracomConsumer(consumer: ConsumerSpec) {
  if (consumer.kind !== 'soracom-credentials-set') throw rejectRequest('WrongProvider', `consumer kind ${consumer.kind} sent to the soracom task queue`);
  return consumer;
}

/** A SORACOM set of type aws-credentials holds an access key; its id is public, its secret is not. */
function reading(credentialsId: string, set: CredentialsModel | null): ConsumerReading {
  const accessKeyId = set?.credentials && typeof set.credentials.accessKeyId === 'string' ? set.credentials.accessKeyId : null;
  return { credentialsId, exists: set !== null, holds: accessKeyId };
}

/** Turns the source's credential into the set's `credentials` object; only AWS keys go into aws-credentials sets. */
function credentialsFor(source: SourceSpec, credential: NewCredential): { accessKeyId: string; secretAccessKey: string } {
  if (source.kind !== 'aws-iam-access-key' || !credential.secret.secretAccessKey) {
    throw rejectRequest('IncompatibleConsumer', `a SORACOM aws-credentials set can only hold an AWS access key, not a ${source.kind}`);
  }
  return { accessKeyId: credential.id, secretAccessKey: credential.secret.secretAccessKey };
}

/** `<prefix>-<yyyymmdd>` as the seed scripts name sets; the prefix drops a trailing date from the current id. */
export function versionedCredentialsId(currentId: string, today: string, taken: ReadonlySet<string>): string {
  const prefix = currentId.replace(/-\d{8}(-\d+)?$/, '');
  let candidate = `${prefix}-${today}`;
  for (let n = 2; taken.has(candidate); n++) candidate = `${prefix}-${today}-${n}`;
  return candidate;
}

export function createSoracomActivities(soracom: SoracomClient): ConsumerActivities {
  return {
    async planConsumer({ consumer, source, today }) {
      const { credentialsId, mode } = soracomConsumer(consumer);
      if (source.kind !== 'aws-iam-access-key') {
        throw rejectRequest('IncompatibleConsumer', `soracom:${credentialsId} is an aws-credentials set and cannot hold a ${source.kind}`);
      }
      return classified(async () => {
        const sets = await soracom.listCredentials();
        const current = sets.find((s) => s.credentialsId === credentialsId) ?? null;
        if (!current) {
          throw rejectRequest('SoracomUnknownCredentialsSet', `SORACOM credentials set '${credentialsId}' does not exist for this operator; check the --consumer id (existing sets: ${sets.map((s) => s.credentialsId).join(', ') || 'none'})`);
        }
        if (current.type !== AWS_CREDENTIALS) {
          throw rejectRequest('SoracomWrongCredentialsType', `SORACOM credentials set '${credentialsId}' is of type ${current.type}, not ${AWS_CREDENTIALS}; it cannot hold an AWS access key`);
        }
        const targetCredentialsId = mode === 'update' ? credentialsId : versionedCredentialsId(credentialsId, today, new Set(sets.map((s) => s.credentialsId)));
        return { ...reading(credentialsId, current), targetCredentialsId };
      });
    },

    async putCredential({ consumer, source, targetCredentialsId, credential }) {
      const { credentialsId, mode } = soracomConsumer(consumer);
      const credentials = credentialsFor(source, credential);
      return classified(async () => {
        const existing = await soracom.getCredentials(targetCredentialsId);
        if (!existing && mode === 'update') {
          throw rejectRequest('SoracomCredentialsSetGone', `SORACOM credentials set '${targetCredentialsId}' was deleted during the rotation; update mode never recreates a set — check who removed it`);
        }
        const body = { type: AWS_CREDENTIALS, description: existing?.description ?? `rotated from ${credentialsId}`, credentials };
        // a retry after a lost response finds its own earlier write: PUT is idempotent, POST only for a set not there yet
        if (existing) await soracom.updateCredentials(targetCredentialsId, body);
        else await soracom.createCredentials(targetCredentialsId, body);
        const after = reading(targetCredentialsId, await soracom.getCredentials(targetCredentialsId));
        if (after.holds !== credential.id) {
          throw rejectRequest('SoracomReadBackMismatch', `SORACOM set '${targetCredentialsId}' holds ${after.holds ?? 'nothing'} after writing ${credential.id}; something else is writing to it`);
        }
        log.info('registered credential in SORACOM set', { credentialsId: targetCredentialsId, accessKeyId: credential.id, attempt: activityInfo().attempt });
        return after;
      });
    },

    async readConsumer({ credentialsId }) {
      return classified(async () => reading(credentialsId, await soracom.getCredentials(credentialsId)));
    },

    // planConsumer gives no restore point, so the workflow never schedules this: the set's old secret is not known to the rotator
    async rollBackConsumer({ credentialsId, newCredentialId }) {
      return classified(async () => {
        const now = reading(credentialsId, await soracom.getCredentials(credentialsId));
        if (now.holds !== newCredentialId) return { ...now, outcome: 'untouched' as const, detail: `set ${credentialsId} holds ${now.holds ?? 'nothing'}, not the new credential` };
        throw rejectRequest('SoracomCannotRollBack', `SORACOM set '${credentialsId}' holds the new credential ${newCredentialId}; its old secret is not known to the rotator, so it cannot be put back`);
      });
    },

    async removeCredentialsSet({ credentialsId }) {
      return classified(() => soracom.deleteCredentials(credentialsId));
    },
  };
}
