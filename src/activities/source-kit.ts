/**
 * What every source shares when it mints a credential. Minting is not idempotent at any provider (IAM's
 * CreateAccessKey, and each other source's create call) and the secret is shown once: a lost answer
 * leaves a credential nobody can use. Before minting again, each source sweeps such orphans away with these rules.
 */
import type { CredentialMetadata } from '../rotation/model';
import type { CredentialState, CredentialStates } from './source';

/**
 * Tolerated skew between the workflow's clock (`notBefore`) and the provider's creation time when telling the
 * orphans of a lost answer from credentials someone else made.
 */
export const CLOCK_TOLERANCE_MS = 60_000;

/** Each asked-for id's state in a listing of the subject's credentials: absent from it means gone. */
export function statesOf(ids: readonly string[], listing: readonly CredentialMetadata[]): Record<string, CredentialState> {
  return Object.fromEntries(ids.map((id) => [id, listing.find((c) => c.id === id)?.status ?? 'gone']));
}

/** Every asked-for id gone, with the subject that held them. */
export const subjectGone = (ids: readonly string[]): CredentialStates => ({ subjectExists: false, states: Object.fromEntries(ids.map((id) => [id, 'gone'])) });

/** What the rotation knew before its first mint: the ids listed at preflight, and when it began. */
export interface SweepInput {
  readonly knownIds: readonly string[];
  /** an ISO time no later than the first mint attempt */
  readonly notBefore: string;
}

/**
 * An unknown credential: an `orphan` of a lost answer (created since `notBefore`, within the tolerance), to delete;
 * or `foreign`, older, made by someone else, which the rotation refuses to touch.
 */
export type SweepStep<C> = { readonly verdict: 'orphan' | 'foreign'; readonly credential: C };

/** How a source reads its listing. */
export interface CredentialFacts<C> {
  id(credential: C): string;
  /** the provider's creation time, in milliseconds since the epoch (NaN if unreadable: then it is foreign) */
  createdAtMs(credential: C): number;
}

/**
 * Decides, in listing order, what happens to each credential not in `knownIds`; known ones are skipped. The plan
 * ends at the first foreign credential: orphans listed before it are deleted, the rest are left for the operator.
 */
export function planOrphanSweep<C>(listing: readonly C[], input: SweepInput, facts: CredentialFacts<C>, toleranceMs: number = CLOCK_TOLERANCE_MS): SweepStep<C>[] {
  const earliest = Date.parse(input.notBefore) - toleranceMs;
  const steps: SweepStep<C>[] = [];
  for (const credential of listing) {
    if (input.knownIds.includes(facts.id(credential))) continue;
    const orphan = facts.createdAtMs(credential) >= earliest;
    steps.push({ verdict: orphan ? 'orphan' : 'foreign', credential });
    if (!orphan) break;
  }
  return steps;
}

/** A source's side of the sweep: how to delete an orphan, and its typed refusal of a foreign credential. */
export interface OrphanSweep<C> extends CredentialFacts<C> {
  /** deletes an orphan; logging why is the source's, since it names the provider's call that lost its answer */
  deleteOrphan(credential: C): Promise<unknown>;
  /** the source's typed, fail-fast refusal, e.g. `IamUnexpectedKey`: someone else changed the subject */
  refuse(credential: C): Error;
}

/** Deletes the orphans of a lost answer and throws the refusal at the first foreign credential. */
export async function sweepOrphans<C>(listing: readonly C[], input: SweepInput, sweep: OrphanSweep<C>): Promise<void> {
  for (const { verdict, credential } of planOrphanSweep(listing, input, sweep)) {
    if (verdict === 'foreign') throw sweep.refuse(credential);
    await sweep.deleteOrphan(credential);
  }
}
