/**
 * SORACOM's own conventions, as soracom-cli defines them (soracom/soracom-cli generators/cmd/predefined/endpoint.go and
 * profiles.go): SORACOM_ENDPOINT is the API's host root, to which soracom-cli appends /v1; profiles are
 * `<SORACOM_PROFILE_DIR, else ~/.soracom>/<name>.json`, `default` unless named, refused when others may read them. The
 * rotator's own variables come first. A 404 on POST /auth is a wrong endpoint, never a wrong AuthKey.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { ProviderError } from '../../src/providers/errors';
import { SoracomClient } from '../../src/providers/soracom/client';
import { soracomConfigFromEnv } from '../../src/providers/soracom/config';
import { useCannedServer } from '../support/canned-server';
import { rotator, useSoracomSandbox } from './soracom-sandbox';

const keys = { SORACOM_AUTH_KEY_ID: 'keyId-env', SORACOM_AUTH_KEY: 'secret-env-authkey' };

async function failureOf(call: Promise<unknown>): Promise<ProviderError> {
  const err: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${inspect(err)}`);
  return err;
}

function thrown(call: () => unknown): string {
  try {
    call();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'soracom-profiles-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes profile `name` as `soracom configure` does (mode 0600), or with `mode`. */
function profile(name: string, content: unknown, mode = 0o600): string {
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  chmodSync(file, mode);
  return file;
}

describe('SORACOM_ENDPOINT as soracom-cli takes it', () => {
  it.each([
    ['https://api.soracom.io', 'https://api.soracom.io/v1'],
    ['https://api.soracom.io/', 'https://api.soracom.io/v1'],
    ['https://g.api.soracom.io', 'https://g.api.soracom.io/v1'],
    ['https://api.soracom.io/v1', 'https://api.soracom.io/v1'],
    ['https://api.soracom.io/v1/', 'https://api.soracom.io/v1'],
    ['http://proxy.example:8080/soracom', 'http://proxy.example:8080/soracom/v1'],
  ])('%s calls %s', (endpoint, base) => {
    expect(soracomConfigFromEnv({ ...keys, SORACOM_ENDPOINT: endpoint }).endpoint).toBe(base);
  });

  const startSandbox = useSoracomSandbox();

  it('logs in and lists sets at the host root soracom-cli is given', async () => {
    const { sandbox } = await startSandbox();
    const root = sandbox.endpoint.replace(/\/v1$/, '');
    const soracom = new SoracomClient(soracomConfigFromEnv({ SORACOM_ENDPOINT: root, SORACOM_AUTH_KEY_ID: rotator.authKeyId, SORACOM_AUTH_KEY: rotator.authKey }));
    await expect(soracom.listCredentials()).resolves.toEqual([]);
    expect(sandbox.exchanges().map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(['POST /auth 200', 'GET /credentials 200']);
  });
});

describe('a 404 on POST /auth', () => {
  const serve = useCannedServer();

  it('is a wrong endpoint, named by the variable that set it, not an AuthKey that does not exist', async () => {
    const web = await serve(() => ({ status: 404, body: '<html>Not Found</html>' }));
    const err = await failureOf(new SoracomClient({ endpoint: `${web.url}/v1`, authKeyId: 'keyId-x', authKey: 'secret-x-authkey' }).listCredentials());
    expect(err).toMatchObject({ type: 'SoracomEndpointInvalid', httpStatus: 404, disposition: { kind: 'fail' } });
    expect(err.message).toContain(`${web.url}/v1/auth is not SORACOM's login: the endpoint is wrong, not the AuthKey. Check SORACOM_ENDPOINT / SORACOM_COVERAGE_TYPE`);
    expect(err.message).not.toMatch(/does not exist|check the id/);
  });

  it("names the profile's endpoint when a profile set it", async () => {
    const web = await serve(() => ({ status: 404, body: { code: 'XXX0404', message: 'no route' } }));
    const file = profile('lab', { authKeyId: 'keyId-lab', authKey: 'secret-lab-authkey', endpoint: `${web.url}/api` });
    const err = await failureOf(new SoracomClient(soracomConfigFromEnv({ SORACOM_PROFILE_DIR: dir, SORACOM_PROFILE: 'lab' })).identity());
    expect(err).toMatchObject({ type: 'SoracomEndpointInvalid' });
    expect(err.message).toContain(`Check the endpoint of SORACOM profile 'lab' (${file})`);
    expect(err.message).not.toContain('secret-lab-authkey');
  });
});

describe('soracom-cli profiles', () => {
  it('reads the default profile when no AuthKey variable is set: its key, its coverage type', () => {
    const file = profile('default', { coverageType: 'g', authKeyId: 'keyId-default', authKey: 'secret-default-authkey', registerPaymentMethod: false, sandbox: false });
    expect(soracomConfigFromEnv({ SORACOM_PROFILE_DIR: dir })).toEqual({
      endpoint: 'https://g.api.soracom.io/v1',
      authKeyId: 'keyId-default',
      authKey: 'secret-default-authkey',
      origin: { endpoint: `the coverageType of SORACOM profile 'default' (${file})`, authKey: `authKeyId / authKey of SORACOM profile 'default' (${file})` },
    });
  });

  it('reads SORACOM_PROFILE from ~/.soracom when SORACOM_PROFILE_DIR is unset; an empty coverageType is Japan', () => {
    const home = dir;
    dir = path.join(home, '.soracom');
    mkdirSync(dir);
    profile('prod', { coverageType: '', authKeyId: 'keyId-prod', authKey: 'secret-prod-authkey' });
    expect(soracomConfigFromEnv({ HOME: home, SORACOM_PROFILE: 'prod' })).toMatchObject({ endpoint: 'https://api.soracom.io/v1', authKeyId: 'keyId-prod' });
    dir = home;
  });

  it("takes the profile's endpoint, with or without /v1, over its coverage type; a sandbox profile calls SORACOM's API sandbox", () => {
    profile('root', { coverageType: 'g', endpoint: 'https://soracom-proxy.example', authKeyId: 'k', authKey: 'secret-k-authkey' });
    profile('v1', { endpoint: 'https://soracom-proxy.example/v1/', authKeyId: 'k', authKey: 'secret-k-authkey' });
    profile('sandbox', { sandbox: true, coverageType: 'jp', authKeyId: 'k', authKey: 'secret-k-authkey' });
    const endpointOf = (name: string, extra: Record<string, string> = {}) => soracomConfigFromEnv({ SORACOM_PROFILE_DIR: dir, SORACOM_PROFILE: name, ...extra }).endpoint;
    expect(endpointOf('root')).toBe('https://soracom-proxy.example/v1');
    expect(endpointOf('v1')).toBe('https://soracom-proxy.example/v1');
    expect(endpointOf('sandbox')).toBe('https://api-sandbox.soracom.io/v1');
    // soracom-cli's --coverage-type (here SORACOM_COVERAGE_TYPE) comes before the profile's endpoint, and keeps its sandbox
    expect(endpointOf('root', { SORACOM_COVERAGE_TYPE: 'jp' })).toBe('https://api.soracom.io/v1');
    expect(endpointOf('sandbox', { SORACOM_COVERAGE_TYPE: 'g' })).toBe('https://g.api-sandbox.soracom.io/v1');
    expect(endpointOf('root', { SORACOM_ENDPOINT: 'http://127.0.0.1:5056' })).toBe('http://127.0.0.1:5056/v1');
  });

  it("lets the rotator's variables win: their AuthKey over the profile's; the implicit default profile is then not read", () => {
    profile('default', { coverageType: 'g', authKeyId: 'keyId-default', authKey: 'secret-default-authkey' });
    expect(soracomConfigFromEnv({ SORACOM_PROFILE_DIR: dir, ...keys })).toEqual({ endpoint: 'https://api.soracom.io/v1', authKeyId: 'keyId-env', authKey: 'secret-env-authkey' });
    expect(soracomConfigFromEnv({ SORACOM_PROFILE_DIR: dir, SORACOM_PROFILE: 'default', ...keys })).toMatchObject({ endpoint: 'https://g.api.soracom.io/v1', authKeyId: 'keyId-env' });
    // an e-mail profile still gives its endpoint when the key comes from the variables
    profile('console', { coverageType: 'g', email: 'ops@example.com', password: 'console-password-value' });
    expect(soracomConfigFromEnv({ SORACOM_PROFILE_DIR: dir, SORACOM_PROFILE: 'console', ...keys })).toMatchObject({ endpoint: 'https://g.api.soracom.io/v1', authKeyId: 'keyId-env' });
  });

  it('takes a profile file as SORACOM_AUTH_KEY_FILE, re-read for every login, with SORACOM_PROFILE giving its endpoint', () => {
    const file = profile('self', { coverageType: 'g', authKeyId: 'keyId-self', authKey: 'secret-self-authkey', operatorId: 'OP0012345678' });
    expect(soracomConfigFromEnv({ SORACOM_PROFILE_DIR: dir, SORACOM_PROFILE: 'self', SORACOM_AUTH_KEY_FILE: file })).toEqual({
      endpoint: 'https://g.api.soracom.io/v1',
      authKeyId: 'keyId-self',
      authKey: 'secret-self-authkey',
      authKeyFile: file,
      origin: { endpoint: `the coverageType of SORACOM profile 'self' (${file})` },
    });
  });

  it('names the file and the field of every problem, never a value from it', () => {
    const secrets = ['secret-p-authkey', 'console-password-value', 'secret-cmd'];
    const problem = (name: string, content: unknown, mode?: number) => {
      const file = profile(name, content, mode);
      const message = thrown(() => soracomConfigFromEnv({ SORACOM_PROFILE_DIR: dir, SORACOM_PROFILE: name }));
      for (const secret of secrets) expect(message).not.toContain(secret);
      expect(message).toContain(`SORACOM profile '${name}' (${file})`);
      return message;
    };
    expect(problem('open', { authKeyId: 'k', authKey: 'secret-p-authkey' }, 0o644)).toMatch(/may be read or written by others \(mode 0644\); soracom-cli refuses it too: chmod 600 /);
    expect(problem('garbled', '{"authKeyId": "k", "authKey": "secret-p-authkey"')).toMatch(/is not JSON$/);
    expect(problem('eu', { coverageType: 'eu', authKeyId: 'k', authKey: 'secret-p-authkey' })).toMatch(/coverageType must be 'jp' \(Japan\) or 'g' \(global\)/);
    expect(problem('badurl', { endpoint: 'api.soracom.io', authKeyId: 'k', authKey: 'secret-p-authkey' })).toMatch(/endpoint must be a URL such as https:\/\/api.soracom.io/);
    expect(problem('typed', { sandbox: 'yes', authKeyId: 'k', authKey: 'secret-p-authkey' })).toMatch(/sandbox is not a boolean/);
    expect(problem('nokey', { authKeyId: 'k' })).toMatch(/has no authKey; or set SORACOM_AUTH_KEY_ID and SORACOM_AUTH_KEY, or SORACOM_AUTH_KEY_FILE/);
    expect(problem('console', { email: 'ops@example.com', password: 'console-password-value' })).toMatch(/has no authKeyId and authKey \(it signs in with an e-mail address and password, which the rotator does not/);
    expect(problem('sam', { operatorId: 'OP0012345678', username: 'ops', password: 'console-password-value' })).toMatch(/has no authKeyId and authKey \(it signs in with a SAM user's password/);
    expect(problem('command', { profileCommand: 'vault read secret-cmd', authKeyId: 'k', authKey: 'secret-p-authkey' })).toMatch(/profileCommand, an external command the rotator does not run/);
    expect(problem('switch', { sourceProfile: 'default', operatorId: 'OP0012345678', username: 'ops' })).toMatch(/switches user from profile 'default' \(sourceProfile\)/);
  });

  it('names the missing profile, the name soracom-cli would not read, and where the default was looked for', () => {
    expect(thrown(() => soracomConfigFromEnv({ SORACOM_PROFILE_DIR: dir, SORACOM_PROFILE: 'absent' }))).toContain(`SORACOM profile 'absent' (${path.join(dir, 'absent.json')}) does not exist`);
    expect(thrown(() => soracomConfigFromEnv({ SORACOM_PROFILE_DIR: dir, SORACOM_PROFILE: 'my_profile' }))).toMatch(/SORACOM_PROFILE 'my_profile' is not a soracom-cli profile name/);
    expect(thrown(() => soracomConfigFromEnv({ SORACOM_PROFILE_DIR: dir }))).toMatch(/SORACOM_AUTH_KEY_ID is not set.*or SORACOM_PROFILE for a soracom-cli profile: there is no default one at .*default\.json/);
  });
});

describe('a profile against the SORACOM sandbox', () => {
  const startSandbox = useSoracomSandbox();

  it('logs in with its key at its host-root endpoint; a refused key names the profile, never the key', async () => {
    const { sandbox } = await startSandbox();
    const root = sandbox.endpoint.replace(/\/v1$/, '');
    profile('sandbox-rotator', { coverageType: 'jp', endpoint: root, authKeyId: rotator.authKeyId, authKey: rotator.authKey });
    const soracom = new SoracomClient(soracomConfigFromEnv({ SORACOM_PROFILE_DIR: dir, SORACOM_PROFILE: 'sandbox-rotator' }));
    await expect(soracom.identity()).resolves.toMatchObject({ userName: rotator.userName });

    const file = profile('wrong-key', { endpoint: root, authKeyId: 'keyId-not-issued-0001', authKey: 'secret-wrong-profile-key' });
    const err = await failureOf(new SoracomClient(soracomConfigFromEnv({ SORACOM_PROFILE_DIR: dir, SORACOM_PROFILE: 'wrong-key' })).listCredentials());
    expect(err).toMatchObject({ type: 'SoracomAuthFailed', httpStatus: 401 });
    expect(err.message).toContain(`Check authKeyId / authKey of SORACOM profile 'wrong-key' (${file})`);
    expect(err.message).not.toContain('secret-wrong-profile-key');
  });
});
