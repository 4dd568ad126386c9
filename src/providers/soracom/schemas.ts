import { z } from 'zod';

/** SORACOM API wire shapes (spec components of the same names; shared/specs/soracom/soracom-api.en.yaml). */

export const AuthResponse = z.object({
  apiKey: z.string().min(1),
  token: z.string().min(1),
  operatorId: z.string().min(1),
  /** present only when the AuthKey belongs to a SAM user */
  userName: z.string().optional(),
});
export type AuthResponse = z.infer<typeof AuthResponse>;

const unixSeconds = z.number().int();

export const CredentialsModel = z.object({
  credentialsId: z.string(),
  // a plain string: SORACOM adds types over time and a new one must not break listing every set
  type: z.string(),
  description: z.string().optional(),
  credentials: z.record(z.string(), z.unknown()),
  createDateTime: unixSeconds,
  updateDateTime: unixSeconds,
  lastUsedDateTime: unixSeconds,
});
export type CredentialsModel = z.infer<typeof CredentialsModel>;

export const AwsCredentials = z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) });
export type AwsCredentials = z.infer<typeof AwsCredentials>;

/** `CreateAndUpdateCredentialsModel`; `type` is e.g. `aws-credentials`, whose `credentials` are {@link AwsCredentials}. The server validates the rest. */
export const CredentialsBody = z.object({
  type: z.string().min(1),
  description: z.string().optional(),
  credentials: z.record(z.string(), z.unknown()),
});
export type CredentialsBody = z.infer<typeof CredentialsBody>;

export const AuthKeyResponse = z.object({
  authKeyId: z.string(),
  createDateTime: unixSeconds,
  lastUsedDateTime: unixSeconds.optional(),
});
export type AuthKeyResponse = z.infer<typeof AuthKeyResponse>;

/** `GenerateUserAuthKeyResponse`: the only time SORACOM shows an AuthKey's secret. */
export const GeneratedAuthKey = z.object({ authKeyId: z.string().min(1), authKey: z.string().min(1) });
export type GeneratedAuthKey = z.infer<typeof GeneratedAuthKey>;

const ErrorMessage = z.object({ code: z.string(), message: z.string() });

/** Every observed error body is the flat `{code, message}`; the spec's `APICallError` nests it (provider-facts §1.2): accept both. */
export const SoracomErrorBody = z.union([
  ErrorMessage,
  z.object({ httpStatus: z.number().int().optional(), errorMessage: ErrorMessage }).transform((nested) => nested.errorMessage),
]);
export type SoracomErrorBody = z.output<typeof SoracomErrorBody>;
