/**
 * Whether the providers' records of use let the old credential be deactivated: the new credential seen in use, and the
 * old one not, after the switch and the pickup grace. Pure: the workflow gathers the records through activities.
 *
 * Only a use of the new credential at or after the quiet window counts: a provider that records use with a lag (AWS) has
 * then recorded at least the whole window, so a use of the old credential in that window would show too. Without the
 * window, a check right after the grace could see the new key used and the old one not yet, and pass an unknown user.
 */
import type { CredentialUse } from '../rotation/schemas';

export interface UseRecords {
  oldId: string;
  newId: string;
  /** when every consumer held the new credential, ms */
  switchedAt: number;
  /** the switch plus the pickup grace, ms: a use of the old credential after this is something still depending on it */
  quietAfter: number;
  /** quietAfter plus the quiet window, ms: the new credential must be seen in use at or after this */
  evidenceAfter: number;
  /** null: the source does not report its credentials' use */
  old: CredentialUse | null;
  new: CredentialUse | null;
  /** consumers whose provider reports their use (a SORACOM set), with what it last reported */
  consumers: { consumer: string; lastUsedAt: string | null }[];
}

export interface UseVerdict {
  /** the evidence is in: deactivate */
  ready: boolean;
  /** what is still missing, for the operator */
  waitingFor: string[];
  /** set when the old credential was used after the switch and the grace: waiting longer cannot change that */
  oldStillUsed?: string;
}

const after = (at: string | null | undefined, ms: number) => at != null && Date.parse(at) > ms;
const atOrAfter = (at: string | null | undefined, ms: number) => at != null && Date.parse(at) >= ms;

/** Where and how a credential was used, as its provider says: "2026-11-29T10:00:00.000Z (sts, us-east-1)". */
export function describeUse(use: CredentialUse): string {
  const where = [use.service, use.region].filter(Boolean).join(', ');
  return `${use.lastUsedAt ?? 'never'}${where ? ` (${where})` : ''}`;
}

export function judgeUse(r: UseRecords): UseVerdict {
  const since = new Date(r.evidenceAfter).toISOString();
  const seenBy = [
    ...(atOrAfter(r.new?.lastUsedAt, r.evidenceAfter) ? ['its provider'] : []),
    ...r.consumers.filter((c) => atOrAfter(c.lastUsedAt, r.evidenceAfter)).map((c) => c.consumer),
  ];
  const waitingFor: string[] = [];
  if (seenBy.length === 0) {
    const where = [...(r.new ? ['the source'] : []), ...r.consumers.map((c) => c.consumer)].join(' or ');
    waitingFor.push(`the new credential ${r.newId} to be used at or after ${since} (as ${where} reports it), so the records cover the quiet window after ${new Date(r.quietAfter).toISOString()}`);
  }
  if (r.old && after(r.old.lastUsedAt, r.quietAfter)) {
    return {
      ready: false,
      waitingFor,
      oldStillUsed:
        `the old credential ${r.oldId} was used at ${describeUse(r.old)}, after every known consumer held ${r.newId} ` +
        `(since ${new Date(r.switchedAt).toISOString()}) and the pickup grace: something the rotator does not know still depends on it`,
    };
  }
  return { ready: waitingFor.length === 0, waitingFor };
}
