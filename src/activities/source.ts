import type { CredentialMetadata, CredentialUse, SourceSpec } from '../rotation/model';

/** Where a credential is minted and retired. Every source provider implements these, on its own task queue. */
export interface SourceInspection {
  /** what the provider says the credential belongs to (ARN, token owner …) */
  subject: string;
  credentials: CredentialMetadata[];
  /** how many credentials the subject may hold at once (IAM: 2) */
  maxCredentials: number;
}

/**
 * A freshly minted credential, as a provider returns it and a consumer writes it. Every field of `secret` is secret
 * material: it never enters workflow history as it is (see SealedCredential).
 */
export interface NewCredential {
  id: string;
  createdAt: string;
  secret: Record<string, string>;
}

/** A credential as the source holds it now: in use, out of use (disabled, expired), or no longer there. */
export type CredentialState = 'Active' | 'Inactive' | 'gone';

export interface CredentialStates {
  /** false when the credential's owner (an IAM or SAM user) no longer exists: its credentials went with it */
  subjectExists: boolean;
  /** each asked-for id */
  states: Record<string, CredentialState>;
}

/** A secret field sealed with a worker-only key (src/codec/sealed-secrets.ts): `sealed:<keyId>:<ciphertext>`. */
export type SealedSecret = `sealed:${string}`;

/** A new credential as it travels through workflow history: public id and time in clear, every secret field sealed. */
export interface SealedCredential {
  id: string;
  createdAt: string;
  secret: Record<string, SealedSecret>;
}

/**
 * A source's activities. Providers implement them over `NewCredential`; the worker registers them sealed
 * (src/activities/sealing.ts), so the workflow only ever holds a `SealedCredential`.
 */
export interface SourceActivities<C extends NewCredential | SealedCredential = NewCredential> {
  /** Reads, never writes: identity, existing credentials, limits. Fails fast on a wrong request. */
  inspectSource(input: { source: SourceSpec }): Promise<SourceInspection>;
  /**
   * Mints one credential, exactly once: credentials not in `knownIds` created since `notBefore` are orphans of a
   * lost response and are removed first.
   */
  createCredential(input: { source: SourceSpec; knownIds: string[]; notBefore: string }): Promise<C>;
  /** Proves the credential authenticates as the expected subject; throws a retryable failure until it does. */
  verifyCredential(input: { source: SourceSpec; credential: C; subject: string }): Promise<void>;
  /**
   * Takes the old credential out of use for the recovery window, keeping it restorable until `restorableUntil` (its
   * end). What that means is the source's: disabled, or (where disabling would lose it sooner, or is impossible) kept
   * and proven unused. Absent `restorableUntil`: rotations started before the window was fixed first.
   */
  retireCredential(input: { source: SourceSpec; credentialId: string; restorableUntil?: string }): Promise<void>;
  /** Puts a retired credential back in use (restore, cancel in the window, or compensation). */
  reinstateCredential(input: { source: SourceSpec; credentialId: string }): Promise<void>;
  /**
   * Reads, never writes: what the source holds now of the given credentials, so the rotation can check the world
   * before it deletes or restores anything (people change things by hand during a window of up to 30 days).
   */
  credentialStates(input: { source: SourceSpec; credentialIds: string[] }): Promise<CredentialStates>;
  /**
   * Reads, never writes: when the provider last saw each credential used (with service and region where it says), so a
   * rotation can wait for evidence before deactivating. A credential that is gone reads as never used. Sources whose
   * provider does not report use (their descriptor has no `lastUse`) refuse it; the workflow never asks them.
   */
  credentialUse(input: { source: SourceSpec; credentialIds: string[] }): Promise<Record<string, CredentialUse>>;
  /** Deletes a credential; one that is already gone counts as done. */
  destroyCredential(input: { source: SourceSpec; credentialId: string }): Promise<'deleted' | 'already-gone'>;
}

/**
 * The one activity retire/reinstate replaced: rotations begun before the workflow's patch 'retire-and-reinstate' call it
 * until they end, so workers keep registering it (src/activities/registry.ts).
 */
export interface LegacySourceActivities {
  setCredentialEnabled(input: { source: SourceSpec; credentialId: string; enabled: boolean; restorableUntil?: string }): Promise<void>;
}
