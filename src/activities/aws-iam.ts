import { activityInfo, Context, log } from '@temporalio/activity';
import { runningRotationIds } from '../running-rotations';
import { ApplicationFailure } from '@temporalio/common';
import type { CredentialUse, SourceSpec } from '../rotation/model';
import type { AwsClients } from '../providers/aws-iam/clients';
import {
  ACCESS_KEYS_PER_USER,
  accessKeyLastUsed,
  callerIdentity,
  createAccessKey,
  deleteAccessKey,
  iamUser,
  identityOfKey,
  listAccessKeys,
  setAccessKeyStatus,
} from '../providers/aws-iam/access-keys';
import { classifyAwsError } from '../providers/aws-iam/errors';
import { ProviderError } from '../providers/errors';
import type { WorkerScope } from '../worker-scope';
import { classified, rejectRequest } from './failures';
import { assertIamPathInScope } from './scope';
import type { SourceActivities } from './source';
import { selectionOf, type FleetActivities } from './fleet';
import { planAwsIamPage } from '../providers/aws-iam/fleet';
import { statesOf, subjectGone, sweepOrphans } from './source-kit';

function iamSource(source: SourceSpec) {
  if (source.kind !== 'aws-iam-access-key') throw rejectRequest('WrongProvider', `source kind ${source.kind} sent to the aws-iam task queue`);
  return source;
}

/**
 * `scope.iamPathPrefixes` limits the users it touches by their IAM path (read from IAM, never taken from the request).
 * A source that names a role is worked on in its account through that role (an organisation's member account).
 */
export function createAwsIamActivities(aws: AwsClients, scope: Pick<WorkerScope, 'iamPathPrefixes'>): SourceActivities {
  const inAccount = (source: SourceSpec) => {
    const { accountId, assumeRole } = iamSource(source);
    return inOneAccount(assumeRole ? aws.inAccount(accountId, assumeRole) : aws, scope);
  };
  return {
    inspectSource: (input) => inAccount(input.source).inspectSource(input),
    createCredential: (input) => inAccount(input.source).createCredential(input),
    verifyCredential: (input) => inAccount(input.source).verifyCredential(input),
    retireCredential: (input) => inAccount(input.source).retireCredential(input),
    reinstateCredential: (input) => inAccount(input.source).reinstateCredential(input),
    credentialStates: (input) => inAccount(input.source).credentialStates(input),
    credentialUse: (input) => inAccount(input.source).credentialUse(input),
    destroyCredential: (input) => inAccount(input.source).destroyCredential(input),
  };
}

function inOneAccount(aws: AwsClients, scope: Pick<WorkerScope, 'iamPathPrefixes'>): SourceActivities {
  /**
   * The second line, before each write: a workflow that skipped preflight still cannot reach a user outside the scope.
   * One GetUser per write, and none when no prefixes are configured. A user that is gone is left to the call itself.
   */
  const assertInScope = async (userName: string) => {
    if (scope.iamPathPrefixes === undefined) return;
    let user;
    try {
      user = await iamUser(aws, userName);
    } catch (err) {
      if (err instanceof ProviderError && err.type === 'IamNoSuchEntity') return;
      throw err;
    }
    assertIamPathInScope(scope, userName, user.path);
  };

  return {
    async inspectSource({ source }) {
      const { userName, accountId } = iamSource(source);
      return classified(async () => {
        const me = await callerIdentity(aws);
        if (me.account !== accountId) {
          throw rejectRequest('IamWrongAccount', `the rotation names AWS account ${accountId} but the rotator's AWS credentials belong to account ${me.account}; use credentials for ${accountId} or fix the account`);
        }
        let user: { arn: string; path: string };
        try {
          user = await iamUser(aws, userName);
        } catch (err) {
          const e = classifyAwsError(err, `iam:GetUser ${userName}`);
          if (e.type === 'IamNoSuchEntity') throw rejectRequest('IamUnknownUser', `IAM user '${userName}' does not exist in account ${accountId}; check the --user name`);
          throw e;
        }
        // the path IAM holds, not the name in the request: a user name says nothing about where the user sits
        assertIamPathInScope(scope, userName, user.path);
        return { subject: user.arn, credentials: await listAccessKeys(aws, userName), maxCredentials: ACCESS_KEYS_PER_USER };
      });
    },

    async createCredential({ source, knownIds, notBefore }) {
      const { userName } = iamSource(source);
      const { attempt } = activityInfo();
      return classified(async () => {
        await assertInScope(userName);
        // a key we do not know, created since this rotation began, can only be ours from a lost response: its secret is gone
        await sweepOrphans(await listAccessKeys(aws, userName), { knownIds, notBefore }, {
          id: (key) => key.id,
          createdAtMs: (key) => Date.parse(key.createdAt),
          deleteOrphan: (key) => {
            log.warn('deleting orphan access key left by a lost CreateAccessKey response', { userName, accessKeyId: key.id, attempt });
            return deleteAccessKey(aws, userName, key.id, attempt);
          },
          refuse: (key) =>
            rejectRequest('IamUnexpectedKey', `IAM user '${userName}' has access key ${key.id} (created ${key.createdAt}) that was not there when this rotation began; someone else changed the user — check it, then start the rotation again`),
        });
        const key = await createAccessKey(aws, userName, attempt);
        log.info('created access key', { userName, accessKeyId: key.accessKeyId });
        return { id: key.accessKeyId, createdAt: key.createdAt, secret: { secretAccessKey: key.secretAccessKey } };
      });
    },

    async verifyCredential({ source, credential, subject }) {
      iamSource(source);
      const secretAccessKey = credential.secret.secretAccessKey ?? '';
      let identity;
      try {
        identity = await identityOfKey(aws, { accessKeyId: credential.id, secretAccessKey });
      } catch (err) {
        const e = classifyAwsError(err, `sts:GetCallerIdentity with new key ${credential.id}`);
        // a new key is rejected for seconds while IAM propagates it: keep polling, within the activity's retry budget
        throw ApplicationFailure.create({ type: 'CredentialNotYetValid', message: e.message, nextRetryDelay: e.disposition.kind === 'retry-after' ? e.disposition.delayMs : undefined });
      }
      // compare identity, not just success: an emulator (or a misrouted endpoint) may answer for another principal
      if (identity.arn !== subject) {
        throw ApplicationFailure.retryable(`new key ${credential.id} authenticates as ${identity.arn || '(nobody)'} in account ${identity.account || '?'}, expected ${subject}`, 'CredentialNotYetValid');
      }
    },

    // IAM keeps an Inactive key restorable for as long as it exists: the window needs nothing more
    async retireCredential({ source, credentialId }) {
      const { userName } = iamSource(source);
      await classified(async () => {
        await assertInScope(userName);
        await setAccessKeyStatus(aws, userName, credentialId, 'Inactive', activityInfo().attempt);
      });
    },

    async reinstateCredential({ source, credentialId }) {
      const { userName } = iamSource(source);
      await classified(async () => {
        await assertInScope(userName);
        await setAccessKeyStatus(aws, userName, credentialId, 'Active', activityInfo().attempt);
      });
    },

    async credentialStates({ source, credentialIds }) {
      const { userName } = iamSource(source);
      return classified(async () => {
        await assertInScope(userName);
        try {
          return { subjectExists: true, states: statesOf(credentialIds, await listAccessKeys(aws, userName)) };
        } catch (err) {
          if (err instanceof ProviderError && err.type === 'IamNoSuchEntity') return subjectGone(credentialIds);
          throw err;
        }
      });
    },

    async credentialUse({ source, credentialIds }) {
      const { userName } = iamSource(source);
      return classified(async () => {
        await assertInScope(userName);
        const uses: Record<string, CredentialUse> = {};
        for (const id of credentialIds) uses[id] = await accessKeyLastUsed(aws, userName, id);
        return uses;
      });
    },

    async destroyCredential({ source, credentialId }) {
      const { userName } = iamSource(source);
      return classified(async () => {
        await assertInScope(userName);
        return deleteAccessKey(aws, userName, credentialId, activityInfo().attempt);
      });
    },
  };
}

/** The account's IAM users as a fleet: its plan, a page at a time, read-only. */
export function createAwsIamFleetActivities(aws: AwsClients): FleetActivities {
  return {
    async planFleetPage({ selection: given, cursor, at }) {
      const selection = selectionOf('aws-iam-keys', given);
      return classified(async () => {
        const me = await callerIdentity(aws);
        if (me.account !== selection.accountId) {
          throw rejectRequest('IamWrongAccount', `the fleet names AWS account ${selection.accountId} but the rotator's AWS credentials belong to account ${me.account}`);
        }
        return await planAwsIamPage(aws, selection, cursor, Date.parse(at), await runningRotationIds(Context.current().client));
      });
    },
  };
}
