import { activityInfo, log } from '@temporalio/activity';
import { credentialFormOf, type ConsumerSpec, type SourceSpec } from '../rotation/registry';
import type { CredentialType } from '../rotation/descriptors';
import type { SoracomClient } from '../providers/soracom/client';
import type { CredentialsModel } from '../providers/soracom/schemas';
import type { WorkerScope } from '../worker-scope';
import { classified, rejectRequest } from './failures';
import type { ConsumerActivities, ConsumerReading } from './consumer';
import { assertSoracomSetInScope } from './scope';
import { setGroups } from './soracom-groups';
import type { NewCredential } from './source';

const AWS_CREDENTIALS = 'aws-credentials';
const API_TOKEN_CREDENTIALS = 'api-token-credentials';

function soracomConsumer(consumer: ConsumerSpec) {
  if (consumer.kind !== 'soracom-credentials-set') throw rejectRequest('WrongProvider', `consumer kind ${consumer.kind} sent to the soracom task queue`);
  return consumer;
}

/**
 * An api-token-credentials set holds only `{token}`, a secret: the public id of the token it holds is recorded
 * in the set's description as `[rotator: token <id>]` when the rotator writes it.
 */
const TOKEN_MARKER = /\s*\[rotator: token ([^\]\s]+)\]$/;

export function describeTokenSet(description: string | undefined, tokenId: string): string {
  return `${(description ?? '').replace(TOKEN_MARKER, '')} [rotator: token ${tokenId}]`.trim();
}

/** The public id of the credential a set holds: an aws-credentials set's access key id, an api-token set's recorded token id. */
function reading(credentialsId: string, set: CredentialsModel | null): ConsumerReading {
  let holds: string | null = null;
  if (set?.type === API_TOKEN_CREDENTIALS) holds = TOKEN_MARKER.exec(set.description ?? '')?.[1] ?? null;
  else if (set?.credentials && typeof set.credentials.accessKeyId === 'string') holds = set.credentials.accessKeyId;
  return { credentialsId, exists: set !== null, holds };
}

/** The SORACOM credentials type for each kind of credential a set can hold, and the set's fields for it. */
const SET_TYPES: Partial<Record<CredentialType, { type: string; fields: (id: string, secret: string) => Record<string, string> }>> = {
  'aws-access-key': { type: AWS_CREDENTIALS, fields: (id, secret) => ({ accessKeyId: id, secretAccessKey: secret }) },
  'api-token': { type: API_TOKEN_CREDENTIALS, fields: (_id, secret) => ({ token: secret }) },
};

/** The SORACOM credentials type that holds a credential of this source, and what the source calls that credential. */
function setTypeFor(source: SourceSpec, credentialsId: string): { type: string; holding: string } {
  const form = credentialFormOf(source);
  const setType = SET_TYPES[form.type];
  // no credentials type is meant for, say, an AuthKey, and nothing of SORACOM's would log in with one from a set
  if (setType === undefined) {
    throw rejectRequest('IncompatibleConsumer', `soracom:${credentialsId}: a SORACOM credentials set cannot hold ${form.holding}; use a file:<path> or csms:<secretName> consumer. No change was made.`);
  }
  return { type: setType.type, holding: form.holding };
}

/** Turns the source's credential into the set's `credentials` object, for the type that fits the source. */
function credentialsFor(source: SourceSpec, credential: NewCredential): Record<string, string> {
  const form = credentialFormOf(source);
  const secret = credential.secret[form.secretFields[0] ?? ''];
  const setType = SET_TYPES[form.type];
  if (setType === undefined || !secret) throw rejectRequest('IncompatibleConsumer', `a SORACOM credentials set cannot hold this ${source.kind} credential`);
  return setType.fields(credential.id, secret);
}

const DATED = /-\d{8}(-\d+)?$/;

/**
 * `<prefix>-<yyyymmdd>`, as public example scripts name sets (provider-facts §1.1, S6); the prefix drops a trailing
 * date from the current id.
 */
export function versionedCredentialsId(currentId: string, today: string, taken: ReadonlySet<string>): string {
  const prefix = currentId.replace(DATED, '');
  let candidate = `${prefix}-${today}`;
  for (let n = 2; taken.has(candidate); n++) candidate = `${prefix}-${today}-${n}`;
  return candidate;
}

/** Whether `id` is a set `versionedCredentialsId` could name after `currentId` (the same prefix, a date). */
export function isVersionOf(currentId: string, id: string): boolean {
  const prefix = currentId.replace(DATED, '');
  return id.startsWith(`${prefix}-`) && /^\d{8}(-\d+)?$/.test(id.slice(prefix.length + 1));
}

/** `scope.soracomSets` limits the sets it reads or writes, in planning and again in every later activity. */
export function createSoracomActivities(soracom: SoracomClient, scope: Pick<WorkerScope, 'soracomSets'>): ConsumerActivities {
  /** The set an activity touches must be allowed, or be a versioned consumer's dated set of an allowed one. */
  const assertInScope = (consumer: ConsumerSpec, credentialsId: string) => {
    const named = soracomConsumer(consumer);
    assertSoracomSetInScope(scope, named.credentialsId, credentialsId, (id) => named.mode === 'versioned' && isVersionOf(named.credentialsId, id));
  };
  // a versioned consumer moves to a new set: the groups naming its set move with it (README "SORACOM `versioned` mode and groups")
  const groups = setGroups(soracom);

  return {
    async planConsumer({ consumer, source, today }) {
      const { credentialsId, mode } = soracomConsumer(consumer);
      assertInScope(consumer, credentialsId);
      const expected = setTypeFor(source, credentialsId);
      return classified(async () => {
        const sets = await soracom.listCredentials();
        const current = sets.find((s) => s.credentialsId === credentialsId) ?? null;
        if (!current) {
          throw rejectRequest('SoracomUnknownCredentialsSet', `SORACOM credentials set '${credentialsId}' does not exist for this operator; check the --consumer id (existing sets: ${sets.map((s) => s.credentialsId).join(', ') || 'none'})`);
        }
        if (current.type !== expected.type) {
          throw rejectRequest('SoracomWrongCredentialsType', `SORACOM credentials set '${credentialsId}' is of type ${current.type}, not ${expected.type}; it cannot hold ${expected.holding}`);
        }
        const targetCredentialsId = mode === 'update' ? credentialsId : versionedCredentialsId(credentialsId, today, new Set(sets.map((s) => s.credentialsId)));
        if (mode === 'versioned') await groups.planMove(credentialsId);
        return { ...reading(credentialsId, current), targetCredentialsId };
      });
    },

    async putCredential({ consumer, source, targetCredentialsId, credential }) {
      const { credentialsId, mode } = soracomConsumer(consumer);
      assertInScope(consumer, targetCredentialsId);
      const credentials = credentialsFor(source, credential);
      return classified(async () => {
        const existing = await soracom.getCredentials(targetCredentialsId);
        if (!existing && mode === 'update') {
          throw rejectRequest('SoracomCredentialsSetGone', `SORACOM credentials set '${targetCredentialsId}' was deleted during the rotation; update mode never recreates a set — check who removed it`);
        }
        const { type } = setTypeFor(source, targetCredentialsId);
        const description = existing?.description ?? `rotated from ${credentialsId}`;
        const body = { type, description: type === API_TOKEN_CREDENTIALS ? describeTokenSet(description, credential.id) : description, credentials };
        // a retry after a lost response finds its own earlier write: PUT is idempotent, POST only for a set not there yet
        if (existing) await soracom.updateCredentials(targetCredentialsId, body);
        else await soracom.createCredentials(targetCredentialsId, body);
        const written = await soracom.getCredentials(targetCredentialsId);
        const after = reading(targetCredentialsId, written);
        // where SORACOM echoes the secret, it must be the one written (a description alone could lie)
        const echoed = written?.credentials.token;
        if (after.holds !== credential.id || (type === API_TOKEN_CREDENTIALS && typeof echoed === 'string' && echoed !== credentials.token)) {
          throw rejectRequest('SoracomReadBackMismatch', `SORACOM set '${targetCredentialsId}' holds ${after.holds ?? 'nothing'} after writing ${credential.id}; something else is writing to it`);
        }
        log.info('registered credential in SORACOM set', { credentialsId: targetCredentialsId, credentialId: credential.id, attempt: activityInfo().attempt });
        // only now that the new set holds the new credential may software be sent to it
        if (targetCredentialsId !== credentialsId) await groups.move(credentialsId, targetCredentialsId);
        return after;
      });
    },

    async readConsumer({ consumer, credentialsId }) {
      assertInScope(consumer, credentialsId);
      return classified(async () => reading(credentialsId, await soracom.getCredentials(credentialsId)));
    },

    // a set holds one credential: when a service last used the set, it used what the set holds
    async consumerUse({ consumer, credentialsId }) {
      assertInScope(consumer, credentialsId);
      return classified(async () => ({ lastUsedAt: (await soracom.getCredentials(credentialsId))?.lastUsedDateTime ?? null }));
    },

    // planConsumer gives no restore point, so the workflow never schedules this: the set's old secret is not known to the rotator
    async rollBackConsumer({ consumer, credentialsId, newCredentialId }) {
      assertInScope(consumer, credentialsId);
      return classified(async () => {
        const now = reading(credentialsId, await soracom.getCredentials(credentialsId));
        if (now.holds !== newCredentialId) return { ...now, outcome: 'untouched' as const, detail: `set ${credentialsId} holds ${now.holds ?? 'nothing'}, not the new credential` };
        throw rejectRequest('SoracomCannotRollBack', `SORACOM set '${credentialsId}' holds the new credential ${newCredentialId}; its old secret is not known to the rotator, so it cannot be put back`);
      });
    },

    async homeReaders({ consumer, credentialsId }) {
      assertInScope(consumer, credentialsId);
      return classified(async () => (await groups.naming(credentialsId)).map((ref) => `group configuration ${ref}`));
    },

    async removeCredentialsSet({ consumer, credentialsId }) {
      assertInScope(consumer, credentialsId);
      const home = soracomConsumer(consumer).credentialsId;
      return classified(async () => {
        // undoing a versioned registration: the groups go back to the home set (still holding the old, Active credential) first
        if (credentialsId !== home) await groups.move(credentialsId, home);
        // the final deletion of the home set: never while a group still reaches it
        else await groups.assertUnused(credentialsId);
        return await soracom.deleteCredentials(credentialsId);
      });
    },
  };
}
