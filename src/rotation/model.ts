/**
 * The rotation model, defined once (in `schemas.ts`): this module builds its schemas for the CLI, activities and worker
 * and re-exports every definition. Workflow code imports `schemas.ts` instead (see there why).
 */
import type { z } from 'zod';
import {
  defineRotationSchemas,
  DEFAULT_PICKUP_GRACE_SECONDS,
  DEFAULT_RECOVERY_WINDOW_DAYS,
  MAX_PICKUP_GRACE_SECONDS,
  MAX_RECOVERY_WINDOW_DAYS,
  MIN_RECOVERY_WINDOW_DAYS,
} from './schemas';

export * from './schemas';

export const {
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
} = defineRotationSchemas();

export type WallarmCloud = z.infer<typeof WallarmCloud>;
export type SourceSpec = z.infer<typeof SourceSpec>;
export type SoracomSetMode = z.infer<typeof SoracomSetMode>;
export type ConsumerSpec = z.infer<typeof ConsumerSpec>;
export type RotationRequest = z.infer<typeof RotationRequest>;
export type RotationRequestInput = z.input<typeof RotationRequest>;

/**
 * CLI syntax of a consumer: `soracom:<credentialsId>[:update|versioned]`, `csms:<secretName>` or `file:<absolute path>`
 * (the path may itself hold colons). Returns the parsed spec or throws an Error naming the allowed forms.
 */
export function parseConsumerArg(arg: string): ConsumerSpec {
  if (arg.startsWith('file:')) {
    const parsed = FileConsumer.safeParse({ kind: 'file', path: arg.slice('file:'.length) });
    if (!parsed.success) throw new Error(`--consumer '${arg}': ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    return parsed.data;
  }
  const [kind, id, mode, ...rest] = arg.split(':');
  if (kind === 'csms' && id && mode === undefined) {
    const parsed = CsmsSecretConsumer.safeParse({ kind: 'csms-secret', secretName: id });
    if (!parsed.success) throw new Error(`--consumer '${arg}': ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    return parsed.data;
  }
  if (kind !== 'soracom' || !id || rest.length > 0) {
    throw new Error(`--consumer '${arg}' is not understood; use soracom:<credentialsId>[:update|versioned] or csms:<secretName>, or file:<absolute path>`);
  }
  const parsed = SoracomCredentialsSetConsumer.safeParse({ kind: 'soracom-credentials-set', credentialsId: id, mode: mode || 'update' });
  if (!parsed.success) {
    throw new Error(`--consumer '${arg}': ${parsed.error.issues.map((i) => i.message).join('; ')} (mode is update or versioned)`);
  }
  return parsed.data;
}

/** `30s`, `2m`, `0` (seconds) → whole seconds, validated 0–3600. */
export function parsePickupGrace(arg: string): number {
  const match = /^(\d+)\s*(s|m)?$/.exec(arg.trim());
  const seconds = match ? Number(match[1]) * (match[2] === 'm' ? 60 : 1) : Number.NaN;
  const parsed = PickupGraceSeconds.safeParse(seconds);
  if (!parsed.success) {
    throw new Error(`--pickup-grace '${arg}' is not allowed: use seconds or minutes from 0s to ${MAX_PICKUP_GRACE_SECONDS / 60}m (default ${DEFAULT_PICKUP_GRACE_SECONDS}s)`);
  }
  return parsed.data;
}

/** `7d`, `30d`, `14` (days) → whole days, validated 7–30. */
export function parseRecoveryWindow(arg: string): number {
  const match = /^(\d+)\s*d?$/.exec(arg.trim());
  const days = match ? Number(match[1]) : Number.NaN;
  const parsed = RecoveryWindowDays.safeParse(days);
  if (!parsed.success) {
    throw new Error(`--recovery-window '${arg}' is not allowed: use whole days from ${MIN_RECOVERY_WINDOW_DAYS}d to ${MAX_RECOVERY_WINDOW_DAYS}d (default ${DEFAULT_RECOVERY_WINDOW_DAYS}d)`);
  }
  return parsed.data;
}
