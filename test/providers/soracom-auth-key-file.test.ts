/**
 * The SORACOM client reading its AuthKey from SORACOM_AUTH_KEY_FILE, against the SORACOM sandbox: the file is read
 * again for every new API key/token pair, so a rotated file takes over when the old pair expires or is refused, or at
 * once on `switchToConfiguredAuthKey`; and `identityOfAuthKey` verifies another key without disturbing the client.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { soracomConfigFromEnv } from '../../src/providers/soracom/config';
import { awsSet, operatorId, rotator, useSoracomSandbox } from './soracom-sandbox';

const startSandbox = useSoracomSandbox();
const rotatorKey = { authKeyId: rotator.authKeyId, authKey: rotator.authKey };

function keyFile(content: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'soracom-keyfile-')), 'auth-key.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content), { mode: 0o600 });
  return file;
}

describe('SORACOM_AUTH_KEY_FILE', () => {
  it('is read by soracomConfigFromEnv; errors name the file and the problem, never a value', () => {
    const file = keyFile(rotatorKey);
    expect(soracomConfigFromEnv({ SORACOM_AUTH_KEY_FILE: file, SORACOM_COVERAGE_TYPE: 'g' })).toEqual({ endpoint: 'https://g.api.soracom.io/v1', ...rotatorKey, authKeyFile: file });
    expect(() => soracomConfigFromEnv({ SORACOM_AUTH_KEY_FILE: file, SORACOM_AUTH_KEY_ID: 'keyId-x' })).toThrow(/set either SORACOM_AUTH_KEY_FILE or SORACOM_AUTH_KEY_ID and SORACOM_AUTH_KEY, not both/);
    expect(() => soracomConfigFromEnv({ SORACOM_AUTH_KEY_FILE: 'relative.json' })).toThrow(/SORACOM_AUTH_KEY_FILE must be an absolute path/);
    expect(() => soracomConfigFromEnv({ SORACOM_AUTH_KEY_FILE: path.join(tmpdir(), 'absent-key-file.json') })).toThrow(/absent-key-file.json cannot be read \(ENOENT\)/);
    const plain = keyFile(`${rotator.authKeyId} ${rotator.authKey}`);
    expect(() => soracomConfigFromEnv({ SORACOM_AUTH_KEY_FILE: plain })).toThrow(/is not JSON; it must hold \{"authKeyId": "keyId-…", "authKey": "secret-…"\}/);
    const noSecret = keyFile({ authKeyId: rotator.authKeyId, authKey: '' });
    let message = '';
    try {
      soracomConfigFromEnv({ SORACOM_AUTH_KEY_FILE: noSecret });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/authKey is empty/);
    expect(message).not.toContain(rotator.authKeyId);
    expect(() => soracomConfigFromEnv({ SORACOM_AUTH_KEY: 'secret-x' })).toThrow(/SORACOM_AUTH_KEY_ID is not set \(or set SORACOM_AUTH_KEY_FILE\)/);
  });
});

describe('a client configured with an AuthKey file', () => {
  it('logs in with the key the file holds when its pair is refused: the old key deleted (and its sessions with it)', async () => {
    const t = await startSandbox({ revokeSessionsOnAuthKeyDelete: true });
    const file = keyFile(rotatorKey);
    const client = t.client({ authKeyFile: file });
    await client.createCredentials('set-a', awsSet('AKIAEXAMPLEEXAMPLE01', 'x'.repeat(40)));
    expect(t.authCalls()).toBe(1);

    // a rotation: a new key, written to the file; the old key deleted, which ends its session
    const fresh = await client.createUserAuthKey();
    writeFileSync(file, JSON.stringify(fresh));
    expect(client.configuredAuthKeyId()).toBe(fresh.authKeyId);
    await client.deleteUserAuthKey(rotator.authKeyId);

    expect((await client.listCredentials()).map((c) => c.credentialsId)).toEqual(['set-a']);
    expect(t.authCalls()).toBe(2);
    expect(t.sandbox.authKeysOf(operatorId, rotator.userName).map((k) => [k.authKeyId, k.lastUsedDateTime !== undefined])).toEqual([[fresh.authKeyId, true]]);
  });

  it('logs in with the rotated file when its pair expires, and at once on switchToConfiguredAuthKey', async () => {
    const t = await startSandbox();
    const file = keyFile(rotatorKey);
    const client = t.client({ authKeyFile: file, now: t.clock.now, tokenTimeoutSeconds: 3600 });
    expect(await client.switchToConfiguredAuthKey()).toEqual({ authKeyId: rotator.authKeyId, operatorId, userName: rotator.userName });
    const second = await client.createUserAuthKey();
    writeFileSync(file, JSON.stringify(second));
    // the cached pair stays in use until it expires…
    await client.listCredentials();
    expect(t.authCalls()).toBe(1);
    t.clock.advance(3600_000);
    await client.listCredentials();
    expect(t.authCalls()).toBe(2);
    expect(t.sandbox.authKeysOf(operatorId, rotator.userName).find((k) => k.authKeyId === second.authKeyId)?.lastUsedDateTime).toBeDefined();

    // …or until asked to switch
    await client.deleteUserAuthKey(rotator.authKeyId); // the sandbox allows 2 keys: free a slot first
    const third = await client.createUserAuthKey();
    writeFileSync(file, JSON.stringify(third));
    expect((await client.switchToConfiguredAuthKey()).authKeyId).toBe(third.authKeyId);
    expect(t.authCalls()).toBe(3);
    expect((await client.switchToConfiguredAuthKey()).authKeyId).toBe(third.authKeyId);
    expect(t.authCalls()).toBe(3);
  });

  it('a file that went bad fails with a typed, non-retryable error naming the file', async () => {
    const t = await startSandbox();
    const file = keyFile(rotatorKey);
    const client = t.client({ authKeyFile: file, now: t.clock.now, tokenTimeoutSeconds: 3600 });
    await client.listCredentials();
    writeFileSync(file, '{"authKeyId": "keyId-x"}');
    t.clock.advance(3600_000);
    await expect(client.listCredentials()).rejects.toMatchObject({ type: 'SoracomAuthKeyFileInvalid', disposition: { kind: 'fail' }, message: expect.stringContaining(`${file}: authKey is missing`) });
  });
});

describe('identityOfAuthKey', () => {
  it('says who a key logs in as, uncached; a wrong key is SoracomAuthFailed without its secret in the message', async () => {
    const t = await startSandbox();
    const client = t.client();
    const fresh = await client.createUserAuthKey();
    const calls = t.authCalls();
    await expect(client.identityOfAuthKey(fresh)).resolves.toEqual({ operatorId, userName: rotator.userName });
    await expect(client.identityOfAuthKey(fresh)).resolves.toEqual({ operatorId, userName: rotator.userName });
    expect(t.authCalls()).toBe(calls + 2);
    const wrong = { authKeyId: fresh.authKeyId, authKey: 'secret-wrong-value-0000' };
    const err = (await client.identityOfAuthKey(wrong).then(
      () => new Error('logged in with a wrong key'),
      (e: unknown) => e,
    )) as Error;
    expect(err).toMatchObject({ type: 'SoracomAuthFailed', message: expect.stringContaining(`AuthKey '${fresh.authKeyId}'`) });
    expect(err.message).not.toContain('secret-wrong-value-0000');
    // the client's own login is untouched
    expect(await client.identity()).toEqual({ operatorId, userName: rotator.userName });
  });
});
