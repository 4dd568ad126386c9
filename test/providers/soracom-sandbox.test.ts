import { createHmac } from 'node:crypto';
import { awsSet, operatorId, rotator, useSoracomSandbox } from './soracom-sandbox';

/** The sandbox's own SORACOM behaviour, seen over raw HTTP the way any client sees it. */
describe('SORACOM sandbox', () => {
  const startSandbox = useSoracomSandbox();

  async function login(endpoint: string, body: object = { authKeyId: rotator.authKeyId, authKey: rotator.authKey }) {
    const res = await fetch(`${endpoint}/auth`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    return { res, body: (await res.json()) as Record<string, unknown> };
  }
  const headersOf = (pair: Record<string, unknown>) => ({ 'X-Soracom-API-Key': String(pair.apiKey), 'X-Soracom-Token': String(pair.token), 'Content-Type': 'application/json' });

  it('issues a pair for a SAM user’s AuthKey, refuses a wrong one, and caps tokenTimeoutSeconds at 172800', async () => {
    const { sandbox } = await startSandbox();
    const ok = await login(sandbox.endpoint, { ...rotator, tokenTimeoutSeconds: 172_800 });
    expect(ok.res.status).toBe(200);
    expect(ok.body).toEqual({ apiKey: expect.stringMatching(/^api-/), token: expect.any(String), operatorId, userName: rotator.userName });

    const wrong = await login(sandbox.endpoint, { authKeyId: rotator.authKeyId, authKey: 'secret-wrong' });
    expect([wrong.res.status, wrong.body]).toEqual([401, { code: expect.stringMatching(/^[A-Z]{3}\d{4}$/), message: expect.any(String) }]);

    const tooLong = await login(sandbox.endpoint, { ...rotator, tokenTimeoutSeconds: 172_801 });
    expect([tooLong.res.status, tooLong.body.message]).toEqual([400, expect.stringContaining('tokenTimeoutSeconds')]);
  });

  it('issues API tokens shaped as SORACOM’s: HS256 JWTs whose `operator.operatorId` claim names the operator, expiring with the pair', async () => {
    const { sandbox, clock } = await startSandbox({ tokenSigningSecret: 'sandbox-secret' });
    const { body: pair } = await login(sandbox.endpoint, { ...rotator, tokenTimeoutSeconds: 3600 });
    const [header, payload, signature] = String(pair.token).split('.');
    const decode = (part: string | undefined) => JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as unknown;
    expect(decode(header)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const iat = Math.floor(clock.now() / 1000);
    expect(decode(payload)).toEqual({ iss: 'soracom-sandbox', jti: expect.any(String), iat, exp: iat + 3600, operator: { operatorId } });
    expect(signature).toBe(createHmac('sha256', 'sandbox-secret').update(`${header}.${payload}`).digest('base64url'));

    // every pair gets its own token, and a JWT of the right shape that was not issued is still refused
    const second = await login(sandbox.endpoint);
    expect(second.body.token).not.toBe(pair.token);
    const res = await fetch(`${sandbox.endpoint}/credentials`, { headers: { ...headersOf(pair), 'X-Soracom-Token': String(second.body.token) } });
    expect(res.status).toBe(400);
  });

  it('answers 400 "invalid api key" without a known API key, and AUM0001 for a missing, wrong or expired token', async () => {
    const { sandbox, clock } = await startSandbox();
    const { body: pair } = await login(sandbox.endpoint);
    const list = async (headers: Record<string, string>) => {
      const res = await fetch(`${sandbox.endpoint}/credentials`, { headers });
      return [res.status, await res.json()] as const;
    };
    expect(await list({})).toEqual([400, { code: expect.any(String), message: 'invalid api key' }]);
    expect(await list({ 'X-Soracom-API-Key': String(pair.apiKey) })).toEqual([400, { code: 'AUM0001', message: 'Token is required in the request header' }]);
    expect(await list({ 'X-Soracom-API-Key': String(pair.apiKey), 'X-Soracom-Token': 'forged' })).toEqual([400, { code: 'AUM0001', message: expect.any(String) }]);
    expect(await list(headersOf(pair))).toEqual([200, []]);
    clock.advance(86_400_000);
    expect(await list(headersOf(pair))).toEqual([400, { code: 'AUM0001', message: expect.stringContaining('expired') }]);
  });

  it('limits each operator per route and minute with X-Soracom-Ratelimit-* headers, and /auth per source IP', async () => {
    const { sandbox, clock } = await startSandbox({ rateLimits: { 'GET /credentials': 2, 'POST /auth': 3 } });
    const { body: pair } = await login(sandbox.endpoint);
    const limits = (res: Response) => ['limit', 'remaining', 'seconds-before-refresh'].map((h) => res.headers.get(`x-soracom-ratelimit-${h}`));

    const first = await fetch(`${sandbox.endpoint}/credentials`, { headers: headersOf(pair) });
    expect(limits(first)).toEqual(['2', '1', '60']);
    clock.advance(20_000);
    await fetch(`${sandbox.endpoint}/credentials`, { headers: headersOf(pair) });
    const over = await fetch(`${sandbox.endpoint}/credentials`, { headers: headersOf(pair) });
    expect([over.status, limits(over), over.headers.get('retry-after')]).toEqual([429, ['2', '0', '40'], null]);
    expect(await over.json()).toEqual({ code: expect.stringMatching(/^[A-Z]{3}\d{4}$/), message: expect.any(String) });

    // another route is not limited: no headers
    const create = await fetch(`${sandbox.endpoint}/credentials/a`, { method: 'POST', headers: headersOf(pair), body: JSON.stringify(awsSet('AKIA', 's')) });
    expect([create.status, create.headers.get('x-soracom-ratelimit-limit')]).toEqual([201, null]);

    await login(sandbox.endpoint);
    await login(sandbox.endpoint);
    expect((await login(sandbox.endpoint)).res.status).toBe(429); // the 4th /auth from 127.0.0.1 this minute
    clock.advance(60_000);
    expect((await login(sandbox.endpoint)).res.status).toBe(200);
  });

  it('keeps each operator’s credentials sets apart', async () => {
    const other = { operatorId: 'OP0099999999', users: [{ userName: 'ops', authKeys: [{ authKeyId: 'keyId-other', authKey: 'secret-other' }] }] };
    const { sandbox } = await startSandbox({
      operators: [{ operatorId, users: [{ userName: rotator.userName, authKeys: [{ authKeyId: rotator.authKeyId, authKey: rotator.authKey }] }] }, other],
    });
    const { body: mine } = await login(sandbox.endpoint);
    const { body: theirs } = await login(sandbox.endpoint, { authKeyId: 'keyId-other', authKey: 'secret-other' });
    await fetch(`${sandbox.endpoint}/credentials/shared-name`, { method: 'POST', headers: headersOf(mine), body: JSON.stringify(awsSet('AKIA', 's')) });

    expect(await (await fetch(`${sandbox.endpoint}/credentials`, { headers: headersOf(theirs) })).json()).toEqual([]);
    const put = await fetch(`${sandbox.endpoint}/credentials/shared-name`, { method: 'PUT', headers: headersOf(theirs), body: JSON.stringify(awsSet('AKIA', 's')) });
    expect(put.status).toBe(404);
    const denied = await fetch(`${sandbox.endpoint}/operators/${operatorId}/users/${rotator.userName}/auth_keys`, { headers: headersOf(theirs) });
    expect(denied.status).toBe(403);
    expect(sandbox.credentialsOf('OP0099999999')).toEqual([]);
  });

  it('leaves secret fields out of responses with redactSecrets, and keeps them stored', async () => {
    const { sandbox, client } = await startSandbox({ redactSecrets: true });
    const created = await client().createCredentials('funnel-aws', awsSet('AKIAREDACT', 'hidden-secret'));
    expect(created.credentials).toEqual({ accessKeyId: 'AKIAREDACT' });
    expect((await client().listCredentials())[0]?.credentials).toEqual({ accessKeyId: 'AKIAREDACT' });
    expect(sandbox.credentialsOf(operatorId)[0]?.credentials).toEqual({ accessKeyId: 'AKIAREDACT', secretAccessKey: 'hidden-secret' });
  });
});
