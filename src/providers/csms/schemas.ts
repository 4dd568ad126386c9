import { z } from 'zod';

/**
 * CSMS response bodies as the client relies on them (API Explorer definitions, provider-facts §2.1). Only the fields the
 * rotator reads are required; timestamps are numbers in seconds or milliseconds (both appear in Huawei's docs).
 */

export const SecretState = z.enum(['ENABLED', 'DISABLED', 'PENDING_DELETE', 'FROZEN']);
export type SecretState = z.infer<typeof SecretState>;

export const Secret = z.looseObject({
  id: z.string(),
  name: z.string(),
  // an unknown future state must not crash the parse: it is refused by name in the activity
  state: z.union([SecretState, z.string()]),
  scheduled_delete_time: z.number().nullish(),
});
export type Secret = z.infer<typeof Secret>;
export const SecretResponse = z.looseObject({ secret: Secret });

export const VersionMetadata = z.looseObject({
  id: z.string(),
  secret_name: z.string().optional(),
  version_stages: z.array(z.string()).default([]),
  create_time: z.number().optional(),
});
export type VersionMetadata = z.infer<typeof VersionMetadata>;
export const VersionMetadataResponse = z.looseObject({ version_metadata: VersionMetadata });
export const VersionsResponse = z.looseObject({
  version_metadatas: z.array(VersionMetadata),
  page_info: z.looseObject({ next_marker: z.string().nullish() }).optional(),
});

export const Version = z.looseObject({
  version_metadata: VersionMetadata,
  secret_string: z.string().nullish(),
  secret_binary: z.string().nullish(),
});
export type Version = z.infer<typeof Version>;
export const VersionResponse = z.looseObject({ version: Version });

export const Stage = z.looseObject({ name: z.string(), version_id: z.string(), secret_name: z.string().optional() });
export type Stage = z.infer<typeof Stage>;
export const StageResponse = z.looseObject({ stage: Stage });

/** `{error_code, error_msg}`; Huawei's SDKs also accept `{code, message}` and a nested `{error: {...}}` (provider-facts §2.2). */
export const CsmsErrorBody = z.union([
  z.looseObject({ error_code: z.string(), error_msg: z.string() }).transform((b) => ({ code: b.error_code, message: b.error_msg })),
  z.looseObject({ error: z.looseObject({ error_code: z.string(), error_msg: z.string() }) }).transform((b) => ({ code: b.error.error_code, message: b.error.error_msg })),
  z.looseObject({ code: z.union([z.string(), z.number()]), message: z.string() }).transform((b) => ({ code: String(b.code), message: b.message })),
]);
export type CsmsErrorBody = z.output<typeof CsmsErrorBody>;
