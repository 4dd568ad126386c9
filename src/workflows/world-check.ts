/**
 * What the world must look like before the rotation deletes or restores anything. A rotation waits up to 30 days in its
 * window, and people change things by hand in that time; the rotation re-reads the providers first and refuses an action
 * the world no longer allows, saying what changed. Pure: the workflow gathers the survey through activities.
 */
import type { CredentialState } from '../activities/source';

export interface WorldSurvey {
  /** false when the credential's owner (an IAM or SAM user) is gone, and its credentials with it */
  subjectExists: boolean;
  old: CredentialState;
  new: CredentialState;
  consumers: { consumer: string; where: string; exists: boolean; holds: string | null; home?: string; homeReaders?: string[] }[];
}

export interface Credentials {
  oldId: string;
  newId: string;
  /** whether a retired old credential is Active by design (it cannot be, or must not be, disabled) */
  oldStaysActive: boolean;
}

/**
 * Why the old credential must not be deleted now, one operator-readable reason each, or none: the invariant is that
 * every consumer holds the new credential and the new credential works, and that nothing re-enabled the old one.
 */
export function deletionBlockers(world: WorldSurvey, { oldId, newId, oldStaysActive }: Credentials): string[] {
  if (!world.subjectExists) return [`the credentials' owner no longer exists (deleted outside the rotator), and ${oldId} and ${newId} with it`];
  const blockers: string[] = [];
  if (world.new !== 'Active') blockers.push(`the new credential ${newId} is ${world.new === 'gone' ? 'gone' : 'Inactive'} (changed outside the rotator), so the consumers hold one that does not work`);
  for (const c of world.consumers) {
    if (!c.exists) blockers.push(`${c.consumer} no longer exists (${c.where} was deleted outside the rotator)`);
    else if (c.holds !== newId) blockers.push(`${c.consumer} now holds ${c.holds ?? 'no credential the rotator recognises'}, not the new credential ${newId} (changed outside the rotator)`);
    if (c.homeReaders?.length) blockers.push(`${c.consumer}'s old home ${c.home}, which holds ${oldId}, is still reached by ${c.homeReaders.join('; ')}`);
  }
  if (world.old === 'Active' && !oldStaysActive) blockers.push(`the old credential ${oldId} is Active again (re-enabled outside the rotator): something may depend on it`);
  return blockers;
}

/** Why the old credential cannot be put back, or undefined when it can. */
export function restoreBlocker(world: WorldSurvey, oldId: string): string | undefined {
  if (!world.subjectExists) return `the credentials' owner no longer exists (deleted outside the rotator), and ${oldId} with it: there is nothing to restore`;
  if (world.old === 'gone') return `the old credential ${oldId} no longer exists (deleted outside the rotator): there is nothing to restore`;
  return undefined;
}

/** What the providers hold just before the old credential is deactivated: read after a wait of hours or days. */
export interface CutOverSurvey {
  new: CredentialState;
  consumers: { consumer: string; where: string; exists: boolean; holds: string | null }[];
}

/**
 * Why the old credential must not be deactivated now, or none: every consumer must still hold the new credential, and
 * the new credential must still work. A hand-over or an evidence wait can last days, and people change things by hand.
 */
export function deactivationBlockers(world: CutOverSurvey, newId: string): string[] {
  const blockers: string[] = [];
  if (world.new !== 'Active') blockers.push(`the new credential ${newId} is ${world.new === 'gone' ? 'gone' : 'Inactive'} (changed outside the rotator), so the consumers hold one that does not work`);
  for (const c of world.consumers) {
    if (!c.exists) blockers.push(`${c.consumer} no longer exists (${c.where} was deleted outside the rotator)`);
    else if (c.holds !== newId) blockers.push(`${c.consumer} now holds ${c.holds ?? 'no credential the rotator recognises'}, not the new credential ${newId} (changed outside the rotator)`);
  }
  return blockers;
}
