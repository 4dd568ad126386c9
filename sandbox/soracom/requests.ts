import { z } from 'zod';
import { soracomErrors } from './errors';

/** Request bodies as the emulator accepts them (spec `AuthRequest`, `CreateAndUpdateCredentialsModel`). */

export const AuthRequest = z.object({
  authKeyId: z.string().min(1),
  authKey: z.string().min(1),
  // no minimum is documented (provider-facts §1.3)
  tokenTimeoutSeconds: z.number().int().positive().max(172_800).default(86_400),
});

// The request enum in the spec lists only 4 types while its own examples use the others: accept all 20 (provider-facts §1.1).
export const credentialsTypes = [
  'api-token-credentials',
  'aws-credentials',
  'aws-iam-role-credentials',
  'azure-credentials',
  'azureIoT-credentials',
  'esrij-credentials',
  'google-service-account-json',
  'googleIoT-credentials',
  'infoteria-platio-credentials',
  'kii-thingif-credentials',
  'landlog-credentials',
  'mmcloud-credentials',
  'motionboard-credentials',
  'optim-cloud-IoT-OS-credentials',
  'private-key-pem',
  'psk',
  'pubnub-credentials',
  'sensorcorpus-credentials',
  'username-password-credentials',
  'x509',
] as const;

const AwsCredentials = z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) });

export const CredentialsBody = z
  .object({
    type: z.enum(credentialsTypes),
    description: z.string().optional(),
    credentials: z.record(z.string(), z.unknown()),
  })
  .transform((body, ctx) => {
    if (body.type !== 'aws-credentials') return body;
    const aws = AwsCredentials.safeParse(body.credentials);
    if (aws.success) return { ...body, credentials: aws.data };
    for (const issue of aws.error.issues) ctx.addIssue({ ...issue, path: ['credentials', ...issue.path] });
    return z.NEVER;
  });

/** Fields that `redactSecrets` leaves out of responses; types not listed here have all their fields left out. */
export const secretFieldsByType: Readonly<Record<string, readonly string[]>> = {
  'aws-credentials': ['secretAccessKey'],
  'aws-iam-role-credentials': ['externalId'],
  'api-token-credentials': ['token'],
  'username-password-credentials': ['password'],
  'azure-credentials': ['key'],
  'google-service-account-json': ['credentials'],
  psk: ['key'],
  x509: ['key'],
};

/** Parses a body or throws SORACOM's 400; the message names the fields, never their values. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw soracomErrors.badRequest(`Invalid request: ${issues.join('; ')}`);
}
