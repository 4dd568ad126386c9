/**
 * The rotation model's definitions: phases, limits, the zod schemas of a request (built on demand by
 * `defineRotationSchemas`), the inferred types, and the pure helpers. `model.ts` builds the schemas once and is what
 * the CLI, activities and worker import. The workflow imports this module instead and builds the schemas only to
 * parse its input: schemas kept at module level would be copied into every cached rotation (most of the ~0.65 MiB of heap
 * each took before; bench/README.md), while zod itself is preloaded once per worker (src/workflow-bundling.ts).
 * Free of I/O and Node built-ins: the workflow bundle includes it.
 */
import { z } from 'zod';

/** Phases in order of a successful rotation, then the other endings. */
export const PHASES = [
  'preflight',
  'creating',
  'verifying',
  'registering',
  'deactivating',
  'pending-deletion',
  'deleting',
  'completed',
  'compensating',
  'failed',
  'restored',
] as const;
export type Phase = (typeof PHASES)[number];
export const TERMINAL_PHASES: readonly Phase[] = ['completed', 'failed', 'restored'];

/** Recovery window: whole days, 7–30 (the CSMS scheduled-deletion rule, also AWS Secrets Manager's). */
export const MIN_RECOVERY_WINDOW_DAYS = 7;
export const MAX_RECOVERY_WINDOW_DAYS = 30;
export const DEFAULT_RECOVERY_WINDOW_DAYS = 30;

/** Pickup grace bounds: see PickupGraceSeconds. */
export const MAX_PICKUP_GRACE_SECONDS = 3600;
export const DEFAULT_PICKUP_GRACE_SECONDS = 30;

/** Builds every schema of the model; each call makes new instances (callers keep them as long as they need). */
export function defineRotationSchemas() {
  const RecoveryWindowDays = z
    .number({ error: 'recovery window must be a whole number of days' })
    .int('recovery window must be a whole number of days')
    .min(MIN_RECOVERY_WINDOW_DAYS, `recovery window must be ${MIN_RECOVERY_WINDOW_DAYS}–${MAX_RECOVERY_WINDOW_DAYS} days`)
    .max(MAX_RECOVERY_WINDOW_DAYS, `recovery window must be ${MIN_RECOVERY_WINDOW_DAYS}–${MAX_RECOVERY_WINDOW_DAYS} days`);

  /** IAM user names: 1–64 of letters, digits and `+=,.@_-` (IAM API reference, CreateUser). */
  const IamUserName = z
    .string()
    .regex(/^[\w+=,.@-]{1,64}$/, 'IAM user name must be 1–64 characters of letters, digits and +=,.@_-');
  const AwsAccountId = z.string().regex(/^\d{12}$/, 'AWS account id must be 12 digits');

  /** SORACOM credentials set ids are chosen by the client; keep to what the console accepts and URLs carry safely. */
  const SoracomCredentialsId = z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'SORACOM credentials id must be 1–100 characters of letters, digits and ._- (starting with a letter or digit)');

  /** Where a credential is minted and retired. */
  const AwsIamAccessKeySource = z.object({
    kind: z.literal('aws-iam-access-key'),
    userName: IamUserName,
    accountId: AwsAccountId,
  });
  /** Wallarm clouds: US `us1.api.wallarm.com`, EU `api.wallarm.com`, ME `me1.api.wallarm.com` (token ids are per cloud). */
  const WallarmCloud = z.enum(['us1', 'eu', 'me1'], { error: "Wallarm cloud must be 'us1', 'eu' or 'me1'" });
  const WallarmTokenId = z.number({ error: 'Wallarm token id must be a positive whole number' }).int('Wallarm token id must be a positive whole number').positive('Wallarm token id must be a positive whole number');

  /** A Wallarm API token; the new token keeps its name, owner, type and permissions. */
  const WallarmApiTokenSource = z.object({
    kind: z.literal('wallarm-api-token'),
    cloud: WallarmCloud,
    tokenId: WallarmTokenId,
    /** the new token's lifetime; by default the old token's (none if it had no expiry) */
    lifetimeDays: z.number().int().min(1, 'token lifetime must be 1–3650 whole days').max(3650, 'token lifetime must be 1–3650 whole days').optional(),
  });
  /** SORACOM operator ids: `OP` and 10 characters (digits in production, e.g. OP0012345678). */
  const SoracomOperatorId = z
    .string()
    .regex(/^OP[0-9A-Z]{10}$/, 'SORACOM operator id must be OP followed by 10 digits or capital letters, e.g. OP0012345678');
  /** SAM user names: the spec sets no pattern; keep to what fits a URL path segment unescaped. */
  const SoracomSamUserName = z
    .string()
    .regex(/^[\w.@+=,-]{1,100}$/, 'SAM user name must be 1–100 characters of letters, digits and ._@+=,-');

  /**
   * A SORACOM SAM user's AuthKey — typically the rotator's own login. SORACOM cannot disable an AuthKey: during the
   * recovery window the old key still authenticates, and it is deleted at the window's end.
   */
  const SoracomAuthKeySource = z.object({
    kind: z.literal('soracom-auth-key'),
    operatorId: SoracomOperatorId,
    userName: SoracomSamUserName,
  });
  const SourceSpec = z.discriminatedUnion('kind', [AwsIamAccessKeySource, WallarmApiTokenSource, SoracomAuthKeySource]);

  /**
   * `update`: PUT the new key into the existing set (consumers reference the set by id, so nothing else changes).
   * `versioned`: create `<prefix>-<yyyymmdd>` beside it, as the seed scripts do; the old set is deleted with the old key.
   */
  const SoracomSetMode = z.enum(['update', 'versioned']);

  /** Where a credential is stored for the software that uses it. */
  const SoracomCredentialsSetConsumer = z.object({
    kind: z.literal('soracom-credentials-set'),
    credentialsId: SoracomCredentialsId,
    mode: SoracomSetMode.default('update'),
  });
  /** CSMS secret names (CreateSecret: `^[a-zA-Z0-9_-]{1,64}$`). */
  const CsmsSecretName = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'CSMS secret name must be 1–64 characters of letters, digits, _ and -');

  /** A Huawei Cloud CSMS secret: each rotation adds a version that takes SYSCURRENT; the previous one keeps SYSPREVIOUS. */
  const CsmsSecretConsumer = z.object({
    kind: z.literal('csms-secret'),
    secretName: CsmsSecretName,
  });
  /**
   * Absolute, normalised POSIX paths only (no `.`/`..` segments, no `//`, no trailing `/`): the file is written beside
   * itself (temp + rename), so its directory must be unambiguous. No Node built-ins here: the workflow bundle includes this.
   */
  const ConsumerFilePath = z
    .string()
    .max(4096, 'file path must be at most 4096 characters')
    .refine((p) => p.startsWith('/'), 'file path must be absolute, e.g. /etc/rotator/soracom-auth-key.json')
    .refine((p) => !p.includes('\0') && p.length > 1 && !p.endsWith('/') && !p.includes('//') && !p.split('/').some((seg) => seg === '.' || seg === '..'), 'file path must be a normalised path to a file (no ., .., // or trailing /)');

  /** A JSON file on the worker's file system (the rotator's own SORACOM AuthKey file, say), replaced atomically. */
  const FileConsumer = z.object({
    kind: z.literal('file'),
    path: ConsumerFilePath,
  });
  const ConsumerSpec = z.discriminatedUnion('kind', [SoracomCredentialsSetConsumer, CsmsSecretConsumer, FileConsumer]);

  /**
   * Seconds between "every consumer holds the new credential" and deactivating the old one: software that read the old
   * credential just before the switch (or caches it) moves on before it stops working. 0–3600, default 30.
   */
  const PickupGraceSeconds = z
    .number({ error: 'pickup grace must be a whole number of seconds' })
    .int('pickup grace must be a whole number of seconds')
    .min(0, `pickup grace must be 0–${MAX_PICKUP_GRACE_SECONDS} seconds`)
    .max(MAX_PICKUP_GRACE_SECONDS, `pickup grace must be 0–${MAX_PICKUP_GRACE_SECONDS} seconds`);

  const RotationRequest = z
    .object({
      source: SourceSpec,
      consumers: z.array(ConsumerSpec).min(1, 'at least one consumer is required'),
      recoveryWindowDays: RecoveryWindowDays.default(DEFAULT_RECOVERY_WINDOW_DAYS),
      pickupGraceSeconds: PickupGraceSeconds.default(DEFAULT_PICKUP_GRACE_SECONDS),
      requestedBy: z.string().max(200).optional(),
    })
    // the annotated return type keeps TypeScript from inferring this schema's type through consumerLabel's (a cycle)
    .refine((r): boolean => new Set(r.consumers.map((c) => consumerLabel(c))).size === r.consumers.length, {
      message: 'each consumer may be named only once',
      path: ['consumers'],
    });

  return {
    RecoveryWindowDays,
    IamUserName,
    AwsAccountId,
    SoracomCredentialsId,
    AwsIamAccessKeySource,
    WallarmCloud,
    WallarmTokenId,
    WallarmApiTokenSource,
    SoracomOperatorId,
    SoracomSamUserName,
    SoracomAuthKeySource,
    SourceSpec,
    SoracomSetMode,
    SoracomCredentialsSetConsumer,
    CsmsSecretName,
    CsmsSecretConsumer,
    ConsumerFilePath,
    FileConsumer,
    ConsumerSpec,
    PickupGraceSeconds,
    RotationRequest,
  };
}

type Schemas = ReturnType<typeof defineRotationSchemas>;
export type WallarmCloud = z.infer<Schemas['WallarmCloud']>;
export type SourceSpec = z.infer<Schemas['SourceSpec']>;
export type SoracomSetMode = z.infer<Schemas['SoracomSetMode']>;
export type ConsumerSpec = z.infer<Schemas['ConsumerSpec']>;
export type RotationRequest = z.infer<Schemas['RotationRequest']>;
export type RotationRequestInput = z.input<Schemas['RotationRequest']>;

/** The provider name shown in the UI (`CredentialProvider`) and used to route activities to a task queue. */
export function sourceProvider(source: SourceSpec): 'aws-iam' | 'wallarm' | 'soracom' {
  switch (source.kind) {
    case 'aws-iam-access-key':
      return 'aws-iam';
    case 'wallarm-api-token':
      return 'wallarm';
    case 'soracom-auth-key':
      return 'soracom';
  }
}

/** The one live rotation per credential: the workflow id is derived from the credential itself. */
export function rotationIdFor(source: SourceSpec): string {
  switch (source.kind) {
    case 'aws-iam-access-key':
      return `aws-iam:${source.accountId}:${source.userName}`;
    case 'wallarm-api-token':
      return `wallarm:${source.cloud}:${source.tokenId}`;
    case 'soracom-auth-key':
      return `soracom-auth-key:${source.operatorId}:${source.userName}`;
  }
}

/** Human name of the credential being rotated (`CredentialSubject`): an ARN, never a secret. */
export function subjectOf(source: SourceSpec): string {
  switch (source.kind) {
    case 'aws-iam-access-key':
      return `arn:aws:iam::${source.accountId}:user/${source.userName}`;
    case 'wallarm-api-token':
      return `wallarm:${source.cloud}:api-token/${source.tokenId}`;
    case 'soracom-auth-key':
      return soracomUserSubject(source.operatorId, source.userName);
  }
}

/** The SAM user an AuthKey belongs to, as the rotation's subject. */
export function soracomUserSubject(operatorId: string, userName: string): string {
  return `soracom:${operatorId}:user/${userName}`;
}

export function consumerLabel(consumer: ConsumerSpec): string {
  switch (consumer.kind) {
    case 'soracom-credentials-set':
      return `soracom:${consumer.credentialsId}`;
    case 'csms-secret':
      return `csms:${consumer.secretName}`;
    case 'file':
      return `file:${consumer.path}`;
  }
}

/** How a consumer takes a new credential: `update`/`versioned` SORACOM sets, a new CSMS secret version, or a file replaced whole. */
export type ConsumerMode = SoracomSetMode | 'new-version' | 'replace';

export function consumerMode(consumer: ConsumerSpec): ConsumerMode {
  switch (consumer.kind) {
    case 'soracom-credentials-set':
      return consumer.mode;
    case 'csms-secret':
      return 'new-version';
    case 'file':
      return 'replace';
  }
}

/** Where the consumer's software reads its credential today: the set id, or the secret name. */
export function consumerHome(consumer: ConsumerSpec): string {
  switch (consumer.kind) {
    case 'soracom-credentials-set':
      return consumer.credentialsId;
    case 'csms-secret':
      return consumer.secretName;
    case 'file':
      return consumer.path;
  }
}

/** A credential as the source reports it: public id and state only; secrets never appear here. */
export interface CredentialMetadata {
  id: string;
  status: 'Active' | 'Inactive';
  createdAt: string;
}

/** What a consumer holds, as last confirmed by reading it back. */
export interface ConsumerState {
  consumer: string;
  mode: ConsumerMode;
  /** the set (or CSMS secret) the consumer's software reads after this rotation (differs from `consumer` in versioned mode) */
  credentialsId: string;
  holds: string | null;
  state: 'pending' | 'registered' | 'rolled-back' | 'failed' | 'retired';
  note?: string;
}

export interface PhaseEntry {
  phase: Phase;
  at: string;
}

/** Everything `status` returns. Public identifiers and times only. */
export interface RotationStatus {
  rotationId: string;
  phase: Phase;
  provider: string;
  subject: string;
  recoveryWindowDays: number;
  /** seconds consumers get to pick up the new credential before the old one is deactivated (absent in older rotations) */
  pickupGraceSeconds?: number;
  oldCredentialId: string | null;
  newCredentialId: string | null;
  deactivatedAt: string | null;
  deleteAt: string | null;
  consumers: ConsumerState[];
  timeline: PhaseEntry[];
  /** why the rotation failed, or what an operator must do; null while all is well */
  problem: string | null;
  /** the typed error behind `problem` (e.g. SoracomPermissionDenied, IamThrottled); absent in rotations started before it existed */
  problemType?: string | null;
}

/** Argument of the `deleteNow` update: the operator names the old credential to prove intent. */
export interface DeleteNowInput {
  confirmCredentialId: string;
}
