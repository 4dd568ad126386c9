/**
 * The worker's scope: its variables parsed (errors name the variable), the name patterns, and where a file really is
 * (links and `..` followed) against the allowed directories or, by default, the worker's own SORACOM key file.
 */
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertCsmsSecretInScope, assertIamPathInScope, assertSoracomSetInScope, fileScopeGuard } from '../../src/activities/scope';
import { isVersionOf } from '../../src/activities/soracom';
import { allowedByPatterns, describeWorkerScope, workerScopeFromEnv } from '../../src/worker-scope';

describe('workerScopeFromEnv', () => {
  it('leaves everything unrestricted but files when no variable is set (or one is empty)', () => {
    expect(workerScopeFromEnv({})).toEqual({});
    expect(workerScopeFromEnv({ ROTATOR_FILE_DIRS: '', ROTATOR_ALLOW_IAM_PATH_PREFIXES: ' ', ROTATOR_ALLOW_SORACOM_SETS: '', ROTATOR_ALLOW_CSMS_SECRETS: '' })).toEqual({});
  });

  it('reads comma-separated lists, spaces around entries ignored', () => {
    expect(
      workerScopeFromEnv({
        ROTATOR_FILE_DIRS: '/var/lib/rotator, /etc/rotator/keys/',
        ROTATOR_ALLOW_IAM_PATH_PREFIXES: '/service/,/',
        ROTATOR_ALLOW_SORACOM_SETS: 'funnel-*, harvest-aws',
        ROTATOR_ALLOW_CSMS_SECRETS: 'app_*,*',
        UNRELATED: 'x',
      }),
    ).toEqual({
      fileDirs: ['/var/lib/rotator', '/etc/rotator/keys/'],
      iamPathPrefixes: ['/service/', '/'],
      soracomSets: ['funnel-*', 'harvest-aws'],
      csmsSecrets: ['app_*', '*'],
    });
  });

  it.each([
    [{ ROTATOR_FILE_DIRS: 'var/lib/rotator' }, /^worker scope: ROTATOR_FILE_DIRS: 'var\/lib\/rotator' must be an absolute directory, such as \/var\/lib\/rotator$/],
    [{ ROTATOR_FILE_DIRS: '/var/lib/rotator,' }, /ROTATOR_FILE_DIRS has an empty entry \(entries are separated by commas\)/],
    [{ ROTATOR_ALLOW_IAM_PATH_PREFIXES: '/service' }, /ROTATOR_ALLOW_IAM_PATH_PREFIXES: '\/service' must be an IAM path prefix that starts and ends with \//],
    [{ ROTATOR_ALLOW_IAM_PATH_PREFIXES: 'service/' }, /ROTATOR_ALLOW_IAM_PATH_PREFIXES: 'service\/' must be/],
    [{ ROTATOR_ALLOW_SORACOM_SETS: 'funnel-*-aws' }, /ROTATOR_ALLOW_SORACOM_SETS: 'funnel-\*-aws' must be a SORACOM credentials set id, or a prefix ending in \*/],
    [{ ROTATOR_ALLOW_SORACOM_SETS: 'funnel aws' }, /ROTATOR_ALLOW_SORACOM_SETS: 'funnel aws' must be/],
    [{ ROTATOR_ALLOW_CSMS_SECRETS: 'app.secret' }, /ROTATOR_ALLOW_CSMS_SECRETS: 'app.secret' must be a CSMS secret name, or a prefix ending in \*/],
  ])('refuses %p, naming the variable', (env, message) => {
    expect(() => workerScopeFromEnv(env)).toThrow(message);
  });

  it('reports every bad variable at once', () => {
    expect(() => workerScopeFromEnv({ ROTATOR_FILE_DIRS: 'rel', ROTATOR_ALLOW_CSMS_SECRETS: 'a*b' })).toThrow(/ROTATOR_FILE_DIRS: 'rel'.*; ROTATOR_ALLOW_CSMS_SECRETS: 'a\*b'/);
  });

  it('describes itself for the start-up log', () => {
    expect(describeWorkerScope({}, undefined)).toBe(
      'file consumers: none (ROTATOR_FILE_DIRS and SORACOM_AUTH_KEY_FILE unset); IAM user paths: any (ROTATOR_ALLOW_IAM_PATH_PREFIXES unset); ' +
        'SORACOM sets: any (ROTATOR_ALLOW_SORACOM_SETS unset); CSMS secrets: any (ROTATOR_ALLOW_CSMS_SECRETS unset)',
    );
    expect(describeWorkerScope({ iamPathPrefixes: ['/service/'] }, '/var/lib/rotator/key.json')).toMatch(
      /^file consumers: only \/var\/lib\/rotator\/key.json \(SORACOM_AUTH_KEY_FILE; ROTATOR_FILE_DIRS unset\); IAM user paths: \/service\/ \(ROTATOR_ALLOW_IAM_PATH_PREFIXES\);/,
    );
    expect(describeWorkerScope({ fileDirs: ['/a', '/b'] }, '/var/lib/rotator/key.json')).toMatch(/^file consumers under \/a, \/b \(ROTATOR_FILE_DIRS\);/);
  });
});

describe('names and paths in scope', () => {
  it('patterns: exact names, and prefixes with a trailing *', () => {
    expect(allowedByPatterns(['funnel-aws'], 'funnel-aws')).toBe(true);
    expect(allowedByPatterns(['funnel-aws'], 'funnel-aws-2')).toBe(false);
    expect(allowedByPatterns(['funnel-*'], 'funnel-aws')).toBe(true);
    expect(allowedByPatterns(['funnel-*'], 'funnel')).toBe(false);
    expect(allowedByPatterns(['*'], 'anything')).toBe(true);
    expect(allowedByPatterns([], 'anything')).toBe(false);
  });

  it('IAM: the user\'s path must start with an allowed prefix', () => {
    expect(() => assertIamPathInScope({}, 'u', '/legacy/')).not.toThrow();
    expect(() => assertIamPathInScope({ iamPathPrefixes: ['/service/'] }, 'u', '/service/team-a/')).not.toThrow();
    expect(() => assertIamPathInScope({ iamPathPrefixes: ['/service/'] }, 'service-u', '/')).toThrow(
      expect.objectContaining({
        type: 'OutOfScope',
        nonRetryable: true,
        message: "IAM user 'service-u' has the path /, outside this worker's scope: ROTATOR_ALLOW_IAM_PATH_PREFIXES allows /service/. Rotate a user under one of those paths, or add a prefix of / to ROTATOR_ALLOW_IAM_PATH_PREFIXES and restart the worker. No change was made.",
      }),
    );
  });

  it('SORACOM: a versioned consumer\'s dated set is in scope with the set it was named after', () => {
    const scope = { soracomSets: ['funnel-aws-20250101'] };
    const versionOf = (id: string) => isVersionOf('funnel-aws-20250101', id);
    expect(() => assertSoracomSetInScope(scope, 'funnel-aws-20250101', 'funnel-aws-20260101-2', versionOf)).not.toThrow();
    expect(() => assertSoracomSetInScope(scope, 'funnel-aws-20250101', 'funnel-aws-other', versionOf)).toThrow(/SORACOM credentials set 'funnel-aws-other' is outside this worker's scope: ROTATOR_ALLOW_SORACOM_SETS allows funnel-aws-20250101\. .*No change was made\.$/);
    // a dated set of an allowed name is not itself allowed when the consumer names another set
    expect(() => assertSoracomSetInScope(scope, 'other', 'funnel-aws-20260101', (id) => isVersionOf('other', id))).toThrow(/OutOfScope|outside this worker's scope/);
    expect(isVersionOf('funnel-aws', 'funnel-aws-20260101')).toBe(true);
    expect(isVersionOf('funnel-aws', 'funnel-awsx-20260101')).toBe(false);
    expect(isVersionOf('funnel-aws', 'funnel-aws-2026')).toBe(false);
  });

  it('CSMS: the secret name must be allowed', () => {
    expect(() => assertCsmsSecretInScope({ csmsSecrets: ['app-*'] }, 'app-aws')).not.toThrow();
    expect(() => assertCsmsSecretInScope({ csmsSecrets: ['app-*'] }, 'payroll-aws')).toThrow(/CSMS secret 'payroll-aws' is outside this worker's scope: ROTATOR_ALLOW_CSMS_SECRETS allows app-\*\./);
  });
});

describe('file scope', () => {
  // physical paths throughout: the OS temp directory may itself be reached through a link (macOS /tmp)
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'worker-scope-')));
  const allowed = path.join(root, 'allowed');
  const outside = path.join(root, 'outside');
  mkdirSync(path.join(allowed, 'nested'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'key.json'), '{}');
  symlinkSync(outside, path.join(allowed, 'to-outside'));
  symlinkSync(path.join(outside, 'key.json'), path.join(allowed, 'key-link.json'));
  symlinkSync(allowed, path.join(root, 'allowed-link'));
  const refused = (scope: Parameters<typeof fileScopeGuard>[0], file: string, message: RegExp) =>
    expect(fileScopeGuard(scope)(file)).rejects.toMatchObject({ type: 'OutOfScope', nonRetryable: true, message: expect.stringMatching(message) });

  it('ROTATOR_FILE_DIRS: files inside a directory, at any depth, whether they exist yet or not', async () => {
    const inScope = fileScopeGuard({ dirs: [allowed] });
    await expect(inScope(path.join(allowed, 'key.json'))).resolves.toBeUndefined();
    await expect(inScope(path.join(allowed, 'nested', 'key.json'))).resolves.toBeUndefined();
    await expect(inScope(path.join(allowed, 'missing-dir', 'key.json'))).resolves.toBeUndefined();
    // an allowed directory reached through a link, and a file named through a link to the allowed directory
    await expect(fileScopeGuard({ dirs: [path.join(root, 'allowed-link')] })(path.join(allowed, 'key.json'))).resolves.toBeUndefined();
    await expect(inScope(path.join(root, 'allowed-link', 'key.json'))).resolves.toBeUndefined();
  });

  it('ROTATOR_FILE_DIRS: refuses a file outside, the directory itself, `..` out of it, and links leading out', async () => {
    const scope = { dirs: [allowed] };
    await refused(scope, path.join(outside, 'key.json'), /is outside the directories this worker may write: ROTATOR_FILE_DIRS allows .*allowed\. .*No change was made\.$/);
    await refused(scope, allowed, /is outside the directories/);
    await refused(scope, `${allowed}/../outside/key.json`, /\/\.\.\/outside\/key\.json \(it resolves to .*\/outside\/key\.json\) is outside/);
    // a directory link inside pointing out: physically outside
    await refused(scope, path.join(allowed, 'to-outside', 'key.json'), /to-outside\/key\.json \(it resolves to .*\/outside\/key\.json\) is outside/);
    // `..` after a link is taken from where the link leads, as the kernel does: lexically this is allowed/new.json
    await refused(scope, `${allowed}/to-outside/../new.json`, /\(it resolves to .*\/worker-scope-[^/]+\/new\.json\) is outside/);
    // the file itself a link to outside
    await refused(scope, path.join(allowed, 'key-link.json'), /key-link\.json \(it resolves to .*\/outside\/key\.json\) is outside/);
    await refused(scope, 'relative/key.json', /file:relative\/key\.json is not an absolute path/);
  });

  it('by default, exactly the worker\'s own SORACOM key file', async () => {
    const own = path.join(allowed, 'soracom-auth-key.json');
    writeFileSync(own, '{}');
    await expect(fileScopeGuard({ ownKeyFile: own })(own)).resolves.toBeUndefined();
    await expect(fileScopeGuard({ ownKeyFile: path.join(root, 'allowed-link', 'soracom-auth-key.json') })(own)).resolves.toBeUndefined();
    await refused({ ownKeyFile: own }, path.join(allowed, 'other.json'), /other\.json is not this worker's own SORACOM key file \(SORACOM_AUTH_KEY_FILE .*soracom-auth-key\.json\), the only file it may write while ROTATOR_FILE_DIRS is unset\. To allow other files, set ROTATOR_FILE_DIRS/);
    await refused({ ownKeyFile: own }, `${own}.previous`, /is not this worker's own SORACOM key file/);
  });

  it('with neither ROTATOR_FILE_DIRS nor SORACOM_AUTH_KEY_FILE, no file at all, saying how to allow one', async () => {
    await refused({}, path.join(allowed, 'key.json'), /cannot be written: this worker may write no file, as neither ROTATOR_FILE_DIRS nor SORACOM_AUTH_KEY_FILE is set\. To allow it, set ROTATOR_FILE_DIRS to its directory .*No change was made\.$/);
  });
});
