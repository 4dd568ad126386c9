import type { CredentialMetadata, SourceSpec } from '../rotation/model';

/** Where a credential is minted and retired. Every source provider implements these, on its own task queue. */
export interface SourceInspection {
  /** what the provider says the credential belongs to (ARN, token owner …) */
  subject: string;
  credentials: CredentialMetadata[];
  /** how many credentials the subject may hold at once (IAM: 2) */
  maxCredentials: number;
}

/** A freshly minted credential. `secret` travels only through encrypted history and consumer writes. */
export interface NewCredential {
  id: string;
  createdAt: string;
  secret: Record<string, string>;
}

export interface SourceActivities {
  /** Reads, never writes: identity, existing credentials, limits. Fails fast on a wrong request. */
  inspectSource(input: { source: SourceSpec }): Promise<SourceInspection>;
  /**
   * Mints one credential, exactly once: credentials not in `knownIds` created since `notBefore` are orphans of a
   * lost response and are removed first.
   */
  createCredential(input: { source: SourceSpec; knownIds: string[]; notBefore: string }): Promise<NewCredential>;
  /** Proves the credential authenticates as the expected subject; throws a retryable failure until it does. */
  verifyCredential(input: { source: SourceSpec; credential: NewCredential; subject: string }): Promise<void>;
  /**
   * Enables or disables a credential. When disabling, `restorableUntil` is the end of the recovery window: a source
   * whose provider deletes disabled credentials sooner (Wallarm: after a week) must keep it restorable until then.
   */
  setCredentialEnabled(input: { source: SourceSpec; credentialId: string; enabled: boolean; restorableUntil?: string }): Promise<void>;
  /** Deletes a credential; one that is already gone counts as done. */
  destroyCredential(input: { source: SourceSpec; credentialId: string }): Promise<'deleted' | 'already-gone'>;
}
