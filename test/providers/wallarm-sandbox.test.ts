/**
 * The Wallarm emulator against provider-facts §3: the documented routes with exactly the documented request and
 * response shapes, the `{status, body}` envelope, 403 for every bad token, and Wallarm's token rules (never wider
 * than the role, personal vs shared, re-enable needs a new expiry, deletion one week after disabling).
 */
import { DISABLED_TOKEN_LIFETIME_MS } from '../../sandbox/wallarm/server';
import { analyst, CLIENT_ID, deployBot, raw, rotator, sharedReader, useWallarmSandbox } from './wallarm-sandbox';

const DAY_MS = 24 * 60 * 60 * 1000;
const forbidden = { status: 403, body: 'Check permissions failed' };

describe('Wallarm sandbox', () => {
  const start = useWallarmSandbox();

  describe('documented routes (provider-facts §3.1, W2)', () => {
    it('POST /v1/user gives the user id and clientid the create call needs', async () => {
      const { sandbox } = await start();
      const { status, json } = await raw(sandbox.endpoint, 'POST', '/v1/user', rotator.secret);
      expect(status).toBe(200);
      expect(json).toMatchObject({ status: 200, body: { id: rotator.userId, clientid: CLIENT_ID, permissions: ['admin'] } });
    });

    it('creates a token from exactly the documented body, returns its id, and serves its secret, which then authenticates', async () => {
      const { sandbox, clock } = await start();
      const documentedBody = {
        client_id: CLIENT_ID,
        realname: 'ci-pipeline',
        user_id: rotator.userId,
        enabled: true,
        expire_at: new Date(clock.ms + 90 * DAY_MS).toISOString(),
        permissions: ['analytic'],
      };
      const created = await raw(sandbox.endpoint, 'POST', '/v2/api_tokens', rotator.secret, documentedBody);
      expect(created.status).toBe(200);
      expect(created.json).toMatchObject({ status: 200, body: { id: expect.any(Number) } });
      const { id } = (created.json as { body: { id: number } }).body;

      const secret = await raw(sandbox.endpoint, 'GET', `/v2/api_tokens/${id}/secret`, rotator.secret);
      expect(secret.json).toMatchObject({ status: 200, body: { secret: expect.any(String) } });
      const value = (secret.json as { body: { secret: string } }).body.secret;
      expect(await raw(sandbox.endpoint, 'POST', '/v1/user', value)).toMatchObject({ status: 200, json: { body: { id: rotator.userId } } });
      expect(sandbox.token(id)).toMatchObject({ realname: 'ci-pipeline', enabled: true, permissions: ['analytic'], user_id: rotator.userId });
      expect(sandbox.exchanges().map((e) => e.evidence)).toEqual(['documented', 'documented', 'documented']);
    });

    it('answers 400 with the invalid field, in the documented form', async () => {
      const { sandbox } = await start();
      const body = { client_id: CLIENT_ID, realname: '', user_id: rotator.userId, enabled: true, permissions: ['deploy'] };
      expect(await raw(sandbox.endpoint, 'POST', '/v2/api_tokens', rotator.secret, body)).toMatchObject({ status: 400, json: { status: 400, body: { realname: { error: 'invalid', value: '' } } } });
    });
  });

  describe('authentication: 403, never 401', () => {
    it.each([
      ['no header', undefined],
      ['an unknown token', 'not-a-token-at-all-0000000000000000'],
    ])('refuses %s with {status:403, body:"Check permissions failed"}', async (_what, token) => {
      const { sandbox } = await start();
      expect(await raw(sandbox.endpoint, 'POST', '/v1/user', token)).toEqual(expect.objectContaining({ status: 403, json: forbidden }));
    });

    it('takes the header in any case (X-WallarmAPI-Token as wallarm-go and terraform spell it)', async () => {
      const { sandbox } = await start();
      expect((await raw(sandbox.endpoint, 'POST', '/v1/user', rotator.secret, undefined, 'X-WallarmAPI-Token')).status).toBe(200);
    });

    it('refuses a disabled token at once, and an expired one', async () => {
      const { sandbox, clock, client } = await start();
      await client().updateToken(sharedReader.tokenId, { enabled: false });
      expect(await raw(sandbox.endpoint, 'POST', '/v1/user', sharedReader.secret)).toMatchObject({ status: 403, json: forbidden });
      expect((await raw(sandbox.endpoint, 'POST', '/v1/user', deployBot.secret)).status).toBe(200);
      clock.advance(5 * DAY_MS); // deploy-bot expires
      expect(await raw(sandbox.endpoint, 'POST', '/v1/user', deployBot.secret)).toMatchObject({ status: 403, json: forbidden });
      expect(sandbox.token(deployBot.tokenId)).toMatchObject({ enabled: false });
    });
  });

  describe("Wallarm's token rules (provider-facts §3.2)", () => {
    it('refuses permissions wider than the creator\'s role', async () => {
      const { sandbox } = await start();
      const body = { client_id: CLIENT_ID, realname: 'too-wide', user_id: analyst.userId, enabled: true, permissions: ['admin'] };
      expect(await raw(sandbox.endpoint, 'POST', '/v2/api_tokens', analyst.secret, body)).toMatchObject({ status: 400, json: { body: { permissions: { error: 'invalid', value: ['admin'] } } } });
    });

    it('deletes a disabled token one week after disabling, on its own clock', async () => {
      const { sandbox, clock, client } = await start();
      await client().updateToken(sharedReader.tokenId, { enabled: false });
      clock.advance(DISABLED_TOKEN_LIFETIME_MS - 1);
      expect(sandbox.token(sharedReader.tokenId)).toMatchObject({ enabled: false });
      clock.advance(1);
      expect(sandbox.token(sharedReader.tokenId)).toBeUndefined();
      expect(await raw(sandbox.endpoint, 'GET', `/v2/api_tokens/${sharedReader.tokenId}/secret`, rotator.secret)).toMatchObject({ status: 404, json: { status: 404 } });
    });

    it('re-enables a disabled token only with a new expiry', async () => {
      const { sandbox, clock, client } = await start();
      await client().updateToken(sharedReader.tokenId, { enabled: false });
      const path = `/v2/api_tokens/${sharedReader.tokenId}`;
      expect(await raw(sandbox.endpoint, 'PUT', path, rotator.secret, { enabled: true })).toMatchObject({ status: 400, json: { body: { expire_at: { error: 'invalid' } } } });
      const expireAt = new Date(clock.ms + 30 * DAY_MS).toISOString();
      expect(await raw(sandbox.endpoint, 'PUT', path, rotator.secret, { enabled: true, expire_at: expireAt })).toMatchObject({ status: 200, json: { body: { enabled: true, expire_at: expireAt } } });
      expect((await raw(sandbox.endpoint, 'POST', '/v1/user', sharedReader.secret)).status).toBe(200);
      // re-enabled, the one-week countdown is gone
      clock.advance(DISABLED_TOKEN_LIFETIME_MS);
      expect(sandbox.token(sharedReader.tokenId)).toMatchObject({ enabled: true });
    });

    it("keeps a personal token's value to its owner; administrators read shared ones and list every token", async () => {
      const { sandbox } = await start();
      expect(await raw(sandbox.endpoint, 'GET', `/v2/api_tokens/${analyst.tokenId}/secret`, rotator.secret)).toMatchObject({ status: 403, json: forbidden });
      expect((await raw(sandbox.endpoint, 'GET', `/v2/api_tokens/${sharedReader.tokenId}/secret`, rotator.secret)).status).toBe(200);
      const asAdmin = (await raw(sandbox.endpoint, 'GET', '/v2/api_tokens', rotator.secret)).json as { body: { id: number }[] };
      expect(asAdmin.body.map((t) => t.id).sort((a, b) => a - b)).toEqual([rotator.tokenId, analyst.tokenId, deployBot.tokenId, sharedReader.tokenId].sort((a, b) => a - b));
      const asAnalyst = (await raw(sandbox.endpoint, 'GET', '/v2/api_tokens', analyst.secret)).json as { body: { id: number; secret?: string }[] };
      expect(asAnalyst.body.map((t) => t.id)).toEqual([analyst.tokenId]);
      expect(JSON.stringify(asAdmin)).not.toContain(deployBot.secret);
      expect(sandbox.exchanges().filter((e) => e.path === '/v2/api_tokens').every((e) => e.evidence === 'inferred')).toBe(true);
    });

    it('a delete answers {body:{result:"deleted"}}, then 404', async () => {
      const { sandbox } = await start();
      const path = `/v2/api_tokens/${sharedReader.tokenId}`;
      expect(await raw(sandbox.endpoint, 'DELETE', path, rotator.secret)).toMatchObject({ status: 200, json: { body: { result: 'deleted' } } });
      expect((await raw(sandbox.endpoint, 'DELETE', path, rotator.secret)).status).toBe(404);
    });
  });

  it('answers 429 over the configured rate, with Retry-After only when configured', async () => {
    const { sandbox } = await start({ requestsPerSecond: 2, retryAfterSeconds: 3 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const r = await raw(sandbox.endpoint, 'POST', '/v1/user', rotator.secret);
      statuses.push(r.status);
      retryAfter = r.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(retryAfter).toBe('3');
  });
});
