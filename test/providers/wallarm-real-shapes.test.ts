/**
 * The Wallarm client fed the shapes Wallarm's API sends beyond what its docs show: `null` where a field has no value,
 * fields left out, fields the docs do not name, a `status` of null in the envelope, a delete answered with any body.
 * What the rotator reads must still be there; everything else must pass. A field the rotator needs that is missing
 * still fails, naming the field.
 */
import { inspect } from 'node:util';
import { ProviderError } from '../../src/providers/errors';
import { WallarmClient } from '../../src/providers/wallarm/client';
import { useCannedServer, type CannedAnswer, type CannedRequest } from '../support/canned-server';

async function failureOf(call: Promise<unknown>): Promise<ProviderError> {
  const err: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${inspect(err)}`);
  return err;
}

const token = { id: 7, client_id: 100, user_id: 5, realname: 'deploy-bot', enabled: true, permissions: ['deploy'], created_at: '2026-01-01T00:00:00Z' };

describe('WallarmClient reading what Wallarm sends', () => {
  const serve = useCannedServer();

  async function wallarm(answer: (request: CannedRequest) => CannedAnswer): Promise<WallarmClient> {
    const server = await serve(answer);
    return new WallarmClient({ cloud: 'eu', endpoint: server.url, token: 'rotator-token-value-0001' });
  }

  it('reads the current user with null permissions, an envelope status of null and fields the docs do not name', async () => {
    const client = await wallarm(() => ({ status: 200, body: { status: null, body: { id: 5, clientid: 100, permissions: null, realname: 'Rotator', email: null, mfa_enabled: false } } }));
    await expect(client.currentUser()).resolves.toMatchObject({ id: 5, clientid: 100 });
  });

  it('lists tokens with shared null, no expiry field, and fields the docs do not name', async () => {
    const tokens = [
      { ...token, shared: null, expire_at: null, last_used_at: null, type: 'api' },
      { ...token, id: 8, realname: 'reporting' }, // no shared, no expire_at
    ];
    const client = await wallarm(() => ({ status: 200, body: { status: 200, body: tokens } }));
    expect((await client.listTokens()).map((t) => [t.id, t.shared, t.expire_at])).toEqual([
      [7, false, null],
      [8, false, null],
    ]);
  });

  it.each([
    ['a null body', { status: 200, body: null }],
    ['a null result', { body: { result: null } }],
    ['a result of another shape', { status: 200, body: { result: { deleted: 1 } } }],
  ])('takes a 200 delete answered with %s as deleted', async (_what, body) => {
    const client = await wallarm(() => ({ status: 200, body }));
    await expect(client.deleteToken(7)).resolves.toBe('deleted');
  });

  it('keeps what Wallarm said in an error whose envelope status is null', async () => {
    const client = await wallarm(() => ({ status: 403, body: { status: null, body: 'Check permissions failed' } }));
    const err = await failureOf(client.currentUser());
    expect(err).toMatchObject({ type: 'WallarmPermissionDenied', httpStatus: 403 });
    expect(err.message).toContain('HTTP 403 "Check permissions failed"');
  });

  it.each([
    ['a token without its creation time', { body: [{ ...token, created_at: null }] }, (c: WallarmClient) => c.listTokens(), 'body.0.created_at'],
    ['a token without its permissions', { body: [{ ...token, permissions: null }] }, (c: WallarmClient) => c.listTokens(), 'body.0.permissions'],
    ['a user without its company', { body: { id: 5 } }, (c: WallarmClient) => c.currentUser(), 'body.clientid'],
    ['a secret answer without the secret', { body: { secret: null, value: 'leaked-secret-value' } }, (c: WallarmClient) => c.tokenSecret(7), 'body.secret'],
  ] as const)('still fails, naming the field, on %s', async (_what, body, call, field) => {
    const client = await wallarm(() => ({ status: 200, body }));
    const err = await failureOf(call(client));
    expect(err).toMatchObject({ type: 'WallarmUnexpectedResponse', httpStatus: 200, disposition: { kind: 'fail' } });
    expect(err.message).toContain(`${field}: invalid_type`);
    expect(err.message).not.toContain('leaked-secret-value');
  });
});
