import { z } from 'zod';

/**
 * SORACOM API wire shapes (spec components of the same names; shared/specs/soracom/soracom-api.en.yaml), read as a
 * tolerant reader: real APIs send `null` for a time never reached, leave fields out and add new ones. Only what the
 * rotator reads is required; a field it never reads is not in a schema at all, so its shape can never fail a call.
 */

/** `null` and a missing field alike become `undefined`: the spec's optional string, as real APIs send it. */
const optionalString = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

export const AuthResponse = z.object({
  apiKey: z.string().min(1),
  token: z.string().min(1),
  operatorId: z.string().min(1),
  /** present only when the AuthKey belongs to a SAM user; `null` or absent for the operator's root user */
  userName: optionalString,
});
export type AuthResponse = z.infer<typeof AuthResponse>;

const unixSeconds = z.number().int();

/**
 * A `lastUsedDateTime`: null, absent or 0 when never used. The spec says int64 but not the unit: AuthKeys' other times
 * are Unix seconds, so seconds are expected, and a value too large for seconds is read as milliseconds (provider-facts §6).
 */
const lastUsed = z
  .number()
  .nullish()
  .transform((v) => (v ? new Date(v > 1e11 ? v : v * 1000).toISOString() : null));

/** Read: the id, the type (preflight checks it), the description (it carries a token id) and the credentials' public fields. */
export const CredentialsModel = z.object({
  credentialsId: z.string(),
  // a plain string: SORACOM adds types over time and a new one must not break listing every set
  type: z.string(),
  description: optionalString,
  // whether SORACOM echoes secrets is unknown (provider-facts §1.3): a set whose credentials are withheld holds no known key
  credentials: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((v) => v ?? {}),
  // when a service (Funnel, Harvest …) last used the set: evidence the credential it holds is in use
  lastUsedDateTime: lastUsed,
  // createDateTime, updateDateTime: never read
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

/** Read: the id, the creation time (the orphan sweep and the credential's `createdAt`) and the last login with it. */
export const AuthKeyResponse = z.object({
  authKeyId: z.string(),
  createDateTime: unixSeconds,
  lastUsedDateTime: lastUsed,
});
export type AuthKeyResponse = z.infer<typeof AuthKeyResponse>;

/** `UserDetailResponse` (listUsers): read, the name and the AuthKeys; roles, permission and the rest never. */
export const SamUser = z.object({
  userName: z.string().min(1),
  authKeyList: z
    .array(AuthKeyResponse)
    .nullish()
    .transform((v) => v ?? []),
});
export type SamUser = z.infer<typeof SamUser>;

/** `GenerateUserAuthKeyResponse`: the only time SORACOM shows an AuthKey's secret. */
export const GeneratedAuthKey = z.object({ authKeyId: z.string().min(1), authKey: z.string().min(1) });
export type GeneratedAuthKey = z.infer<typeof GeneratedAuthKey>;

// the code decides what an error means (AUM0001: a refused token); a body without a message must keep it
const ErrorMessage = z.object({ code: z.string(), message: optionalString.transform((m) => m ?? '') });

/** Every observed error body is the flat `{code, message}`; the spec's `APICallError` nests it (provider-facts §1.2): accept both. */
export const SoracomErrorBody = z.union([
  ErrorMessage,
  z.object({ httpStatus: z.number().int().nullish(), errorMessage: ErrorMessage }).transform((nested) => nested.errorMessage),
]);
export type SoracomErrorBody = z.output<typeof SoracomErrorBody>;
