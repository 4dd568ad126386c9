import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { NewCredential, SealedCredential } from '../../src/activities/source';
import { sealedConsumer, sealedSource } from '../../src/activities/sealing';
import type { ConsumerActivities } from '../../src/activities/consumer';
import type { SourceActivities } from '../../src/activities/source';
import { DEMO_CODEC_KEYS, parseKeyRing } from '../../src/codec/key-ring';
import { DEMO_SEAL_KEYS, demoSealer, SEAL_KEY_VARIABLES, SecretSealer, sealRingFromEnv } from '../../src/codec/sealed-secrets';

const key = () => randomBytes(32).toString('base64');
const ring = (spec: string) => parseKeyRing(spec, SEAL_KEY_VARIABLES);
const credential: NewCredential = { id: 'AKIAEXAMPLE000000001', createdAt: '2026-11-29T00:00:00.000Z', secret: { secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', extra: 'second-secret-field' } };

const failureOf = (run: () => unknown): ApplicationFailure => {
  try {
    run();
  } catch (err) {
    return err as ApplicationFailure;
  }
  throw new Error('did not throw');
};

describe('sealed secrets', () => {
  it('seals every secret field under the primary key, naming it; id and time stay readable; the seal opens back', () => {
    const sealer = new SecretSealer(ring(`k2:${key()},k1:${key()}`));
    const sealed = sealer.seal(credential);
    expect(sealed.id).toBe(credential.id);
    expect(sealed.createdAt).toBe(credential.createdAt);
    expect(Object.keys(sealed.secret)).toEqual(['secretAccessKey', 'extra']);
    for (const value of Object.values(sealed.secret)) expect(value).toMatch(/^sealed:k2:[A-Za-z0-9_-]+$/);
    expect(JSON.stringify(sealed)).not.toContain('wJalrXUtnFEMI');
    expect(JSON.stringify(sealed)).not.toContain('second-secret');
    expect(sealer.unseal(sealed)).toEqual(credential);
  });

  it('uses a fresh IV per field and per seal', () => {
    const sealer = new SecretSealer(ring(`k1:${key()}`));
    const twin = { ...credential, secret: { a: 'same-value-here', b: 'same-value-here' } };
    const once = sealer.seal(twin);
    expect(once.secret.a).not.toBe(once.secret.b);
    expect(sealer.seal(twin).secret.a).not.toBe(once.secret.a);
  });

  it('a sealed value opens only for its own credential and field', () => {
    const sealer = new SecretSealer(ring(`k1:${key()}`));
    const sealed = sealer.seal(credential);
    const moved: SealedCredential = { ...sealed, id: 'AKIAEXAMPLE000000002' };
    expect(failureOf(() => sealer.unseal(moved))).toMatchObject({ type: 'SealedSecretInvalid', nonRetryable: true });
    const swapped: SealedCredential = { ...sealed, secret: { secretAccessKey: sealed.secret.extra!, extra: sealed.secret.secretAccessKey! } };
    expect(failureOf(() => sealer.unseal(swapped))).toMatchObject({ type: 'SealedSecretInvalid' });
  });

  it('refuses a tampered value', () => {
    const sealer = new SecretSealer(ring(`k1:${key()}`));
    const sealed = sealer.seal(credential);
    const value = sealed.secret.secretAccessKey!;
    const flipped = value.slice(0, -3) + (value.at(-3) === 'A' ? 'B' : 'A') + value.slice(-2);
    expect(failureOf(() => sealer.unseal({ ...sealed, secret: { ...sealed.secret, secretAccessKey: flipped as `sealed:${string}` } }))).toMatchObject({ type: 'SealedSecretInvalid' });
  });

  it('key rotation: sealed under the old key, opened by the ring new,old; a ring without it retries, naming the key and the fix', () => {
    const oldKey = key();
    const sealed = new SecretSealer(ring(`old:${oldKey}`)).seal(credential);
    const rotated = new SecretSealer(ring(`new:${key()},old:${oldKey}`));
    expect(rotated.unseal(sealed)).toEqual(credential);
    expect(rotated.seal(credential).secret.secretAccessKey).toMatch(/^sealed:new:/);
    const missing = failureOf(() => new SecretSealer(ring(`new:${key()}`)).unseal(sealed));
    expect(missing).toMatchObject({ type: 'SealKeyMissing', nonRetryable: false });
    expect(missing.message).toMatch(/seal key 'old'.*ROTATOR_SEAL_KEYS/);
  });

  it('what the operator reads when a sealed value does not open: the key and the fix, or that it was altered', () => {
    const sealed = new SecretSealer(ring(`old:${key()}`)).seal(credential);
    expect(failureOf(() => new SecretSealer(ring(`new:${key()}`)).unseal(sealed)).message).toBe(
      `credential ${credential.id} was sealed with seal key 'old', which this worker does not hold; add it back to ROTATOR_SEAL_KEYS ` +
        '(keep a retired seal key until no rotation sealed with it is between creating and registering)',
    );
    expect(failureOf(() => new SecretSealer(ring(`old:${key()}`)).unseal(sealed)).message).toBe(
      `the sealed secretAccessKey of credential ${credential.id} does not open with seal key 'old': it was altered, or the key under that id changed`,
    );
  });

  it('a key id of one character is a key id; a sealed value naming no key id is one this worker does not hold', () => {
    const sealer = new SecretSealer(ring(`k:${key()},ab:${key()}`));
    expect(sealer.unseal(sealer.seal(credential))).toEqual(credential);
    // no colon after the prefix: there is no key id to look up, whatever the ring holds
    const noKeyId = { ...credential, secret: { secretAccessKey: 'sealed:abc' as const } };
    expect(failureOf(() => sealer.unseal(noKeyId))).toMatchObject({ type: 'SealKeyMissing' });
    expect(failureOf(() => sealer.unseal({ ...credential, secret: { secretAccessKey: 'sealed::abc' as const } }))).toMatchObject({ type: 'SealKeyMissing' });
  });

  it('the demo and test seal key is public and named, and is not the demo codec key', () => {
    expect(SEAL_KEY_VARIABLES).toEqual({ keys: 'ROTATOR_SEAL_KEYS', file: 'ROTATOR_SEAL_KEY_FILE', what: 'seal key' });
    expect(DEMO_SEAL_KEYS.startsWith('demo-seal-2026:')).toBe(true);
    expect(demoSealer().seal(credential).secret.secretAccessKey).toMatch(/^sealed:demo-seal-2026:/);
    expect(() => sealRingFromEnv({ ROTATOR_SEAL_KEYS: DEMO_SEAL_KEYS }, parseKeyRing(DEMO_CODEC_KEYS))).not.toThrow();
  });

  it('the seal key ring may come from ROTATOR_SEAL_KEY_FILE', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'seal-keys-')), 'keys.json');
    writeFileSync(file, JSON.stringify({ primary: 'f1', keys: { f1: key() } }));
    expect(sealRingFromEnv({ ROTATOR_SEAL_KEY_FILE: file }, parseKeyRing(`c1:${key()}`)).primary).toBe('f1');
  });

  it('passes plain secrets through: histories written before sealing still finish', () => {
    const sealer = new SecretSealer(ring(`k1:${key()}`));
    expect(sealer.unseal(credential)).toEqual(credential);
  });

  it('the worker refuses to start without a seal key, or with a codec key as its seal key', () => {
    const codecKey = key();
    const codecRing = parseKeyRing(`c1:${codecKey}`);
    expect(() => sealRingFromEnv({}, codecRing)).toThrow(
      'no seal key: workers seal every secret they carry through workflow history with a key that only workers hold (the codec ' +
        "server and the UI never see it); generate one with `openssl rand -base64 32` and set ROTATOR_SEAL_KEYS='<keyId>:<base64>' " +
        '(newest first, comma-separated) or ROTATOR_SEAL_KEY_FILE',
    );
    expect(() => sealRingFromEnv({ ROTATOR_SEAL_KEYS: `s1:${codecKey}` }, codecRing)).toThrow(/seal key 's1' is the same key as codec key 'c1'/);
    expect(() => sealRingFromEnv({ ROTATOR_SEAL_KEYS: `s1:${Buffer.alloc(8).toString('base64')}` }, codecRing)).toThrow(/seal key 's1' must be 32 bytes.*ROTATOR_SEAL_KEYS/);
    expect(sealRingFromEnv({ ROTATOR_SEAL_KEYS: `s2:${key()},s1:${key()}` }, codecRing).primary).toBe('s2');
  });
});

describe('the sealing boundary around provider activities', () => {
  const sealer = new SecretSealer(ring(`k1:${key()}`));
  const source = { kind: 'aws-iam-access-key', userName: 'u', accountId: '123456789012' } as const;

  it('a source hands the workflow a sealed credential, and gets the open one back to verify', async () => {
    let verified: NewCredential | undefined;
    const provider = { createCredential: async () => credential, verifyCredential: async ({ credential: c }: { credential: NewCredential }) => void (verified = c) } as unknown as SourceActivities;
    const boundary = sealedSource(provider, sealer);
    const created = await boundary.createCredential({ source, knownIds: [], notBefore: '' });
    expect(JSON.stringify(created)).not.toContain('wJalrXUtnFEMI');
    await boundary.verifyCredential({ source, credential: created, subject: 'arn' });
    expect(verified).toEqual(credential);
  });

  it('a consumer gets the open credential to write', async () => {
    let written: NewCredential | undefined;
    const provider = { putCredential: async ({ credential: c }: { credential: NewCredential }) => ((written = c), { credentialsId: 's', exists: true, holds: c.id }) } as unknown as ConsumerActivities;
    await sealedConsumer(provider, sealer).putCredential({ consumer: { kind: 'file', path: '/x' }, source, targetCredentialsId: 's', credential: sealer.seal(credential) });
    expect(written).toEqual(credential);
  });
});
