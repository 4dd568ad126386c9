import type { ConsumerSpec, SourceSpec } from '../rotation/model';
import type { NewCredential, SealedCredential } from './source';

/** What a consumer holds now, read from the provider. */
export interface ConsumerReading {
  credentialsId: string;
  exists: boolean;
  /** public id of the credential it holds (an access key id), or null */
  holds: string | null;
}

/**
 * Where `rollBackConsumer` returns a consumer to, recorded by `planConsumer` before any write (so a write whose answer
 * was lost can still be undone). Public ids only (e.g. the versions holding each stage of a secret); opaque to the workflow.
 */
export type RestorePoint = Readonly<Record<string, string>>;

export interface ConsumerPlan extends ConsumerReading {
  /** the set that will receive the new credential: the same set (update) or a new one (versioned) */
  targetCredentialsId: string;
  /** present when the consumer can put its previous credential back (a versioned secret), absent when it cannot (written in place) */
  restorePoint?: RestorePoint;
}

export interface RollbackOutcome extends ConsumerReading {
  /** `rolled-back`: it holds what it held at the restore point again; `untouched`: nothing of this rotation was there to undo */
  outcome: 'rolled-back' | 'untouched';
  /** what was done, for the rotation's status: public ids only */
  detail: string;
}

/**
 * Where a credential is stored for the software that uses it. Every consumer provider implements these over
 * `NewCredential`; the worker registers them sealed, so the workflow hands them a `SealedCredential`.
 */
export interface ConsumerActivities<C extends NewCredential | SealedCredential = NewCredential> {
  /** Reads, never writes: checks the consumer can take a credential from `source` and picks the target set. */
  planConsumer(input: { consumer: ConsumerSpec; source: SourceSpec; today: string }): Promise<ConsumerPlan>;
  /** Writes the credential, then reads it back; fails unless the consumer holds it afterwards. */
  putCredential(input: { consumer: ConsumerSpec; source: SourceSpec; targetCredentialsId: string; credential: C }): Promise<ConsumerReading>;
  readConsumer(input: { consumer: ConsumerSpec; credentialsId: string }): Promise<ConsumerReading>;
  /**
   * Returns the consumer to its restore point if it holds `newCredentialId`; leaves it alone if it holds anything else
   * (another writer's value is never overwritten). Fails when the consumer holds the new credential and cannot be put back.
   */
  rollBackConsumer(input: { consumer: ConsumerSpec; credentialsId: string; restorePoint: RestorePoint; newCredentialId: string }): Promise<RollbackOutcome>;
  /**
   * Reads, never writes: what still reaches the consumer's old home once it moved to a new one (a versioned set named by
   * group configurations), described for the operator; empty when nothing does. Checked before the old credential the
   * old home holds is deleted.
   */
  homeReaders(input: { consumer: ConsumerSpec; credentialsId: string }): Promise<string[]>;
  /**
   * Reads, never writes: when the consumer's provider last saw it use what it holds (a SORACOM set's lastUsedDateTime);
   * null when never. Consumers whose provider does not report use (no `lastUse` in their descriptor) refuse it.
   */
  consumerUse(input: { consumer: ConsumerSpec; credentialsId: string }): Promise<{ lastUsedAt: string | null }>;
  /** Deletes a set this rotation created or retired; one that is already gone counts as done. */
  removeCredentialsSet(input: { consumer: ConsumerSpec; credentialsId: string }): Promise<'deleted' | 'already-gone'>;
}
