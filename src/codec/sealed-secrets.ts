/**
 * Secrets sealed inside payloads with a key only workers hold. The codec key encrypts whole payloads, but the codec
 * server holds it too and the Temporal UI shows what it decodes to anyone who can open the UI; so every secret a
 * source mints is sealed again, field by field, before it enters workflow history, and unsealed only in the activity
 * that hands it to a provider. Decoded, a sealed field reads `sealed:<keyId>:<ciphertext>`: it names its key, never
 * its value.
 */
import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { NewCredential, SealedCredential, SealedSecret } from '../activities/source';
import { keyRingFromVariables, parseKeyRing, type KeyRing, type KeyRingVariables } from './key-ring';

export const SEAL_KEY_VARIABLES: KeyRingVariables = { keys: 'ROTATOR_SEAL_KEYS', file: 'ROTATOR_SEAL_KEY_FILE', what: 'seal key' };

/** A fixed seal key for the demo and the tests only: it is public, so it protects nothing. */
export const DEMO_SEAL_KEYS = 'demo-seal-2026:ZGVtby1vbmx5LXNlYWwta2V5LW5vdC1hLXNlY3JldCE=';

const PREFIX = 'sealed:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Binds a sealed value to its credential and field: a value moved to another credential or field does not open. */
const additionalData = (credentialId: string, field: string) => Buffer.from(`credential-rotator sealed secret v1\n${credentialId}\n${field}`);

export function isSealed(value: string): value is SealedSecret {
  return value.startsWith(PREFIX);
}

export class SecretSealer {
  constructor(private readonly ring: KeyRing) {}

  /** Every field of the credential's secret, sealed under the primary key. */
  seal(credential: NewCredential): SealedCredential {
    const keyId = this.ring.primary;
    const key = this.ring.keys.get(keyId)!;
    const secret = Object.fromEntries(
      Object.entries(credential.secret).map(([field, value]): [string, SealedSecret] => {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(additionalData(credential.id, field));
        const box = Buffer.concat([iv, cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
        return [field, `${PREFIX}${keyId}:${box.toString('base64url')}`];
      }),
    );
    return { ...credential, secret };
  }

  /**
   * The credential with its secret opened. A field that is not sealed passes as it is: histories written before
   * sealing carry plain secrets, and their rotations must still finish.
   */
  unseal(credential: SealedCredential | NewCredential): NewCredential {
    const secret = Object.fromEntries(
      Object.entries(credential.secret).map(([field, value]) => [field, isSealed(value) ? this.open(credential.id, field, value) : value]),
    );
    return { ...credential, secret };
  }

  private open(credentialId: string, field: string, sealed: SealedSecret): string {
    const rest = sealed.slice(PREFIX.length);
    const colon = rest.indexOf(':');
    const keyId = rest.slice(0, colon);
    const key = this.ring.keys.get(keyId);
    if (colon < 1 || !key) {
      // retryable: during a rollout another worker may hold the key, and an operator can add it back
      throw ApplicationFailure.retryable(
        `credential ${credentialId} was sealed with seal key '${keyId}', which this worker does not hold; add it back to ROTATOR_SEAL_KEYS ` +
          `(keep a retired seal key until no rotation sealed with it is between creating and registering)`,
        'SealKeyMissing',
      );
    }
    const box = Buffer.from(rest.slice(colon + 1), 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, box.subarray(0, IV_BYTES)).setAAD(additionalData(credentialId, field));
      decipher.setAuthTag(box.subarray(box.length - TAG_BYTES));
      return Buffer.concat([decipher.update(box.subarray(IV_BYTES, box.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw ApplicationFailure.nonRetryable(
        `the sealed ${field} of credential ${credentialId} does not open with seal key '${keyId}': it was altered, or the key under that id changed`,
        'SealedSecretInvalid',
      );
    }
  }
}

/**
 * The seal key ring from ROTATOR_SEAL_KEYS or ROTATOR_SEAL_KEY_FILE. Refuses to run without one, and refuses a key that
 * is also a codec key: the codec server holds codec keys, and must not be able to open a sealed secret.
 */
export function sealRingFromEnv(env: NodeJS.ProcessEnv, codecRing: KeyRing): KeyRing {
  const ring = keyRingFromVariables(SEAL_KEY_VARIABLES, env);
  if (!ring) {
    throw new Error(
      'no seal key: workers seal every secret they carry through workflow history with a key that only workers hold (the codec ' +
        "server and the UI never see it); generate one with `openssl rand -base64 32` and set ROTATOR_SEAL_KEYS='<keyId>:<base64>' " +
        '(newest first, comma-separated) or ROTATOR_SEAL_KEY_FILE',
    );
  }
  for (const [sealId, sealKey] of ring.keys) {
    for (const [codecId, codecKey] of codecRing.keys) {
      if (timingSafeEqual(sealKey, codecKey)) {
        throw new Error(`seal key '${sealId}' is the same key as codec key '${codecId}': the codec server would open sealed secrets; generate a separate seal key`);
      }
    }
  }
  return ring;
}

/** The demo's and the tests' sealer (public key). */
export const demoSealer = () => new SecretSealer(parseKeyRing(DEMO_SEAL_KEYS, SEAL_KEY_VARIABLES));
