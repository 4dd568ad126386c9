import { activityInfo, Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { CredentialMetadata, SourceSpec } from '../rotation/model';
import { soracomUserSubject } from '../providers/soracom/descriptor';
import type { SoracomClient } from '../providers/soracom/client';
import type { AuthKeyResponse } from '../providers/soracom/schemas';
import { ProviderError } from '../providers/errors';
import { classified, rejectRequest } from './failures';
import type { SourceActivities } from './source';
import { selectionOf, type FleetActivities } from './fleet';
import { planSoracomPage } from '../providers/soracom/fleet';
import { runningRotationIds } from '../running-rotations';
import { statesOf, subjectGone, sweepOrphans } from './source-kit';

/**
 * SORACOM does not publish how many AuthKeys a SAM user may hold (provider-facts §1.3). Two, as IAM allows, is what a rotation
 * needs: with two already, preflight refuses and names both rather than guess whether a third is allowed.
 */
export const AUTH_KEYS_PER_USER = 2;

function authKeySource(source: SourceSpec) {
  if (source.kind !== 'soracom-auth-key') throw rejectRequest('WrongProvider', `source kind ${source.kind} sent to the SORACOM AuthKey activities`);
  return source;
}

/** SORACOM AuthKeys cannot be disabled, so each one that exists is Active. */
function metadata(key: AuthKeyResponse): CredentialMetadata {
  return { id: key.authKeyId, status: 'Active', createdAt: new Date(key.createDateTime * 1000).toISOString() };
}

/**
 * A SAM user's AuthKeys as a rotation source — usually the rotator's own login. SORACOM cannot disable an AuthKey, so
 * "deactivating" the old key only proves this worker no longer logs in with it (its key file holds the new one); the old
 * key keeps authenticating through the recovery window and is deleted at its end. Restoring keeps it.
 */
export function createSoracomAuthKeyActivities(soracom: SoracomClient): SourceActivities {
  const listKeys = async (operatorId: string, userName: string): Promise<AuthKeyResponse[]> => {
    try {
      return await soracom.listUserAuthKeys(userName);
    } catch (err) {
      if (err instanceof ProviderError && err.type === 'SoracomNotFound') {
        throw rejectRequest('SoracomUnknownUser', `SAM user '${userName}' does not exist in operator ${operatorId}; check the --user name`);
      }
      throw err;
    }
  };

  const assertExists = async (operatorId: string, userName: string, authKeyId: string, doing: string) => {
    const keys = await listKeys(operatorId, userName);
    if (!keys.some((k) => k.authKeyId === authKeyId)) {
      throw rejectRequest('SoracomAuthKeyGone', `AuthKey ${authKeyId} of SAM user '${userName}' no longer exists; it cannot be ${doing}`);
    }
  };

  /** The worker must never lose its own login: a key it still logs in with is not deleted. */
  const assertNotOwnKey = (authKeyId: string, doing: string) => {
    if (soracom.configuredAuthKeyId() !== authKeyId) return;
    const where = soracom.authKeyFile === undefined ? soracom.authKeyFrom : `its key file ${soracom.authKeyFile}`;
    throw rejectRequest(
      'SoracomAuthKeyInUse',
      `this worker still logs in to SORACOM with AuthKey ${authKeyId} (${where} holds it), so the rotator does not ${doing} it: ` +
        `name the worker's key file as a consumer (--consumer file:<SORACOM_AUTH_KEY_FILE>) so it gets the new key`,
    );
  };

  return {
    async inspectSource({ source }) {
      const { operatorId, userName } = authKeySource(source);
      return classified(async () => {
        const me = await soracom.identity();
        if (me.operatorId !== operatorId) {
          throw rejectRequest('SoracomWrongOperator', `the rotation names SORACOM operator ${operatorId} but the worker logs in to operator ${me.operatorId}; an AuthKey can be rotated only in the worker's own operator`);
        }
        const keys = await listKeys(operatorId, userName);
        // rotating its own login with the key fixed in the environment would lock the worker out when the old key is deleted
        if (me.userName === userName && soracom.authKeyFile === undefined) {
          throw rejectRequest(
            'SoracomSelfRotationNeedsKeyFile',
            `'${userName}' is the SAM user this worker logs in as, and its AuthKey comes from ${soracom.authKeyFrom}, which the rotator cannot update. ` +
              `Put the key in a file ({"authKeyId","authKey"}, mode 0600), start the worker with SORACOM_AUTH_KEY_FILE=<that file> instead, and rotate with --consumer file:<that file>. No change was made.`,
          );
        }
        return {
          subject: soracomUserSubject(operatorId, userName),
          credentials: keys.map(metadata).sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
          maxCredentials: AUTH_KEYS_PER_USER,
        };
      });
    },

    async createCredential({ source, knownIds, notBefore }) {
      const { operatorId, userName } = authKeySource(source);
      const { attempt } = activityInfo();
      return classified(async () => {
        // a key we do not know, generated since this rotation began, can only be ours from a lost response: its secret is gone
        await sweepOrphans(await listKeys(operatorId, userName), { knownIds, notBefore }, {
          id: (key) => key.authKeyId,
          createdAtMs: (key) => key.createDateTime * 1000,
          deleteOrphan: (key) => {
            log.warn('deleting orphan AuthKey left by a lost generateUserAuthKey response', { userName, authKeyId: key.authKeyId, attempt });
            return soracom.deleteUserAuthKey(key.authKeyId, userName);
          },
          refuse: (key) =>
            rejectRequest('SoracomUnexpectedAuthKey', `SAM user '${userName}' has AuthKey ${key.authKeyId} (created ${metadata(key).createdAt}) that was not there when this rotation began; someone else changed the user — check it, then start the rotation again`),
        });
        const key = await soracom.createUserAuthKey(userName);
        log.info('generated AuthKey', { userName, authKeyId: key.authKeyId, attempt });
        return { id: key.authKeyId, createdAt: new Date().toISOString(), secret: { authKey: key.authKey } };
      });
    },

    async verifyCredential({ source, credential }) {
      const { operatorId, userName } = authKeySource(source);
      let identity;
      try {
        identity = await soracom.identityOfAuthKey({ authKeyId: credential.id, authKey: credential.secret.authKey ?? '' });
      } catch (err) {
        const e = err instanceof ProviderError ? err : undefined;
        throw ApplicationFailure.create({
          type: 'CredentialNotYetValid',
          message: `new AuthKey ${credential.id} does not log in yet: ${e?.message ?? String(err)}`,
          nextRetryDelay: e?.disposition.kind === 'retry-after' ? e.disposition.delayMs : undefined,
        });
      }
      // identity, not just success: the key must log in as the rotated user of the rotated operator
      if (identity.operatorId !== operatorId || identity.userName !== userName) {
        throw ApplicationFailure.retryable(
          `new AuthKey ${credential.id} logs in as ${identity.userName === undefined ? 'the root user' : `SAM user '${identity.userName}'`} of ${identity.operatorId}, expected '${userName}' of ${operatorId}`,
          'CredentialNotYetValid',
        );
      }
    },

    async retireCredential({ source, credentialId, restorableUntil }) {
      const { operatorId, userName } = authKeySource(source);
      await classified(async () => {
        await assertExists(operatorId, userName, credentialId, 'retired');
        // what can be proved instead of disabling: this worker now logs in with its configured key, which is not the old one
        const inUse = await soracom.switchToConfiguredAuthKey();
        assertNotOwnKey(credentialId, 'retire');
        log.warn('AuthKey stays valid until it is deleted at the end of the recovery window: SORACOM cannot disable an AuthKey', {
          userName,
          authKeyId: credentialId,
          workerAuthKeyId: inUse.authKeyId,
          restorableUntil,
        });
      });
    },

    async reinstateCredential({ source, credentialId }) {
      const { operatorId, userName } = authKeySource(source);
      await classified(async () => {
        await assertExists(operatorId, userName, credentialId, 'kept');
        log.info('kept AuthKey: SORACOM cannot disable an AuthKey, so it has authenticated throughout', { userName, authKeyId: credentialId });
      });
    },

    async credentialStates({ source, credentialIds }) {
      const { operatorId, userName } = authKeySource(source);
      return classified(async () => {
        try {
          return { subjectExists: true, states: statesOf(credentialIds, (await listKeys(operatorId, userName)).map(metadata)) };
        } catch (err) {
          if (err instanceof ApplicationFailure && err.type === 'SoracomUnknownUser') return subjectGone(credentialIds);
          throw err;
        }
      });
    },

    async credentialUse({ source, credentialIds }) {
      const { operatorId, userName } = authKeySource(source);
      return classified(async () => {
        const keys = await listKeys(operatorId, userName);
        // SORACOM records a login (POST /auth) with the key; a key that is gone reads as never used
        return Object.fromEntries(credentialIds.map((id) => [id, { lastUsedAt: keys.find((k) => k.authKeyId === id)?.lastUsedDateTime ?? null }]));
      });
    },

    async destroyCredential({ source, credentialId }) {
      const { userName } = authKeySource(source);
      return classified(async () => {
        assertNotOwnKey(credentialId, 'delete');
        return soracom.deleteUserAuthKey(credentialId, userName);
      });
    },
  };
}

/** The SAM users of the operator the worker logs in to, as a fleet: its plan, a page at a time, read-only. */
export function createSoracomAuthKeyFleetActivities(soracom: SoracomClient): FleetActivities {
  return {
    async planFleetPage({ selection: given, cursor, at }) {
      const selection = selectionOf('soracom-auth-keys', given);
      return classified(async () => {
        const me = await soracom.identity();
        if (me.operatorId !== selection.operatorId) {
          throw rejectRequest('SoracomWrongOperator', `the fleet names SORACOM operator ${selection.operatorId} but the worker logs in to operator ${me.operatorId}; a fleet of AuthKeys is planned in the worker's own operator`);
        }
        return await planSoracomPage(soracom, selection, cursor, Date.parse(at), await runningRotationIds(Context.current().client));
      });
    },
  };
}
