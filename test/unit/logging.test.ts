/**
 * The worker's log redaction, watched as it writes: a logger built by `createLogger` writes into a capture stream, and
 * each test reads the JSON lines it wrote. Secret fields are redacted at any depth (the worker logs meta → error →
 * response → headers, and deeper), in arrays and errors too, under every name the providers and sources declare; text
 * shaped like a secret is removed from messages; everything else is left as it was.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createLogger, logLevelFromEnv, scrubSecretShapes, SECRET_FIELDS, temporalLogger } from '../../src/logging';

/** A pino destination that keeps every line written to it. */
function capture() {
  const lines: string[] = [];
  return {
    stream: { write: (line: string) => void lines.push(line) },
    lines,
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => lines.join(''),
  };
}

const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'; // 40 characters of base64, as IAM issues them
const SORACOM_AUTH_KEY = 'secret-4f0b2c9e-7d1a-4e55-9a3b-0c6d8e2f1a77';
const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYS0xIn0.eyJzdWIiOiJvcGVyYXRvciJ9.c2lnbmF0dXJlLWJ5dGVz';

// Every name a secret travels under, as the README lists them: HTTP's, each provider's headers and each source's fields.
// Written out here rather than read from SECRET_FIELDS, so a name dropped from the registry fails this test.
const SECRET_NAMES = [
  'secret',
  'password',
  'authorization',
  'Authorization',
  'secretAccessKey',
  'SecretAccessKey',
  'secret_access_key',
  'secretString',
  'secret_string',
  'authKey',
  'apiKey',
  'token',
  'x-soracom-token',
  'x-soracom-api-key',
  'x-wallarmapi-token',
  'X-WallarmApi-Token',
];

/** `{a: {b: {c: leaf}}}` for path ['a', 'b', 'c']. */
const nest = (keys: string[], leaf: unknown): Record<string, unknown> => keys.reduceRight<unknown>((inner, key) => ({ [key]: inner }), leaf) as Record<string, unknown>;
const at = (record: Record<string, unknown>, keys: string[]): unknown => keys.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], record);

describe('createLogger: secret fields', () => {
  it('declares exactly the secret names the providers and sources use', () => {
    expect([...SECRET_FIELDS].sort()).toEqual([...SECRET_NAMES].sort());
  });

  // meta → error → response → headers, and further down: each level tried under every secret name
  const parents = [[], ['error'], ['error', 'response'], ['error', 'response', 'headers'], ['a', 'b', 'c', 'd'], ['a', 'b', 'c', 'd', 'e', 'f', 'g']];
  it.each(SECRET_NAMES)('redacts %s at the top and at every depth below, and nothing beside it', (name) => {
    const out = capture();
    const logger = createLogger({ destination: out.stream });
    for (const parent of parents) {
      const value = `value-of-${name}-${parent.length}-0123456789`;
      logger.info({ ...nest([...parent, name], value), ...nest(['public', ...parent.map((p) => `${p}Id`)], 'AKIAPUBLICKEY0000001') }, 'calling the provider');
    }
    const records = out.records();
    expect(records).toHaveLength(parents.length);
    for (const [i, parent] of parents.entries()) {
      expect({ depth: i, value: at(records[i]!, [...parent, name]) }).toEqual({ depth: i, value: '[redacted]' });
      // what sits beside a secret is kept as it was
      expect(at(records[i]!, ['public', ...parent.map((p) => `${p}Id`)])).toBe('AKIAPUBLICKEY0000001');
      expect(records[i]!.msg).toBe('calling the provider');
    }
    expect(out.text()).not.toContain(`value-of-${name}`);
  });

  it('redacts secrets in arrays, in an error’s own fields (an HTTP client’s error holds its request headers) and in its message, and survives a cycle', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream });
    const clientError = Object.assign(new TypeError(`request failed with ${AWS_SECRET}`), { config: { headers: { 'X-WallarmApi-Token': 'tok-in-error-0123456789' }, url: '/v2/api_tokens' } });
    const cyclic: Record<string, unknown> = { apiKey: 'api-key-in-cycle-0123' };
    cyclic.self = cyclic;
    logger.error({ err: clientError, sets: [{ credentialsId: 'a', credentials: { secretAccessKey: 'in-array-0123456789' } }], cyclic }, 'failed');
    const [record] = out.records();
    expect(record).toMatchObject({
      err: { type: 'TypeError', message: 'request failed with [redacted]', config: { headers: { 'X-WallarmApi-Token': '[redacted]' }, url: '/v2/api_tokens' } },
      sets: [{ credentialsId: 'a', credentials: { secretAccessKey: '[redacted]' } }],
      cyclic: { apiKey: '[redacted]', self: '[circular]' },
    });
    expect(String((record!.err as { stack: string }).stack)).toMatch(/^TypeError: request failed with \[redacted\]\n/);
    for (const secret of [AWS_SECRET, 'tok-in-error', 'in-array-0123', 'api-key-in-cycle']) expect(out.text()).not.toContain(secret);
    // the logged objects themselves are left as they were
    expect(clientError.config.headers['X-WallarmApi-Token']).toBe('tok-in-error-0123456789');
    expect(cyclic.apiKey).toBe('api-key-in-cycle-0123');
  });

  it('keeps null, numbers and booleans as they were, and an error without a stack gets none', () => {
    const out = capture();
    const stackless = new Error('no stack');
    delete stackless.stack;
    createLogger({ destination: out.stream }).info({ deleteAt: null, nested: { revokedAt: null, count: 3, active: false }, err: stackless }, 'plain values');
    const [record] = out.records();
    expect(record).toMatchObject({ deleteAt: null, nested: { revokedAt: null, count: 3, active: false }, err: { message: 'no stack' } });
    expect((record!.err as { stack?: string }).stack ?? '').toBe('');
  });

  it('keeps public ids whose names merely contain a secret name (tokenId, secretName, authKeyId)', () => {
    const out = capture();
    createLogger({ destination: out.stream }).info({ tokenId: 1234, secretName: 'app-aws', passwordPolicy: 'strong', user: { authKeyId: 'keyId-abc' } }, 'ids only');
    expect(out.records()[0]).toMatchObject({ tokenId: 1234, secretName: 'app-aws', passwordPolicy: 'strong', user: { authKeyId: 'keyId-abc' } });
  });

  it('each line carries the service, the pid, an ISO time and the level', () => {
    const out = capture();
    createLogger({ destination: out.stream }).warn('a warning');
    const [record] = out.records();
    expect(record).toMatchObject({ service: 'credential-rotator', pid: process.pid, level: 40, msg: 'a warning' });
    expect(record!.time).toEqual(new Date(String(record!.time)).toISOString());
  });

  it('logs at info by default and at the level it is given', () => {
    const quiet = capture();
    const byDefault = createLogger({ destination: quiet.stream });
    byDefault.debug('hidden');
    byDefault.info('shown');
    expect(quiet.records().map((r) => r.msg)).toEqual(['shown']);
    const loud = capture();
    createLogger({ level: 'debug', destination: loud.stream }).debug('shown at debug');
    expect(loud.records().map((r) => [r.level, r.msg])).toEqual([[20, 'shown at debug']]);
  });

  it('writes to stderr when given no destination (stdout is the CLI’s, for --json), line by line: a worker killed right after logging leaves every line', async () => {
    expect(() => createLogger()).not.toThrow();
    const logging = JSON.stringify(path.resolve(__dirname, '../../src/logging.ts'));
    // SIGKILL, as the OOM killer or a chaos test ends a worker: nothing buffered survives it
    const script = `const l = require(${logging}).createLogger(); for (let i = 0; i < 500; i++) l.info({ token: 'tok-0123456789abcdef', i }, 'to stderr'); process.kill(process.pid, 'SIGKILL')`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], { env: { ...process.env, NODE_OPTIONS: '' } }).catch(
      (err: { stdout: string; stderr: string; signal: string }) => {
        expect(err.signal).toBe('SIGKILL');
        return err;
      },
    );
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(500);
    expect(JSON.parse(lines[499]!)).toMatchObject({ msg: 'to stderr', token: '[redacted]', i: 499 });
  });
});

describe('createLogger: secret-shaped text in messages', () => {
  it('removes secrets from the message and from string arguments, keeps objects for the field redaction', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream });
    logger.info(`created ${AWS_SECRET} for funnel`);
    logger.info({ accessKeyId: 'AKIAPUBLICKEY0000001' }, 'sent %s to %s', SORACOM_AUTH_KEY, 'soracom:set-a');
    const [first, second] = out.records();
    expect(first!.msg).toBe('created [redacted] for funnel');
    expect(second).toMatchObject({ msg: 'sent [redacted] to soracom:set-a', accessKeyId: 'AKIAPUBLICKEY0000001' });
    expect(out.text()).not.toContain(AWS_SECRET);
    expect(out.text()).not.toContain(SORACOM_AUTH_KEY);
  });
});

describe('scrubSecretShapes', () => {
  it.each([
    ['an AWS secret access key', `key ${AWS_SECRET} here`, 'key [redacted] here'],
    ['an AWS secret with / and +', `(${'a/b+'.repeat(10)})`, '([redacted])'],
    ['a SORACOM AuthKey', `auth ${SORACOM_AUTH_KEY}.`, 'auth [redacted].'],
    ['a JWT', `jwt ${JWT} end`, 'jwt [redacted] end'],
    ['a bearer token', 'Authorization: Bearer abcdefgh.1234_~+/', 'Authorization: Bearer [redacted]'],
    ['a bearer token, any case', 'bearer ABCDEFGHIJ==', 'bearer [redacted]'],
    ['token=', 'url?token=abcdefgh12345678&x=1', 'url?token= [redacted]&x=1'],
    ['token:', 'TOKEN: abcdefgh12345678', 'TOKEN: [redacted]'],
    ['several at once', `${AWS_SECRET} and ${SORACOM_AUTH_KEY}`, '[redacted] and [redacted]'],
  ])('removes %s', (_what, text, scrubbed) => {
    expect(scrubSecretShapes(text)).toBe(scrubbed);
  });

  it.each([
    ['an access key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['39 characters of base64', 'a'.repeat(39)],
    ['41 characters of base64: a longer run is no AWS secret', 'b'.repeat(41)],
    ['40 characters inside a longer run', `x${'c'.repeat(40)}`],
    ['40 characters followed by base64 padding', `${'d'.repeat(40)}=`],
    ['an ARN', 'arn:aws:iam::123456789012:user/funnel-writer'],
    ['a SORACOM AuthKey id', 'keyId-0123456789abcdef'],
    ['a short "secret-" word', 'a secret-abc was named'],
    ['"secret-" inside a word', 'topsecret-0123456789'],
    ['a JWT-like word too short to be one', 'eyJabc.def.ghi'],
    ['"eyJ" inside a word', 'keyJ0123456789abcdef.abc.def'],
    ['a short bearer value', 'Bearer abc'],
    ['a token id', 'token 1234 of company 7'],
    ['a rotation id', 'aws-iam:123456789012:funnel-writer'],
  ])('keeps %s', (_what, text) => {
    expect(scrubSecretShapes(text)).toBe(text);
  });
});

describe('temporalLogger: the SDK, workflow and activity loggers write through the same redaction', () => {
  it('maps each Temporal level to pino’s, keeps meta, and turns an Error into its type and scrubbed message', () => {
    const out = capture();
    const log = temporalLogger(createLogger({ level: 'trace', destination: out.stream }));
    log.trace('t', { a: 1 });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e', { error: new TypeError(`bad key ${AWS_SECRET}`), rotationId: 'aws-iam:123456789012:u' });
    log.log('WARN', 'l', { token: 'tok-0123456789abcdef' });
    const records = out.records();
    expect(records.map((r) => [r.level, r.msg])).toEqual([
      [10, 't'],
      [20, 'd'],
      [30, 'i'],
      [40, 'w'],
      [50, 'e'],
      [40, 'l'],
    ]);
    expect(records[0]).toMatchObject({ a: 1 });
    expect(records[4]).toMatchObject({ error: { type: 'TypeError', message: 'bad key [redacted]' }, rotationId: 'aws-iam:123456789012:u' });
    expect(records[5]).toMatchObject({ token: '[redacted]' });
    expect(out.text()).not.toContain(AWS_SECRET);
  });
});

describe('ROTATOR_LOG_LEVEL', () => {
  it('is info by default, any case, and one of five levels', () => {
    expect(logLevelFromEnv({})).toBe('info');
    expect(logLevelFromEnv({ ROTATOR_LOG_LEVEL: 'DEBUG' })).toBe('debug');
    for (const level of ['trace', 'debug', 'info', 'warn', 'error']) expect(logLevelFromEnv({ ROTATOR_LOG_LEVEL: level })).toBe(level);
    expect(() => logLevelFromEnv({ ROTATOR_LOG_LEVEL: 'verbose' })).toThrow("ROTATOR_LOG_LEVEL='verbose' must be trace, debug, info, warn or error");
  });
});
