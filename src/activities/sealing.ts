import type { SecretSealer } from '../codec/sealed-secrets';
import type { ConsumerActivities } from './consumer';
import type { SealedCredential, SourceActivities } from './source';

/**
 * The boundary between providers and workflow history: a source's new credential is sealed as it leaves the activity
 * that minted it, and opened only inside the activities that hand it to a provider (verify, register).
 */
export function sealedSource(source: SourceActivities, sealer: SecretSealer): SourceActivities<SealedCredential> {
  return {
    ...source,
    createCredential: async (input) => sealer.seal(await source.createCredential(input)),
    verifyCredential: (input) => source.verifyCredential({ ...input, credential: sealer.unseal(input.credential) }),
  };
}

export function sealedConsumer(consumer: ConsumerActivities, sealer: SecretSealer): ConsumerActivities<SealedCredential> {
  return {
    ...consumer,
    putCredential: (input) => consumer.putCredential({ ...input, credential: sealer.unseal(input.credential) }),
  };
}
