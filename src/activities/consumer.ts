import type { ConsumerSpec, SourceSpec } from '../rotation/model';
import type { NewCredential } from './source';

/** What a consumer holds now, read from the provider. */
export interface ConsumerReading {
  credentialsId: string;
  exists: boolean;
  /** public id of the credential it holds (an access key id), or null */
  holds: string | null;
}

export interface ConsumerPlan extends ConsumerReading {
  /** the set that will receive the new credential: the same set (update) or a new one (versioned) */
  targetCredentialsId: string;
}

/** Where a credential is stored for the software that uses it. Every consumer provider implements these. */
export interface ConsumerActivities {
  /** Reads, never writes: checks the consumer can take a credential from `source` and picks the target set. */
  planConsumer(input: { consumer: ConsumerSpec; source: SourceSpec; today: string }): Promise<ConsumerPlan>;
  /** Writes the credential, then reads it back; fails unless the consumer holds it afterwards. */
  putCredential(input: { consumer: ConsumerSpec; source: SourceSpec; targetCredentialsId: string; credential: NewCredential }): Promise<ConsumerReading>;
  readConsumer(input: { consumer: ConsumerSpec; credentialsId: string }): Promise<ConsumerReading>;
  /** Deletes a set this rotation created or retired; one that is already gone counts as done. */
  removeCredentialsSet(input: { consumer: ConsumerSpec; credentialsId: string }): Promise<'deleted' | 'already-gone'>;
}
