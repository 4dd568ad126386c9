/** The Wallarm client against the sandbox, its configuration, and its error classification. */
import { ProviderError } from '../../src/providers/errors';
import { WallarmClient } from '../../src/providers/wallarm/client';
import { cloudEndpoints, wallarmConfigFromEnv } from '../../src/providers/wallarm/config';
import { classifyResponse } from '../../src/providers/wallarm/errors';
import { freePort } from '../support/ports';
import { CLIENT_ID, deployBot, rotator, sharedReader, useWallarmSandbox } from './wallarm-sandbox';

const DAY_MS = 24 * 60 * 60 * 1000;

async function providerError(promise: Promise<unknown>): Promise<ProviderError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('Wallarm configuration', () => {
  it.each([
    ['us1', 'https://us1.api.wallarm.com'],
    ['eu', 'https://api.wallarm.com'],
    ['me1', 'https://me1.api.wallarm.com'],
  ] as const)('WALLARM_CLOUD=%s calls %s', (cloud, endpoint) => {
    expect(wallarmConfigFromEnv({ WALLARM_API_TOKEN: 't0ken', WALLARM_CLOUD: cloud })).toEqual({ cloud, endpoint, token: 't0ken' });
    expect(cloudEndpoints[cloud]).toBe(endpoint);
  });

  it('defaults to the EU cloud, takes WALLARM_API_HOST for an emulator, and is absent without a token', () => {
    expect(wallarmConfigFromEnv({ WALLARM_API_TOKEN: 't0ken' })).toMatchObject({ cloud: 'eu', endpoint: 'https://api.wallarm.com' });
    expect(wallarmConfigFromEnv({ WALLARM_API_TOKEN: 't0ken', WALLARM_CLOUD: 'us1', WALLARM_API_HOST: 'http://127.0.0.1:5058/' })).toMatchObject({ cloud: 'us1', endpoint: 'http://127.0.0.1:5058' });
    expect(wallarmConfigFromEnv({})).toBeUndefined();
  });

  it('names the variable, never the token, when the configuration is wrong', () => {
    expect(() => wallarmConfigFromEnv({ WALLARM_API_TOKEN: 'secret-value-xyz', WALLARM_CLOUD: 'mars' })).toThrow(/WALLARM_CLOUD must be 'us1', 'eu' or 'me1'/);
    expect(() => wallarmConfigFromEnv({ WALLARM_API_TOKEN: 'secret-value-xyz', WALLARM_API_HOST: 'not a url' })).toThrow(/WALLARM_API_HOST must be a URL/);
    expect(() => wallarmConfigFromEnv({ WALLARM_API_TOKEN: '' })).toThrow(/WALLARM_API_TOKEN is empty/);
    try {
      wallarmConfigFromEnv({ WALLARM_API_TOKEN: 'secret-value-xyz', WALLARM_CLOUD: 'mars' });
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-value-xyz');
    }
  });
});

describe('Wallarm client against the sandbox', () => {
  const start = useWallarmSandbox();

  it('creates, reads the secret, lists, disables, re-enables and deletes a token; a second delete is already-gone', async () => {
    const { client, clock } = await start();
    const wallarm = client();
    const me = await wallarm.currentUser();
    expect(me).toMatchObject({ id: rotator.userId, clientid: CLIENT_ID });
    const { id } = await wallarm.createToken({ client_id: CLIENT_ID, realname: 'ci', user_id: me.id, enabled: true, expire_at: null, permissions: ['deploy'] });
    const secret = await wallarm.tokenSecret(id);
    expect(await wallarm.currentUser(secret)).toMatchObject({ id: rotator.userId });
    expect(await wallarm.getToken(id)).toMatchObject({ realname: 'ci', enabled: true, expire_at: null, shared: false });
    expect(await wallarm.updateToken(id, { enabled: false })).toMatchObject({ enabled: false });
    const expireAt = new Date(clock.ms + 10 * DAY_MS).toISOString();
    expect(await wallarm.updateToken(id, { enabled: true, expire_at: expireAt })).toMatchObject({ enabled: true, expire_at: expireAt });
    expect(await wallarm.deleteToken(id)).toBe('deleted');
    expect(await wallarm.deleteToken(id)).toBe('already-gone');
    expect(await wallarm.getToken(id)).toBeNull();
  });

  it('a refused token: 403 fails fast, says what to check, and never shows a token value', async () => {
    const { client } = await start();
    const err = await providerError(client('wrong-token-value-000000000000').listTokens());
    expect(err).toMatchObject({ type: 'WallarmPermissionDenied', disposition: { kind: 'fail' }, httpStatus: 403 });
    expect(err.message).toMatch(/Check permissions failed.*WALLARM_API_TOKEN.*Administrator/);
    expect(err.message).not.toContain('wrong-token-value');
  });

  it('400 fails fast with the field Wallarm named', async () => {
    const { client, clock } = await start();
    const err = await providerError(client().updateToken(sharedReader.tokenId, { expire_at: new Date(clock.ms - DAY_MS).toISOString() }));
    expect(err).toMatchObject({ type: 'WallarmRequestRejected', disposition: { kind: 'fail' }, httpStatus: 400 });
    expect(err.message).toMatch(/updateToken of API token 11 failed: HTTP 400 \{"expire_at":\{"error":"invalid"/);
  });

  it('429 retries after Retry-After when Wallarm sends it, with backoff when not', async () => {
    const withHeader = await start({ requestsPerSecond: 1, retryAfterSeconds: 7 });
    await withHeader.client().currentUser();
    expect(await providerError(withHeader.client().currentUser())).toMatchObject({ type: 'WallarmRateLimited', disposition: { kind: 'retry-after', delayMs: 7000 } });
    const without = await start({ requestsPerSecond: 1 });
    await without.client().currentUser();
    expect(await providerError(without.client().currentUser())).toMatchObject({ type: 'WallarmRateLimited', disposition: { kind: 'retry' } });
  });

  it('an unreachable endpoint is retried, and names the endpoint', async () => {
    const port = await freePort();
    const err = await providerError(new WallarmClient({ cloud: 'us1', endpoint: `http://127.0.0.1:${port}`, token: deployBot.secret }).listTokens());
    expect(err).toMatchObject({ type: 'WallarmUnreachable', disposition: { kind: 'retry' } });
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).not.toContain(deployBot.secret);
  });
});

describe('Wallarm error classification', () => {
  const action = { operation: 'createToken', endpoint: 'https://us1.api.wallarm.com' };
  const answer = (status: number, headers: Record<string, unknown> = {}, data: unknown = { status, body: 'x' }) => classifyResponse(action, { status, headers, data }, ['s3cr3t-token']);

  it.each([500, 502, 503, 504])('%i is retried with backoff, or after Retry-After when present', (status) => {
    expect(answer(status)).toMatchObject({ type: 'WallarmUnavailable', disposition: { kind: 'retry' } });
    expect(answer(status, { 'retry-after': '12' })).toMatchObject({ disposition: { kind: 'retry-after', delayMs: 12_000 } });
  });

  it('reads Retry-After as an HTTP date too', () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    const e = answer(429, { 'retry-after': at });
    expect(e.disposition.kind).toBe('retry-after');
    expect(e.disposition.kind === 'retry-after' && e.disposition.delayMs).toBeGreaterThan(20_000);
  });

  it('scrubs secrets that a body might echo', () => {
    expect(answer(400, {}, { status: 400, body: { realname: { error: 'invalid', value: 's3cr3t-token' } } }).message).not.toContain('s3cr3t-token');
  });

  it('a 400 on create says permissions may not be wider than the role', () => {
    expect(answer(400).message).toMatch(/may not be wider than the rotator user's role/);
  });
});
