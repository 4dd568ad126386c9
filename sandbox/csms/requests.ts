import { z } from 'zod';
import { csmsErrors } from './errors';

/** Request bodies and parameters as the emulator accepts them, from the API Explorer definitions (`shared/specs/csms/`). */

export const NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
const SecretString = z.string().max(32_768);
const StageName = z.string().min(1).max(64);

const withOneValue = <T extends { secret_string?: string | undefined; secret_binary?: string | undefined }>(body: T, ctx: z.RefinementCtx) => {
  // "secret_binary and secret_string: exactly one must be set"
  if ((body.secret_string === undefined) === (body.secret_binary === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'exactly one of secret_string and secret_binary must be set', path: ['secret_string'] });
  }
};

export const CreateSecretBody = z
  .object({
    name: z.string().regex(NAME_PATTERN),
    kms_key_id: z.string().optional(),
    description: z.string().max(2048).optional(),
    secret_string: SecretString.optional(),
    secret_binary: SecretString.optional(),
    secret_type: z.enum(['COMMON', 'RDS-FG', 'GaussDB-FG']).optional(),
    auto_rotation: z.boolean().optional(),
    rotation_period: z.string().max(50).optional(),
    rotation_config: z.string().max(1024).optional(),
    event_subscriptions: z.array(z.string().max(32)).max(1).optional(),
    enterprise_project_id: z.string().min(1).max(36).optional(),
    rotation_func_urn: z.string().optional(),
  })
  .superRefine(withOneValue);

export const CreateSecretVersionBody = z
  .object({
    secret_string: SecretString.optional(),
    secret_binary: SecretString.optional(),
    // "array size: min 1, max 12" in the description; the schema says 0–12
    version_stages: z.array(StageName).min(1).max(12).optional(),
    expire_time: z.number().int().min(0).max(9_999_999_999_999).optional(),
  })
  .superRefine(withOneValue);

export const UpdateSecretStageBody = z.object({ version_id: z.string().regex(/^v[0-9]{0,63}$/) });

/** UpdateSecret: metadata only, never the value (its x-constraint). */
export const UpdateSecretBody = z.object({
  kms_key_id: z.string().min(2).max(64).optional(),
  description: z.string().max(2048).optional(),
  auto_rotation: z.boolean().optional(),
  rotation_period: z.string().max(50).optional(),
  event_subscriptions: z.array(z.string().max(32)).max(1).optional(),
  rotation_func_urn: z.string().optional(),
});

/** UpdateVersion: the expiry is all it changes. */
export const UpdateVersionBody = z.object({ expire_time: z.number().int().min(0).max(9_999_999_999_999) });

/**
 * H3 marks the body required, yet documents `recovery_window_in_days` with a default of 30, and Huawei's SDK sends
 * no body at all when given none: a missing body or field means 30 days, as the reference answers.
 */
export const DEFAULT_RECOVERY_WINDOW_DAYS = 30;
export const DeleteSecretForScheduleBody = z
  .object({ recovery_window_in_days: z.number().int().min(7).max(30).default(DEFAULT_RECOVERY_WINDOW_DAYS) })
  .default({ recovery_window_in_days: DEFAULT_RECOVERY_WINDOW_DAYS });

/**
 * A `{version_id}` path parameter (ShowSecretVersion, UpdateVersion): the definitions' pattern, anchored. Besides `v<n>`
 * and `latest` it admits stage names, which the reference resolves to the version holding the stage.
 */
export const VERSION_ID_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
export const ListVersionsQuery = z.object({
  marker: z.string().regex(/^(v[0-9]{1,10}|latest)$/).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
export const ListSecretsQuery = z.object({
  marker: z.string().regex(NAME_PATTERN).optional(),
  // a string of 1–4 characters in the spec
  limit: z.string().regex(/^\d{1,4}$/).default('50').transform(Number),
});

/** Parses a body or throws CSMS.0002 naming the fields, never their values. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw csmsErrors.invalidParameter(result.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; '));
}

export function checkName(kind: string, value: string, pattern: RegExp = NAME_PATTERN): string {
  if (!pattern.test(value)) throw csmsErrors.invalidParameter(`${kind} must match ${pattern.source}`);
  return value;
}
