/**
 * Fleet policies: which credentials of a fleet are due, and why each of the others is left alone. A plan is read-only;
 * a fleet run starts one rotation per credential the plan selects. Workflow-safe: no I/O, no Node built-ins.
 */
import type { WallarmCloud } from '../providers/wallarm/descriptor';
import { PROVIDERS, type ConsumerSpec, type ProviderName, type ProviderQueue } from './registry';
import type { RotationRequestInput } from './schemas';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/** What `plan` and `fleet` select from an AWS account: the IAM users under a path, with keys older than `maxAgeDays`. */
export interface AwsIamFleetSelection {
  kind: 'aws-iam-keys';
  /** the rotator's own account; with `organizationRole`, the organisation's management account */
  accountId: string;
  /** sweep every active account of the organisation, each through this role (the rotator's own account with its own credentials) */
  organizationRole?: string;
  /** IAM path prefix, `/` for every user */
  pathPrefix: string;
  maxAgeDays: number;
  /** ages are evaluated at this instant (ISO); the run's own time when absent */
  asOf?: string;
  recoveryWindowDays?: number;
  pickupGraceSeconds?: number;
  /** each rotation waits up to this long for evidence of use before deactivating (--await-use) */
  awaitUseSeconds?: number;
}

/**
 * What `plan` and `fleet` select from Wallarm: the API tokens the rotator's user sees in one cloud, due when they expire
 * within `expiringWithinMs`. Their consumers come from the consumer map, read when the plan, run or schedule was made.
 */
export interface WallarmTokensFleetSelection {
  kind: 'wallarm-tokens';
  cloud: WallarmCloud;
  expiringWithinMs: number;
  /** each token's consumers, by token name (a rotation keeps the name and changes the id) */
  consumerMap: Record<string, ConsumerSpec[]>;
  /** expiries are compared with this instant (ISO); the run's own time when absent */
  asOf?: string;
  recoveryWindowDays?: number;
  pickupGraceSeconds?: number;
  /** the new tokens' lifetime; by default each old token's */
  lifetimeDays?: number;
}

/**
 * What `plan` and `fleet` select from SORACOM: the SAM users of the operator the worker logs in to, due when their
 * AuthKey is `maxAgeDays` old. SAM users have no tags: their consumers come from the consumer map, by user name.
 */
export interface SoracomAuthKeysFleetSelection {
  kind: 'soracom-auth-keys';
  operatorId: string;
  maxAgeDays: number;
  /** each SAM user's consumers (file: or csms:), by user name */
  consumerMap: Record<string, ConsumerSpec[]>;
  /** ages are evaluated at this instant (ISO); the run's own time when absent */
  asOf?: string;
  recoveryWindowDays?: number;
  pickupGraceSeconds?: number;
  /** each rotation waits up to this long for evidence of use before deactivating (--await-use) */
  awaitUseSeconds?: number;
}

export type FleetSelection = AwsIamFleetSelection | WallarmTokensFleetSelection | SoracomAuthKeysFleetSelection;
export type FleetKind = FleetSelection['kind'];
export type SelectionOf<K extends FleetKind> = Extract<FleetSelection, { kind: K }>;

/** The provider whose queue plans each kind of fleet: a kind missing here is a compile error. */
export const FLEET_PROVIDERS: Record<FleetKind, ProviderName> = { 'aws-iam-keys': 'aws-iam', 'wallarm-tokens': 'wallarm', 'soracom-auth-keys': 'soracom' };

export const fleetTaskQueue = (selection: FleetSelection): ProviderQueue => PROVIDERS[FLEET_PROVIDERS[selection.kind]].queue;

/**
 * How each kind of fleet is named: `id`, what one fleet is (one run of it at a time: two policies over the same
 * credentials would race), and `what`, a line for the UI and `schedule list`.
 */
const FLEET_NAMES: { [K in FleetKind]: { id(selection: SelectionOf<K>): string; what(selection: SelectionOf<K>): string } } = {
  'aws-iam-keys': {
    id: (s) => `${s.organizationRole ? 'organization:' : ''}${s.accountId}:${s.pathPrefix}`,
    what: (s) => `${s.organizationRole ? 'the organisation of ' : ''}${s.accountId} under ${s.pathPrefix} (keys ${s.maxAgeDays}+ days old)`,
  },
  'wallarm-tokens': { id: (s) => s.cloud, what: (s) => `Wallarm ${s.cloud} (tokens expiring within ${duration(s.expiringWithinMs)})` },
  'soracom-auth-keys': { id: (s) => s.operatorId, what: (s) => `SORACOM ${s.operatorId} (SAM users' AuthKeys ${s.maxAgeDays}+ days old)` },
};

const namesOf = (selection: FleetSelection) => FLEET_NAMES[selection.kind] as { id(s: FleetSelection): string; what(s: FleetSelection): string };

/** The id of a fleet's runs: `fleet:<kind>:<which fleet>`. */
export const fleetIdFor = (selection: FleetSelection): string => `fleet:${selection.kind}:${namesOf(selection).id(selection)}`;

/** What a fleet selects, in a line: `fleet wallarm-tokens of Wallarm us1 (tokens expiring within 7 days)`. */
export const describeFleet = (selection: FleetSelection): string => `fleet ${selection.kind} of ${namesOf(selection).what(selection)}`;

/** The reason a plan gives a credential whose rotation is running: the one a fleet run gives when it finds it so. */
export const IN_PROGRESS = 'a rotation of it is in progress';

export type FleetAction = 'rotate' | 'skip';

/** One credential's fate in a plan: `rotate` carries the rotation to start. */
export interface FleetDecision {
  rotationId: string;
  subject: string;
  /** age in whole days of the credential in use, at the plan's instant; null when it has none */
  keyAgeDays: number | null;
  action: FleetAction;
  reason: string;
  request?: RotationRequestInput;
}

/** A page of a plan and where the next one starts (undefined: the last page). */
export interface FleetPage {
  decisions: FleetDecision[];
  next?: string;
}

/** What a run of a fleet did, per outcome; lists are cut at `LIST_LIMIT` each, the counts are whole. */
export interface FleetReport {
  selection: FleetSelection;
  counts: { rotated: number; skipped: number; failed: number };
  rotated: { rotationId: string; phase: string }[];
  skipped: { rotationId: string; reason: string }[];
  failed: { rotationId: string; problem: string }[];
  /** rotations started and not yet reported (while the run is going) */
  inFlight: string[];
  /** how many times the run continued as new (each carries the counts on) */
  generations: number;
}

/** How many entries a report keeps per outcome: enough to act on, small enough for a payload. */
export const LIST_LIMIT = 1000;

export function emptyReport(selection: FleetSelection): FleetReport {
  return { selection, counts: { rotated: 0, skipped: 0, failed: 0 }, rotated: [], skipped: [], failed: [], inFlight: [], generations: 0 };
}

interface OutcomeEntries {
  rotated: { rotationId: string; phase: string };
  skipped: { rotationId: string; reason: string };
  failed: { rotationId: string; problem: string };
}

/** Adds an outcome to a report: the count always, the entry while the list has room. */
export function recordOutcome<K extends keyof OutcomeEntries>(report: FleetReport, outcome: K, entry: OutcomeEntries[K]): void {
  report.counts[outcome]++;
  const list = report[outcome] as OutcomeEntries[K][];
  if (list.length < LIST_LIMIT) list.push(entry);
}

/** An exemption tag's value: `reason`, optionally ending in `until YYYY-MM-DD` (exempt through that day, UTC). */
export function exemption(value: string | undefined, at: number): { exempt: boolean; reason: string } | undefined {
  if (value === undefined) return undefined;
  const match = /^(.*?)\s*\buntil\s+(\d{4}-\d{2}-\d{2})\s*$/.exec(value);
  const reason = (match ? match[1]! : value).trim() || 'no reason given';
  if (!match) return { exempt: true, reason };
  const end = Date.parse(`${match[2]}T23:59:59.999Z`);
  if (Number.isNaN(end)) return { exempt: true, reason: `${reason} (until '${match[2]}', not a date: treated as no end)` };
  return end >= at ? { exempt: true, reason: `${reason}, until ${match[2]}` } : { exempt: false, reason: `exemption '${reason}' ended ${match[2]}` };
}

/** Whole days between a credential's creation and the plan's instant. */
export function ageInDays(createdAt: string, at: number): number {
  return Math.floor((at - Date.parse(createdAt)) / DAY_MS);
}

/** `90d`, `12w` … → whole days, 1 to 3650. */
export function parseMaxAge(arg: string): number {
  const match = /^(\d+)\s*(d|w)?$/.exec(arg.trim());
  const days = match ? Number(match[1]) * (match[2] === 'w' ? 7 : 1) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new Error(`--max-age '${arg}' must be whole days from 1d to 3650d, e.g. 90d`);
  return days;
}

/** A span as an operator reads it: whole days from two days up, else whole hours (`5 days`, `36 hours`). */
export function duration(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  if (days >= 2) return `${days} days`;
  const hours = Math.floor(ms / HOUR_MS);
  return `${hours} hour${hours === 1 ? '' : 's'}`;
}

/** `--as-of`: a date (midnight UTC) or an ISO time → ISO. */
export function parseAsOf(value: string): string {
  const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(at)) throw new Error(`--as-of '${value}' must be a date (YYYY-MM-DD) or an ISO time`);
  return new Date(at).toISOString();
}
