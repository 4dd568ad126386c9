/**
 * The SORACOM client fed the shapes real SORACOM APIs (and independent implementations of them) send, not the spec's:
 * `null` for a time never reached, fields left out, fields the spec does not name. What the rotator reads must still be
 * there; everything else must pass. A field the rotator needs that is missing still fails, naming the field.
 */
import { inspect } from 'node:util';
import { ProviderError } from '../../src/providers/errors';
import { SoracomClient } from '../../src/providers/soracom/client';
import { useCannedServer, type CannedAnswer, type CannedRequest } from '../support/canned-server';

const authKey = 'secret-real-shapes-authkey';
const session = { apiKey: 'api-real-shapes-0001', token: 'token-real-shapes-0001', operatorId: 'OP0012345678', userName: 'rotator' };

async function failureOf(call: Promise<unknown>): Promise<ProviderError> {
  const err: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${inspect(err)}`);
  return err;
}

describe('SoracomClient reading what real SORACOM APIs send', () => {
  const serve = useCannedServer();

  /** A SORACOM that logs in with `auth` and answers every other call with `answer`. */
  async function soracom(answer: (request: CannedRequest) => CannedAnswer, auth: CannedAnswer = { status: 200, body: session }) {
    const server = await serve((request) => (request.url === '/v1/auth' ? auth : answer(request)));
    const client = new SoracomClient({ endpoint: `${server.url}/v1`, authKeyId: 'keyId-real-shapes', authKey });
    return { client, server, authCalls: () => server.requests.filter((r) => r.url === '/v1/auth').length };
  }

  it('lists credentials sets with null times, no times, a null description, withheld credentials and fields the spec does not name', async () => {
    const sets = [
      // the reported failure: a set never used has "lastUsedDateTime": null
      { credentialsId: 'funnel-aws', type: 'aws-credentials', description: null, credentials: { accessKeyId: 'AKIAOLD' }, createDateTime: 1658448000, updateDateTime: 1658448000, lastUsedDateTime: null },
      { credentialsId: 'no-times', type: 'api-token-credentials', credentials: {}, tags: { owner: 'ops' }, status: 'active' },
      { credentialsId: 'withheld', type: 'aws-credentials', description: 'secrets not echoed', credentials: null, createDateTime: '2022-07-22T00:00:00Z' },
    ];
    const { client } = await soracom(() => ({ status: 200, body: sets }));
    const listed = await client.listCredentials();
    expect(listed.map((s) => [s.credentialsId, s.type, s.description, s.credentials])).toEqual([
      ['funnel-aws', 'aws-credentials', undefined, { accessKeyId: 'AKIAOLD' }],
      ['no-times', 'api-token-credentials', undefined, {}],
      ['withheld', 'aws-credentials', 'secrets not echoed', {}],
    ]);
    await expect(client.getCredentials('funnel-aws')).resolves.toMatchObject({ credentialsId: 'funnel-aws', credentials: { accessKeyId: 'AKIAOLD' } });
  });

  it('reads a written set echoed back with nulls', async () => {
    const echoed = { credentialsId: 'funnel-aws', type: 'aws-credentials', description: null, credentials: { accessKeyId: 'AKIANEW' }, lastUsedDateTime: null, updateDateTime: null };
    const { client } = await soracom((r) => ({ status: r.method === 'POST' ? 201 : 200, body: echoed }));
    const body = { type: 'aws-credentials', credentials: { accessKeyId: 'AKIANEW', secretAccessKey: 'new-secret-value' } };
    await expect(client.updateCredentials('funnel-aws', body)).resolves.toMatchObject({ credentialsId: 'funnel-aws' });
    await expect(client.createCredentials('funnel-aws', body)).resolves.toMatchObject({ credentialsId: 'funnel-aws' });
  });

  it('logs in when /auth answers userName null (the root user) and fields the spec does not name', async () => {
    const { client } = await soracom(() => ({ status: 500 }), { status: 200, body: { ...session, userName: null, tokenTimeoutSeconds: 86400, extra: { a: 1 } } });
    await expect(client.identity()).resolves.toEqual({ operatorId: session.operatorId });
  });

  it('lists AuthKeys with lastUsedDateTime null or absent and unknown fields', async () => {
    const keys = [
      { authKeyId: 'keyId-used', createDateTime: 1700000000, lastUsedDateTime: 1700000100, status: 'active' },
      { authKeyId: 'keyId-never-used', createDateTime: 1700000200, lastUsedDateTime: null },
      { authKeyId: 'keyId-no-last-used', createDateTime: 1700000300 },
    ];
    const { client } = await soracom(() => ({ status: 200, body: keys }));
    expect((await client.listUserAuthKeys()).map((k) => [k.authKeyId, k.createDateTime])).toEqual([
      ['keyId-used', 1700000000],
      ['keyId-never-used', 1700000200],
      ['keyId-no-last-used', 1700000300],
    ]);
  });

  it('renews a token refused with an error body that has a code but no message', async () => {
    let refused = false;
    const { client, authCalls } = await soracom(() => {
      if (refused) return { status: 200, body: [] };
      refused = true;
      return { status: 400, body: { code: 'AUM0001' } };
    });
    await expect(client.listCredentials()).resolves.toEqual([]);
    expect(authCalls()).toBe(2);
  });

  it.each([
    ['a set without its type', () => ({ status: 200, body: [{ credentialsId: 'x', credentials: { secretAccessKey: 'leaked-secret-value' } }] }), (c: SoracomClient) => c.listCredentials(), '0.type'],
    ['a set whose id is null', () => ({ status: 200, body: [{ credentialsId: null, type: 'aws-credentials' }] }), (c: SoracomClient) => c.listCredentials(), '0.credentialsId'],
    ['an AuthKey without its creation time', () => ({ status: 200, body: [{ authKeyId: 'keyId-x', lastUsedDateTime: null }] }), (c: SoracomClient) => c.listUserAuthKeys(), '0.createDateTime'],
    ['a generated AuthKey without its secret', () => ({ status: 200, body: { authKeyId: 'keyId-x', authKey: null } }), (c: SoracomClient) => c.createUserAuthKey(), 'authKey'],
  ] as const)('still fails, naming the field, on %s', async (_what, answer, call, field) => {
    const { client } = await soracom(answer);
    const err = await failureOf(call(client));
    expect(err).toMatchObject({ type: 'SoracomUnexpectedResponse', httpStatus: 200, disposition: { kind: 'fail' } });
    expect(err.message).toContain(`${field}: invalid_type`);
    expect(err.message).not.toContain('leaked-secret-value');
  });

  it('still fails, naming the field, when /auth answers without a token', async () => {
    const { token: _none, ...noToken } = session;
    const { client } = await soracom(() => ({ status: 500 }), { status: 200, body: noToken });
    const err = await failureOf(client.identity());
    expect(err).toMatchObject({ type: 'SoracomUnexpectedResponse' });
    expect(err.message).toContain('token: invalid_type');
  });
});
