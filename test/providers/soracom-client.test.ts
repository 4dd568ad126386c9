import http from 'node:http';
import net from 'node:net';
import { inspect } from 'node:util';
import type { AddressInfo } from 'node:net';
import { ProviderError } from '../../src/providers/errors';
import { SoracomClient } from '../../src/providers/soracom/client';
import { soracomConfigFromEnv } from '../../src/providers/soracom/config';
import { awsSet, operatorId, rotator, useSoracomSandbox } from './soracom-sandbox';

const day = 86_400_000;

/** The ProviderError a call rejects with. */
async function failureOf(call: Promise<unknown>): Promise<ProviderError> {
  const err: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${inspect(err)}`);
  return err;
}

describe('SoracomClient against the SORACOM sandbox', () => {
  const startSandbox = useSoracomSandbox();

  it('creates, reads, updates and deletes a credentials set', async () => {
    const { sandbox, client } = await startSandbox();
    const soracom = client();

    const created = await soracom.createCredentials('funnel-aws', awsSet('AKIAOLD', 'old-secret', 'Funnel to S3'));
    expect(created).toMatchObject({ credentialsId: 'funnel-aws', type: 'aws-credentials', description: 'Funnel to S3' });
    expect(sandbox.credentialsOf(operatorId)).toEqual([
      expect.objectContaining({ credentialsId: 'funnel-aws', credentials: { accessKeyId: 'AKIAOLD', secretAccessKey: 'old-secret' } }),
    ]);

    await soracom.updateCredentials('funnel-aws', awsSet('AKIANEW', 'new-secret', 'Funnel to S3'));
    expect(sandbox.credentialsOf(operatorId)[0]?.credentials).toEqual({ accessKeyId: 'AKIANEW', secretAccessKey: 'new-secret' });
    expect((await soracom.getCredentials('funnel-aws'))?.credentials).toMatchObject({ accessKeyId: 'AKIANEW' });
    expect((await soracom.listCredentials()).map((s) => s.credentialsId)).toEqual(['funnel-aws']);

    await expect(soracom.deleteCredentials('funnel-aws')).resolves.toBe('deleted');
    expect(sandbox.credentialsOf(operatorId)).toEqual([]);
    await expect(soracom.getCredentials('funnel-aws')).resolves.toBeNull();
    await expect(soracom.deleteCredentials('funnel-aws')).resolves.toBe('already-gone');
  });

  it('authenticates once for many requests, shared by clients of the same endpoint and AuthKey', async () => {
    const { client, authCalls } = await startSandbox();
    const first = client();
    await first.createCredentials('a', awsSet('AKIA1', 's1'));
    await Promise.all([first.listCredentials(), first.getCredentials('a'), client().listCredentials()]);
    await first.updateCredentials('a', awsSet('AKIA2', 's2'));
    expect(authCalls()).toBe(1);
  });

  it.each([400, 401] as const)('renews an expired token transparently (sandbox answering %i)', async (tokenErrorStatus) => {
    const { sandbox, clock, client, authCalls } = await startSandbox({ tokenErrorStatus });
    const soracom = client();
    await soracom.listCredentials();

    clock.advance(day + 1); // the sandbox's clock: the client still believes its token valid
    await expect(soracom.listCredentials()).resolves.toEqual([]);

    expect(authCalls()).toBe(2);
    expect(sandbox.exchanges().map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'POST /auth 200',
      'GET /credentials 200',
      `GET /credentials ${tokenErrorStatus}`,
      'POST /auth 200',
      'GET /credentials 200',
    ]);
  });

  it('renews the token shortly before it expires, without a refused request', async () => {
    let clientNow = Date.now();
    const { sandbox, client, authCalls } = await startSandbox({ now: () => clientNow });
    const soracom = client({ now: () => clientNow, tokenTimeoutSeconds: 3600 });
    await soracom.listCredentials();
    clientNow += 3600_000 - 60_000; // inside the renewal margin, before expiry
    await soracom.listCredentials();
    expect(authCalls()).toBe(2);
    expect(sandbox.exchanges().every((e) => e.status === 200)).toBe(true);
  });

  it('turns a 429 into retry-after with the delay SORACOM announced', async () => {
    const { clock, client } = await startSandbox({ rateLimits: { 'GET /credentials': 2 } });
    const soracom = client();
    await soracom.listCredentials();
    await soracom.listCredentials();
    clock.advance(15_000);

    const err = await failureOf(soracom.getCredentials('funnel-aws'));
    expect(err).toMatchObject({ provider: 'soracom', type: 'SoracomRateLimited', httpStatus: 429, disposition: { kind: 'retry-after', delayMs: 45_000 } });
    expect(err.message).toContain("listCredentials of credentials set 'funnel-aws'");

    clock.advance(45_000);
    await expect(soracom.listCredentials()).resolves.toEqual([]);
  });

  it('fails fast on a 404 update, naming the operation, the set and what to check', async () => {
    const { client } = await startSandbox();
    const err = await failureOf(client().updateCredentials('no-such-set', awsSet('AKIA', 'secret-value')));
    expect(err).toMatchObject({ type: 'SoracomNotFound', httpStatus: 404, disposition: { kind: 'fail' } });
    expect(err.message).toMatch(/^SORACOM updateCredential of credentials set 'no-such-set' failed: HTTP 404 \w{3}\d{4} ".+"\. /);
    expect(err.message).toContain('SORACOM_ENDPOINT / SORACOM_COVERAGE_TYPE');
  });

  it('fails fast on a 400: an invalid body, and creating a set that exists', async () => {
    const { client } = await startSandbox();
    const soracom = client();
    const bad = await failureOf(soracom.createCredentials('funnel-aws', { type: 'aws-credentials', credentials: { accessKeyId: 'AKIA' } }));
    expect(bad).toMatchObject({ type: 'SoracomRequestRejected', httpStatus: 400, disposition: { kind: 'fail' } });
    expect(bad.message).toMatch(/createCredential of credentials set 'funnel-aws' failed: HTTP 400 \w{3}\d{4} ".*secretAccessKey.*"/);

    await soracom.createCredentials('funnel-aws', awsSet('AKIA', 'secret-value'));
    const twice = await failureOf(soracom.createCredentials('funnel-aws', awsSet('AKIA', 'secret-value')));
    expect(twice).toMatchObject({ httpStatus: 400, disposition: { kind: 'fail' } });
    expect(twice.message).toContain('update it instead');
  });

  it('fails fast with the variables to check when the AuthKey is refused', async () => {
    const { sandbox } = await startSandbox();
    const soracom = new SoracomClient({ endpoint: sandbox.endpoint, authKeyId: rotator.authKeyId, authKey: 'secret-wrong-authkey' });
    const err = await failureOf(soracom.updateCredentials('funnel-aws', awsSet('AKIA', 'secret-value')));
    expect(err).toMatchObject({ type: 'SoracomAuthFailed', httpStatus: 401, disposition: { kind: 'fail' } });
    expect(err.message).toContain("auth (for updateCredential) of credentials set 'funnel-aws'");
    expect(err.message).toContain('SORACOM_AUTH_KEY_ID / SORACOM_AUTH_KEY');
    expect(inspect(err)).not.toContain('secret-wrong-authkey');
  });

  it('manages the SAM user’s own AuthKeys', async () => {
    const { sandbox, client } = await startSandbox();
    const soracom = client();
    await expect(soracom.identity()).resolves.toEqual({ operatorId, userName: rotator.userName });

    const generated = await soracom.createUserAuthKey();
    expect(generated.authKey).toMatch(/^secret-/);
    expect((await soracom.listUserAuthKeys()).map((k) => k.authKeyId).sort()).toEqual([generated.authKeyId, rotator.authKeyId].sort());

    await expect(soracom.deleteUserAuthKey(generated.authKeyId)).resolves.toBe('deleted');
    await expect(soracom.deleteUserAuthKey(generated.authKeyId)).resolves.toBe('already-gone');
    expect(sandbox.authKeysOf(operatorId, rotator.userName).map((k) => k.authKeyId)).toEqual([rotator.authKeyId]);

    // the sandbox caps a SAM user at 2 AuthKeys
    await soracom.createUserAuthKey();
    const full = await failureOf(soracom.createUserAuthKey());
    expect(full).toMatchObject({ type: 'SoracomRequestRejected', httpStatus: 400, disposition: { kind: 'fail' } });
  });
});

describe('SoracomClient on a faulty or hostile network', () => {
  const servers: { close(): void }[] = [];
  afterEach(() => servers.splice(0).forEach((s) => s.close()));

  async function serve(server: http.Server | net.Server): Promise<string> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  }
  const clientOf = (endpoint: string) => new SoracomClient({ endpoint, authKeyId: 'keyId-x', authKey: 'secret-authkey-value' });

  it('retries a 500 (as SORACOM sends it: text/plain)', async () => {
    const endpoint = await serve(http.createServer((_req, res) => res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('{"code":"AGW0005", "message":"Internal error"}')));
    const err = await failureOf(clientOf(endpoint).listCredentials());
    expect(err).toMatchObject({ type: 'SoracomUnavailable', httpStatus: 500, disposition: { kind: 'retry' } });
    expect(err.message).toContain('AGW0005 "Internal error"');
  });

  it('reads the spec’s nested APICallError body as well as the flat one', async () => {
    const nested = { httpStatus: 400, errorMessage: { code: 'AUM0009', message: 'Nested form' } };
    const endpoint = await serve(http.createServer((_req, res) => res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify(nested))));
    const err = await failureOf(clientOf(endpoint).listCredentials());
    expect(err).toMatchObject({ type: 'SoracomRequestRejected', httpStatus: 400, disposition: { kind: 'fail' } });
    expect(err.message).toContain('HTTP 400 AUM0009 "Nested form"');
  });

  it('retries a connection reset (socket hang up) and a refused connection', async () => {
    const endpoint = await serve(net.createServer((socket) => socket.destroy()));
    const reset = await failureOf(clientOf(endpoint).listCredentials());
    expect(reset).toMatchObject({ type: 'SoracomUnreachable', disposition: { kind: 'retry' } });
    expect(reset.message).toContain('auth (for listCredentials)');

    const closed = net.createServer();
    const closedEndpoint = await serve(closed);
    closed.close();
    await expect(failureOf(clientOf(closedEndpoint).listCredentials())).resolves.toMatchObject({ type: 'SoracomUnreachable', disposition: { kind: 'retry' } });
  });

  it('never lets the AuthKey, the API key/token pair or a secret access key into an error, even when the server echoes them', async () => {
    const pair = { apiKey: 'api-echoed-apikey-1234', token: 'echoed-token-abcdefgh', operatorId };
    const endpoint = await serve(
      http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          if (req.url === '/v1/auth') return res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(pair));
          const echo = `${String(req.headers['x-soracom-api-key'])} ${String(req.headers['x-soracom-token'])} ${body}`;
          res.writeHead(403, { 'Content-Type': 'application/json' }).end(JSON.stringify({ code: 'AUM0017', message: `denied: ${echo}` }));
        });
      }),
    );
    const soracom = clientOf(endpoint);
    const err = await failureOf(soracom.updateCredentials('funnel-aws', awsSet('AKIAECHO', 'very-secret-access-key')));
    expect(err).toMatchObject({ type: 'SoracomPermissionDenied', httpStatus: 403, disposition: { kind: 'fail' } });
    expect(err.message).toContain("SAM user's permission for Credential:updateCredential");
    const everything = [err.message, inspect(err, { depth: 10 }), JSON.stringify(err), inspect(soracom, { depth: 10 }), JSON.stringify(soracom)].join('\n');
    for (const secret of ['secret-authkey-value', pair.apiKey, pair.token, 'very-secret-access-key']) expect(everything).not.toContain(secret);
  });
});

describe('soracomConfigFromEnv', () => {
  const keys = { SORACOM_AUTH_KEY_ID: 'keyId-x', SORACOM_AUTH_KEY: 'secret-x' };

  it('defaults to Japan coverage, picks global with g, and prefers SORACOM_ENDPOINT', () => {
    expect(soracomConfigFromEnv(keys)).toEqual({ endpoint: 'https://api.soracom.io/v1', authKeyId: 'keyId-x', authKey: 'secret-x' });
    expect(soracomConfigFromEnv({ ...keys, SORACOM_COVERAGE_TYPE: 'g' }).endpoint).toBe('https://g.api.soracom.io/v1');
    expect(soracomConfigFromEnv({ ...keys, SORACOM_ENDPOINT: 'http://127.0.0.1:5056/v1/' }).endpoint).toBe('http://127.0.0.1:5056/v1');
  });

  it('names each missing or wrong variable, never a value', () => {
    expect(() => soracomConfigFromEnv({ SORACOM_AUTH_KEY: 'secret-x' })).toThrow('SORACOM_AUTH_KEY_ID is not set');
    expect(() => soracomConfigFromEnv({ SORACOM_AUTH_KEY_ID: 'keyId-x', SORACOM_AUTH_KEY: '' })).toThrow('SORACOM_AUTH_KEY is not set');
    expect(() => soracomConfigFromEnv({ ...keys, SORACOM_COVERAGE_TYPE: 'eu' })).toThrow("SORACOM_COVERAGE_TYPE must be 'jp' (Japan) or 'g' (global)");
    expect(() => soracomConfigFromEnv({ ...keys, SORACOM_ENDPOINT: 'not a url' })).toThrow(/^SORACOM configuration: SORACOM_ENDPOINT must be a URL such as https:\/\/api\.soracom\.io\/v1$/);
  });
});
