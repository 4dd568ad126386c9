/**
 * The rotation model, defined once (in `schemas.ts` and the provider registry): this module builds its schemas for the
 * CLI, activities and worker and re-exports every definition. Workflow code imports `schemas.ts` and `registry.ts`
 * instead (see schemas.ts why).
 */
import {
  defineRotationSchemas,
  DEFAULT_PICKUP_GRACE_SECONDS,
  DEFAULT_RECOVERY_WINDOW_DAYS,
  MAX_PICKUP_GRACE_SECONDS,
  MAX_RECOVERY_WINDOW_DAYS,
  MIN_RECOVERY_WINDOW_DAYS,
  MAX_AWAIT_USE_SECONDS,
  MAX_CONFIRM_WITHIN_SECONDS,
  MIN_AWAIT_USE_SECONDS,
  MIN_CONFIRM_WITHIN_SECONDS,
} from './schemas';
import { CONSUMERS, type ConsumerSpec as RegistryConsumerSpec, type SourceSpec as RegistrySourceSpec } from './registry';

export * from './schemas';
export * from './registry';

export const { RecoveryWindowDays, SourceSpec, ConsumerSpec, PickupGraceSeconds, RotationRequest } = defineRotationSchemas();
// a value and a type of one name: the types are the registry's
export type SourceSpec = RegistrySourceSpec;
export type ConsumerSpec = RegistryConsumerSpec;

/**
 * CLI syntax of a consumer, `<prefix>:<rest>` as each consumer's descriptor defines it (e.g. `file:<absolute path>`).
 * Returns the parsed spec or throws an Error naming the allowed forms.
 */
export function parseConsumerArg(arg: string): RegistryConsumerSpec {
  if (arg.startsWith('manual:')) return parseManualConsumer(arg);
  const at = arg.indexOf(':');
  const descriptor = Object.values(CONSUMERS).find((c) => c.cli.prefix === arg.slice(0, at));
  const fields = at > 0 ? descriptor?.cli.parse(arg.slice(at + 1)) : undefined;
  if (!descriptor || !fields) {
    const syntaxes = Object.values(CONSUMERS).map((c) => c.cli.syntax);
    throw new Error(`--consumer '${arg}' is not understood; use ${syntaxes.slice(0, -1).join(' or ')}, or ${syntaxes.at(-1)}`);
  }
  const parsed = descriptor.schema().safeParse({ kind: descriptor.kind, ...fields });
  if (!parsed.success) {
    const hint = 'hint' in descriptor.cli ? ` (${descriptor.cli.hint})` : '';
    throw new Error(`--consumer '${arg}': ${parsed.error.issues.map((i) => i.message).join('; ')}${hint}`);
  }
  return parsed.data as RegistryConsumerSpec;
}

/** `manual:NAME@<place>`: a person or team who takes the credential from a place they can read (a CSMS secret, a file). */
function parseManualConsumer(arg: string): RegistryConsumerSpec {
  const rest = arg.slice('manual:'.length);
  const at = rest.indexOf('@');
  const places = Object.values(CONSUMERS).filter((c) => c.handOver !== undefined);
  const forms = places.map((c) => `manual:<name>@${c.cli.syntax}`).join(' or ');
  if (at <= 0) throw new Error(`--consumer '${arg}' is not understood; a person or team is named ${forms} (where the credential is handed over)`);
  const person = rest.slice(0, at);
  const place = rest.slice(at + 1);
  const descriptor = places.find((c) => place.startsWith(`${c.cli.prefix}:`));
  if (!descriptor) throw new Error(`--consumer '${arg}': a credential can be handed over in ${places.map((c) => c.cli.syntax).join(' or ')} only (a place the person can read), not '${place}'`);
  const spec = parseConsumerArg(place);
  const parsed = descriptor.schema().safeParse({ ...spec, person });
  if (!parsed.success) throw new Error(`--consumer '${arg}': ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data as RegistryConsumerSpec;
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

/** `90s`, `30m`, `6h`, `2d` → seconds, within `bounds`; the unit is required (a bare number is ambiguous here). */
export function parseDuration(arg: string, flag: string, bounds: { min: number; max: number; range: string }): number {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(arg.trim());
  const seconds = match ? Number(match[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'] : Number.NaN;
  if (!Number.isInteger(seconds) || seconds < bounds.min || seconds > bounds.max) {
    throw new Error(`${flag} '${arg}' is not allowed: use a duration such as 30m, 6h or 2d, from ${bounds.range}`);
  }
  return seconds;
}

/** `--await-use`: 1 minute to 30 days. */
export const parseAwaitUse = (arg: string): number => parseDuration(arg, '--await-use', { min: MIN_AWAIT_USE_SECONDS, max: MAX_AWAIT_USE_SECONDS, range: '1m to 30d' });
/** `--confirm-within`: 1 hour to 30 days (default 7d). */
export const parseConfirmWithin = (arg: string): number =>
  parseDuration(arg, '--confirm-within', { min: MIN_CONFIRM_WITHIN_SECONDS, max: MAX_CONFIRM_WITHIN_SECONDS, range: '1h to 30d (default 7d)' });

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
