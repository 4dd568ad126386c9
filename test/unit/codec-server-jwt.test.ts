/**
 * The codec server verifying the bearer JWT the Temporal UI forwards (codec.passAccessToken), against a real issuer on
 * loopback (test/support/oidc-issuer.ts): discovery, JWKS, key rotation, and a 401 for each token it must refuse. Each
 * refusal also asserts its reason, so a check that went missing shows even where another layer still refuses.
 */
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { exportSPKI, SignJWT } from 'jose';
import { createAccessTokenVerifier } from '../../src/codec/access-token';
import { startCodecServer, type CodecServer } from '../../src/codec/codec-server';
import { eventually } from '../support/poll';
import { EncryptionCodec } from '../../src/codec/encryption-codec';
import { parseKeyRing } from '../../src/codec/key-ring';
import { oidcSettingsFromEnv, type OidcSettings } from '../../src/codec/oidc-settings';
import { startTestIssuer, type SigningKey, type TestIssuer } from '../support/oidc-issuer';

const audience = 'rotator-codec';
const uiOrigin = 'http://127.0.0.1:8233';
const codec = new EncryptionCodec(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`));
const JWKS_COOLDOWN_MS = 200;

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const settingsFor = (issuer: TestIssuer, extra: Record<string, string> = {}): OidcSettings =>
  oidcSettingsFromEnv({ ROTATOR_CODEC_OIDC_ISSUER: issuer.issuer, ROTATOR_CODEC_OIDC_AUDIENCE: audience, ...extra })!;

async function encryptedBody(): Promise<string> {
  const [p] = await codec.encode([defaultPayloadConverter.toPayload({ secretAccessKey: 'very-secret' })]);
  const metadata = Object.fromEntries(Object.entries(p!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
  return JSON.stringify({ payloads: [{ metadata, data: Buffer.from(p!.data!).toString('base64') }] });
}

interface Started {
  server: CodecServer;
  refusals: string[];
}

async function startServer(settings: OidcSettings, token?: string): Promise<Started> {
  const refusals: string[] = [];
  const accessTokens = await createAccessTokenVerifier(settings, { jwksCooldownMs: JWKS_COOLDOWN_MS });
  const server = await startCodecServer({ codec, token, accessTokens, onRefusal: (r) => refusals.push(r), uiOrigin, port: 0 });
  return { server, refusals };
}

const decode = async (server: CodecServer, bearer?: string, path = '/decode') =>
  fetch(`${server.url}${path}`, { method: 'POST', body: await encryptedBody(), headers: bearer === undefined ? {} : { Authorization: `Bearer ${bearer}` } });

describe('codec server with OIDC (bearer JWTs from the Temporal UI)', () => {
  let issuer: TestIssuer;
  let rsa: SigningKey;
  let ec: SigningKey;
  let started: Started;
  beforeAll(async () => {
    issuer = await startTestIssuer(audience);
    rsa = await issuer.createKey('rsa-1', 'RS256');
    ec = await issuer.createKey('ec-1', 'ES256');
    started = await startServer(settingsFor(issuer)); // OIDC only: no static token
  });
  afterAll(async () => {
    await started?.server.stop();
    await issuer?.stop();
  });

  it('decodes with a valid RS256 or ES256 token, having found the key set through discovery', async () => {
    for (const key of [rsa, ec]) {
      const response = await decode(started.server, await issuer.sign(key));
      expect([key.alg, response.status]).toEqual([key.alg, 200]);
      const { payloads } = (await response.json()) as { payloads: { data: string }[] };
      expect(JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString())).toEqual({ secretAccessKey: 'very-secret' });
    }
    expect(issuer.requests.discovery).toBe(1);
    expect(issuer.requests.jwks).toBeGreaterThanOrEqual(1); // at the non-conventional path only discovery names
    expect(started.server.uiEndpoint).toBe(started.server.url); // no static token to put in the UI's URL
    // compose gives the UI `http://localhost:8888/` when the token is empty, and the UI appends `/decode`
    expect((await decode(started.server, await issuer.sign(rsa), '//decode')).status).toBe(200);
  });

  it('accepts a token expired within the clock tolerance (30 s)', async () => {
    const exp = Math.floor(Date.now() / 1000) - 10;
    expect((await decode(started.server, await issuer.sign(rsa, { exp, iat: exp - 300 }))).status).toBe(200);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const refused: [string, () => Promise<string>, string][] = [
    ['no credential at all', async () => '', 'no credential'],
    ['not a JWT', async () => 'not-a-jwt-at-all', 'ERR_JWS_INVALID'],
    ['alg none (unsigned)', async () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ iss: issuer.issuer, aud: audience, exp: now() + 300 })}.`, 'ERR_JOSE_ALG_NOT_ALLOWED'],
    [
      'HS256 keyed with the issuer’s RSA public key',
      async () => {
        const secret = new TextEncoder().encode(await exportSPKI(rsa.publicKey));
        return new SignJWT({ iss: issuer.issuer, aud: audience, exp: now() + 300 }).setProtectedHeader({ alg: 'HS256', kid: rsa.kid }).sign(secret);
      },
      'ERR_JOSE_ALG_NOT_ALLOWED',
    ],
    ['a wrong issuer', async () => issuer.sign(rsa, { iss: 'https://idp.evil.example' }), 'ERR_JWT_CLAIM_VALIDATION_FAILED iss check_failed'],
    ['no issuer', async () => issuer.sign(rsa, { iss: undefined }), 'ERR_JWT_CLAIM_VALIDATION_FAILED iss missing'],
    ['a wrong audience', async () => issuer.sign(rsa, { aud: 'some-other-api' }), 'ERR_JWT_CLAIM_VALIDATION_FAILED aud check_failed'],
    ['expired beyond the tolerance', async () => issuer.sign(rsa, { exp: now() - 120, iat: now() - 600 }), 'ERR_JWT_EXPIRED exp check_failed'],
    ['no expiry', async () => issuer.sign(rsa, { exp: undefined }), 'ERR_JWT_CLAIM_VALIDATION_FAILED exp missing'],
    [
      'a payload changed after signing',
      async () => {
        const [header, , signature] = (await issuer.sign(rsa)).split('.');
        return `${header}.${b64url({ iss: issuer.issuer, aud: audience, sub: 'admin', exp: now() + 300 })}.${signature}`;
      },
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    ],
    ['a signature by another key under a published kid', async () => issuer.sign({ ...(await issuer.createKey('forger', 'RS256', false)), kid: rsa.kid }), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
    ['a key the JWKS does not hold', async () => issuer.sign(await issuer.createKey('unpublished', 'ES256', false)), 'ERR_JWKS_NO_MATCHING_KEY'],
  ];

  it.each(refused)('refuses %s with 401, and neither answers nor logs the token', async (_case, makeToken, reason) => {
    const token = await makeToken();
    started.refusals.length = 0;
    const response = await decode(started.server, token || undefined);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'unauthorized' });
    expect(started.refusals).toEqual([reason]);
    for (const part of token.split('.').filter((p) => p.length > 8)) expect(started.refusals.join(' ')).not.toContain(part);
  });

  it('picks up a rotated issuer key: a new kid in the JWKS verifies once the cooldown has passed', async () => {
    const next = await issuer.createKey('rsa-2', 'RS256', false);
    const token = await issuer.sign(next);
    expect((await decode(started.server, token)).status).toBe(401);
    await issuer.publish(next);
    const fetched = issuer.requests.jwks;
    // asked again until the cooldown lets the verifier fetch the new key set: refused until then, without fetching
    let refusedMeanwhile = 0;
    await eventually('the new key verifying after the JWKS cooldown', async () => {
      const status = (await decode(started.server, token)).status;
      if (status === 401) refusedMeanwhile++;
      return status === 200;
    }, { intervalMs: 20 });
    expect(issuer.requests.jwks).toBe(fetched + 1);
    process.stderr.write(`[jwks] the new key verified after ${refusedMeanwhile} refusals within the ${JWKS_COOLDOWN_MS} ms cooldown\n`);
    expect((await decode(started.server, await issuer.sign(rsa))).status).toBe(200); // the old key still verifies
  });

  it('refuses an algorithm left out of ROTATOR_CODEC_OIDC_ALGORITHMS, even signed by a published key', async () => {
    const esOnly = await startServer(settingsFor(issuer, { ROTATOR_CODEC_OIDC_ALGORITHMS: 'ES256' }));
    try {
      expect((await decode(esOnly.server, await issuer.sign(ec))).status).toBe(200);
      expect((await decode(esOnly.server, await issuer.sign(rsa))).status).toBe(401);
      expect(esOnly.refusals).toEqual(['ERR_JOSE_ALG_NOT_ALLOWED']);
    } finally {
      await esOnly.server.stop();
    }
  });

  it('without a static token, a path segment is no credential', async () => {
    expect((await decode(started.server, undefined, '/codec-test-token-0123456789/decode')).status).toBe(401);
  });

  it('with a static token set too, accepts it (path or bearer) or a valid JWT, and nothing else', async () => {
    const staticToken = 'codec-test-token-0123456789';
    const both = await startServer(settingsFor(issuer), staticToken);
    try {
      expect(both.server.uiEndpoint).toBe(`${both.server.url}/${staticToken}`);
      expect((await decode(both.server, undefined, `/${staticToken}/decode`)).status).toBe(200);
      expect((await decode(both.server, staticToken)).status).toBe(200);
      expect((await decode(both.server, await issuer.sign(ec))).status).toBe(200);
      expect((await decode(both.server, 'wrong-token-wrong-token')).status).toBe(401);
      expect((await decode(both.server, undefined, '/wrong-token-wrong-token/decode')).status).toBe(401);
    } finally {
      await both.server.stop();
    }
  });

  it('uses ROTATOR_CODEC_OIDC_JWKS_URL without discovery', async () => {
    const before = issuer.requests.discovery;
    const direct = await startServer(settingsFor(issuer, { ROTATOR_CODEC_OIDC_JWKS_URL: issuer.jwksUrl }));
    try {
      expect((await decode(direct.server, await issuer.sign(rsa))).status).toBe(200);
      expect(issuer.requests.discovery).toBe(before);
    } finally {
      await direct.server.stop();
    }
  });

  it('answers 503, not 401, while the issuer’s keys cannot be fetched', async () => {
    const down = await startServer(settingsFor(issuer, { ROTATOR_CODEC_OIDC_JWKS_URL: 'http://127.0.0.1:9/keys' }));
    try {
      expect((await decode(down.server, await issuer.sign(rsa))).status).toBe(503);
      expect(down.refusals).toEqual([expect.stringMatching(/^issuer keys unavailable/)]);
    } finally {
      await down.server.stop();
    }
  });

  it('refuses to start when discovery names another issuer or a plain-http key set off loopback', async () => {
    issuer.discoveryOverride = { issuer: 'https://idp.evil.example' };
    await expect(createAccessTokenVerifier(settingsFor(issuer))).rejects.toThrow(/names issuer https:\/\/idp\.evil\.example, not http:\/\/127\.0\.0\.1:\d+/);
    issuer.discoveryOverride = { jwks_uri: 'http://keys.example.com/jwks' };
    await expect(createAccessTokenVerifier(settingsFor(issuer))).rejects.toThrow(/jwks_uri http:\/\/keys\.example\.com\/jwks is not https/);
    issuer.discoveryOverride = {};
  });
});

describe('codec server OIDC settings (oidcSettingsFromEnv)', () => {
  const issuer = 'https://idp.example.com/realms/ops';

  it('is off without an issuer; empty values count as unset', () => {
    expect(oidcSettingsFromEnv({})).toBeUndefined();
    expect(oidcSettingsFromEnv({ ROTATOR_CODEC_OIDC_ISSUER: '', ROTATOR_CODEC_OIDC_AUDIENCE: '' })).toBeUndefined();
  });

  it('reads the issuer, audiences, key set and algorithms, with asymmetric defaults', () => {
    expect(oidcSettingsFromEnv({ ROTATOR_CODEC_OIDC_ISSUER: issuer, ROTATOR_CODEC_OIDC_AUDIENCE: 'a, b' })).toEqual({ issuer, audience: ['a', 'b'], jwksUrl: undefined, algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'] });
    const custom = oidcSettingsFromEnv({ ROTATOR_CODEC_OIDC_ISSUER: issuer, ROTATOR_CODEC_OIDC_AUDIENCE: 'a', ROTATOR_CODEC_OIDC_JWKS_URL: `${issuer}/certs`, ROTATOR_CODEC_OIDC_ALGORITHMS: 'ES384,Ed25519' });
    expect(custom).toMatchObject({ jwksUrl: new URL(`${issuer}/certs`), algorithms: ['ES384', 'Ed25519'] });
  });

  it.each([
    ['no audience', { ROTATOR_CODEC_OIDC_ISSUER: issuer }, /ROTATOR_CODEC_OIDC_AUDIENCE is required with ROTATOR_CODEC_OIDC_ISSUER/],
    ['a plain-http issuer off loopback', { ROTATOR_CODEC_OIDC_ISSUER: 'http://idp.example.com', ROTATOR_CODEC_OIDC_AUDIENCE: 'a' }, /ROTATOR_CODEC_OIDC_ISSUER must use https \(plain http only on loopback/],
    ['an issuer that is no URL', { ROTATOR_CODEC_OIDC_ISSUER: 'idp.example.com', ROTATOR_CODEC_OIDC_AUDIENCE: 'a' }, /^codec server OIDC: ROTATOR_CODEC_OIDC_ISSUER must be a URL such as https:\S+$/],
    ['an issuer with a query', { ROTATOR_CODEC_OIDC_ISSUER: `${issuer}?x=1`, ROTATOR_CODEC_OIDC_AUDIENCE: 'a' }, /ROTATOR_CODEC_OIDC_ISSUER must have no query or fragment/],
    ['an empty audience list', { ROTATOR_CODEC_OIDC_ISSUER: issuer, ROTATOR_CODEC_OIDC_AUDIENCE: ' , ' }, /ROTATOR_CODEC_OIDC_AUDIENCE is empty/],
    ['a plain-http key set off loopback', { ROTATOR_CODEC_OIDC_ISSUER: issuer, ROTATOR_CODEC_OIDC_AUDIENCE: 'a', ROTATOR_CODEC_OIDC_JWKS_URL: 'http://10.0.0.5/certs' }, /ROTATOR_CODEC_OIDC_JWKS_URL must use https/],
    ['HS256 among the algorithms', { ROTATOR_CODEC_OIDC_ISSUER: issuer, ROTATOR_CODEC_OIDC_AUDIENCE: 'a', ROTATOR_CODEC_OIDC_ALGORITHMS: 'RS256,HS256' }, /ROTATOR_CODEC_OIDC_ALGORITHMS: 'HS256' is not allowed; choose asymmetric algorithms from RS256/],
    ['alg none', { ROTATOR_CODEC_OIDC_ISSUER: issuer, ROTATOR_CODEC_OIDC_AUDIENCE: 'a', ROTATOR_CODEC_OIDC_ALGORITHMS: 'none' }, /'none' is not allowed/],
    ['an audience without an issuer', { ROTATOR_CODEC_OIDC_AUDIENCE: 'a' }, /ROTATOR_CODEC_OIDC_AUDIENCE set without ROTATOR_CODEC_OIDC_ISSUER/],
  ])('refuses %s, saying what to fix', (_case, env, message) => {
    expect(() => oidcSettingsFromEnv(env)).toThrow(message);
  });

  it('allows plain http on loopback only (a local issuer in development and tests)', () => {
    for (const host of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080']) {
      expect(oidcSettingsFromEnv({ ROTATOR_CODEC_OIDC_ISSUER: `http://${host}/realms/dev`, ROTATOR_CODEC_OIDC_AUDIENCE: 'a' })?.issuer).toBe(`http://${host}/realms/dev`);
    }
  });
});
