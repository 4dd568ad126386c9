import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
  type AccessKeyMetadata,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { CredentialMetadata, CredentialUse } from '../../rotation/model';
import type { AccessKeyCredentials, AwsClients } from './clients';
import { awsErrorName, classifyAwsError, unexpectedResponse } from './errors';
import { failFast, ProviderError } from '../errors';

/** IAM's quota: 2 access keys per user, Active or Inactive. */
export const ACCESS_KEYS_PER_USER = 2;

export interface IamIdentity {
  arn: string;
  account: string;
}

/** A field the rotator needs, from an answer that may lack it (an emulator or a proxy): present, or a clear failure naming it. */
function required<T>(value: T | undefined, operation: string, field: string): T {
  if (value === undefined || value === null || value === '') throw unexpectedResponse(operation, field);
  return value;
}

/** Account and ARN of the credentials the rotator itself runs with. */
export async function callerIdentity(aws: AwsClients): Promise<IamIdentity> {
  const operation = 'sts:GetCallerIdentity (rotator credentials)';
  try {
    const out = await aws.sts.send(new GetCallerIdentityCommand({}));
    return { arn: required(out.Arn, operation, 'Arn'), account: required(out.Account, operation, 'Account') };
  } catch (err) {
    throw classifyAwsError(err, operation);
  }
}

/** The user's ARN and IAM path (`/` unless the user was created under one); an unknown user is a wrong request (fail fast). */
export async function iamUser(aws: AwsClients, userName: string): Promise<{ arn: string; path: string }> {
  const operation = `iam:GetUser ${userName}`;
  try {
    const out = await aws.iam.send(new GetUserCommand({ UserName: userName }));
    return { arn: required(out.User?.Arn, operation, 'User.Arn'), path: out.User?.Path ?? '/' };
  } catch (err) {
    throw classifyAwsError(err, operation);
  }
}

/** The user's ARN; an unknown user is a wrong request (fail fast). */
export async function userArn(aws: AwsClients, userName: string): Promise<string> {
  return (await iamUser(aws, userName)).arn;
}

/**
 * All of a user's access keys, oldest first (paginated, though moto ignores Marker). Only an `Active` key is Active: IAM's
 * status type also has `Expired`, which authenticates no more than `Inactive` does and counts against the limit the same.
 */
export async function listAccessKeys(aws: AwsClients, userName: string): Promise<CredentialMetadata[]> {
  const operation = `iam:ListAccessKeys ${userName}`;
  const keys: AccessKeyMetadata[] = [];
  let marker: string | undefined;
  try {
    do {
      const page = await aws.iam.send(new ListAccessKeysCommand({ UserName: userName, Marker: marker }));
      keys.push(...(page.AccessKeyMetadata ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
  } catch (err) {
    throw classifyAwsError(err, operation);
  }
  return keys
    .map((k, i) => ({
      id: required(k.AccessKeyId, operation, `AccessKeyMetadata[${i}].AccessKeyId`),
      status: required(k.Status, operation, `AccessKeyMetadata[${i}].Status`) === 'Active' ? ('Active' as const) : ('Inactive' as const),
      // the orphan sweep and "oldest first" read it: a missing date is not the epoch
      createdAt: required(k.CreateDate, operation, `AccessKeyMetadata[${i}].CreateDate`).toISOString(),
    }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** CreateAccessKey: not idempotent, returns the secret once. Callers reconcile orphans before calling it again. */
export async function createAccessKey(aws: AwsClients, userName: string, attempt: number): Promise<AccessKeyCredentials & { createdAt: string }> {
  try {
    const out = await aws.iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    const key = out.AccessKey;
    if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error('CreateAccessKey returned no key');
    return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey, createdAt: (key.CreateDate ?? new Date()).toISOString() };
  } catch (err) {
    throw classifyAwsError(err, `iam:CreateAccessKey ${userName}`, attempt);
  }
}

export async function setAccessKeyStatus(aws: AwsClients, userName: string, accessKeyId: string, status: 'Active' | 'Inactive', attempt: number): Promise<void> {
  try {
    await aws.iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status }));
  } catch (err) {
    throw classifyAwsError(err, `iam:UpdateAccessKey ${userName} ${accessKeyId} → ${status}`, attempt);
  }
}

/** Deletes a key; a key that is already gone counts as done. */
export async function deleteAccessKey(aws: AwsClients, userName: string, accessKeyId: string, attempt: number): Promise<'deleted' | 'already-gone'> {
  try {
    await aws.iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }));
    return 'deleted';
  } catch (err) {
    if (awsErrorName(err).startsWith('NoSuchEntity')) return 'already-gone';
    throw classifyAwsError(err, `iam:DeleteAccessKey ${userName} ${accessKeyId}`, attempt);
  }
}

/**
 * When AWS last saw the key sign a request, with the service and region; null when never (AWS answers "N/A" for
 * both then). A key that is gone reads as never used. AWS records use with a lag (provider-facts §6).
 */
export async function accessKeyLastUsed(aws: AwsClients, userName: string, accessKeyId: string): Promise<CredentialUse> {
  const operation = `iam:GetAccessKeyLastUsed ${accessKeyId}`;
  try {
    const out = await aws.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }));
    // the call takes a key id alone: a key of another user is not this rotation's to read
    if (out.UserName !== undefined && out.UserName !== userName) {
      throw new ProviderError('aws-iam', 'IamUnexpectedKey', `${operation}: the key belongs to IAM user ${out.UserName}, not ${userName}; the rotation's record of its keys is wrong — check the user's keys by hand`, failFast);
    }
    const used = out.AccessKeyLastUsed;
    const known = (v: string | undefined) => (v && v !== 'N/A' ? v : undefined);
    const service = known(used?.ServiceName);
    const region = known(used?.Region);
    return { lastUsedAt: used?.LastUsedDate ? used.LastUsedDate.toISOString() : null, ...(service ? { service } : {}), ...(region ? { region } : {}) };
  } catch (err) {
    if (awsErrorName(err).startsWith('NoSuchEntity')) return { lastUsedAt: null };
    throw classifyAwsError(err, operation);
  }
}

/** GetCallerIdentity signed by the key itself: who AWS says the key belongs to. */
export async function identityOfKey(aws: AwsClients, credentials: AccessKeyCredentials): Promise<IamIdentity> {
  const sts = aws.stsWithKey(credentials);
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    return { arn: out.Arn ?? '', account: out.Account ?? '' };
  } finally {
    sts.destroy();
  }
}
