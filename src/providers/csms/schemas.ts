import { z } from 'zod';

/**
 * CSMS response bodies as the client relies on them (API Explorer definitions, provider-facts §2.1), read as a tolerant
 * reader: only the fields the rotator reads are required; `null`, a missing optional field and fields the definitions
 * do not name pass. Timestamps are numbers in seconds or milliseconds (both appear in Huawei's docs).
 */

/** `null` and a missing field alike become `undefined`. */
const optionalString = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);
/** Read only for a message: a value that is not a number is left out rather than failing the call. */
const optionalTime = z.number().nullish().catch(undefined);

export const SecretState = z.enum(['ENABLED', 'DISABLED', 'PENDING_DELETE', 'FROZEN']);
export type SecretState = z.infer<typeof SecretState>;

/** Read: the state (only ENABLED takes a version) and, for a message, the name and the deletion time. */
export const Secret = z.looseObject({
  id: optionalString,
  name: optionalString,
  // one of SecretState, or an unknown future state: that must not crash the parse, the activity refuses it by name
  state: z.string(),
  scheduled_delete_time: optionalTime,
});
export type Secret = z.infer<typeof Secret>;
export const SecretResponse = z.looseObject({ secret: Secret });

/** Read: the id and the stages it holds (none when `null` or absent). */
export const VersionMetadata = z.looseObject({
  id: z.string(),
  secret_name: optionalString,
  version_stages: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? []),
  create_time: optionalTime,
});
export type VersionMetadata = z.infer<typeof VersionMetadata>;
export const VersionMetadataResponse = z.looseObject({ version_metadata: VersionMetadata });
export const VersionsResponse = z.looseObject({
  version_metadatas: z.array(VersionMetadata),
  page_info: z.looseObject({ next_marker: optionalString }).nullish(),
});

export const Version = z.looseObject({
  version_metadata: VersionMetadata,
  secret_string: z.string().nullish(),
  secret_binary: z.string().nullish(),
});
export type Version = z.infer<typeof Version>;
export const VersionResponse = z.looseObject({ version: Version });

/** Read: the version holding the stage. */
export const Stage = z.looseObject({ name: optionalString, version_id: z.string(), secret_name: optionalString });
export type Stage = z.infer<typeof Stage>;
export const StageResponse = z.looseObject({ stage: Stage });

// the code decides what an error means (CSMS.0005: no such secret); a body without a message must keep it
const errorMessage = optionalString.transform((m) => m ?? '');

/** `{error_code, error_msg}`; Huawei's SDKs also accept `{code, message}` and a nested `{error: {...}}` (provider-facts §2.2). */
export const CsmsErrorBody = z.union([
  z.looseObject({ error_code: z.string(), error_msg: errorMessage }).transform((b) => ({ code: b.error_code, message: b.error_msg })),
  z.looseObject({ error: z.looseObject({ error_code: z.string(), error_msg: errorMessage }) }).transform((b) => ({ code: b.error.error_code, message: b.error.error_msg })),
  z.looseObject({ code: z.union([z.string(), z.number()]), message: errorMessage }).transform((b) => ({ code: String(b.code), message: b.message })),
]);
export type CsmsErrorBody = z.output<typeof CsmsErrorBody>;
