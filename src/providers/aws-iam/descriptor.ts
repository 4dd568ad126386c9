/** AWS IAM access keys, as the rotator's registry knows them (workflow-safe: no I/O). */
import { z } from 'zod';
import { defineSource, type ProviderDescriptor } from '../../rotation/descriptors';

export const awsIamProvider: ProviderDescriptor = {
  queue: 'provider-aws-iam',
  pace: { rps: 10, concurrency: 20 },
  secretFields: ['secretAccessKey', 'SecretAccessKey', 'secret_access_key'],
};

/** IAM user names: 1–64 of letters, digits and `+=,.@_-` (IAM API reference, CreateUser). */
export const iamUserName = () => z.string().regex(/^[\w+=,.@-]{1,64}$/, 'IAM user name must be 1–64 characters of letters, digits and +=,.@_-');
export const awsAccountId = () => z.string().regex(/^\d{12}$/, 'AWS account id must be 12 digits');
/** IAM role names: 1–64 of letters, digits and `+=,.@_-` (IAM API reference, CreateRole). */
export const iamRoleName = () => z.string().regex(/^[\w+=,.@-]{1,64}$/, 'IAM role name must be 1–64 characters of letters, digits and +=,.@_-');

export const awsIamAccessKey = defineSource({
  kind: 'aws-iam-access-key',
  provider: 'aws-iam',
  schema: () =>
    z.object({
      kind: z.literal('aws-iam-access-key'),
      userName: iamUserName(),
      accountId: awsAccountId(),
      /** a role the rotator assumes in that account, when it is not the rotator's own (an organisation's member account) */
      assumeRole: iamRoleName().optional(),
    }),
  rotationId: (s) => `aws-iam:${s.accountId}:${s.userName}`,
  subject: (s) => `arn:aws:iam::${s.accountId}:user/${s.userName}`,
  defaultRecoveryWindowDays: 30,
  retiredNote: (at) => `deactivated ${at}`,
  retiredStaysActive: () => false,
  // AWS records it with a lag (no SLA; minutes, sometimes hours): provider-facts §6
  lastUse: 'iam:GetAccessKeyLastUsed',
  // the field names the AWS SDKs' credential objects use
  credential: {
    type: 'aws-access-key',
    holding: 'an AWS access key',
    secretFields: ['secretAccessKey'],
    json: { idField: 'accessKeyId', secretField: 'secretAccessKey' },
    // 40 characters of base64: no public identifier has that shape
    secretShape: /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
  },
});
