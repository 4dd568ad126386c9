/**
 * Fleet policies: which credentials of a fleet are due, and why each of the others is left alone. A plan is read-only;
 * a fleet run starts one rotation per credential the plan selects. Workflow-safe: no I/O, no Node built-ins.
 */
import { PROVIDERS, type ProviderName, type ProviderQueue } from './registry';
import type { RotationRequestInput } from './schemas';

const DAY_MS = 24 * 60 * 60 * 1000;

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
}

export type FleetSelection = AwsIamFleetSelection;

/** The provider whose queue plans each kind of fleet: a kind missing here is a compile error. */
export const FLEET_PROVIDERS: Record<FleetSelection['kind'], ProviderName> = { 'aws-iam-keys': 'aws-iam' };

export const fleetTaskQueue = (selection: FleetSelection): ProviderQueue => PROVIDERS[FLEET_PROVIDERS[selection.kind]].queue;

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
