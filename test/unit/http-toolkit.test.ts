import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { z } from 'zod';
import { ProviderError, retry } from '../../src/providers/errors';
import { createHttpClient } from '../../src/providers/http/client';
import { HttpProvider, type HttpAction } from '../../src/providers/http/provider';
import { httpDate, retryAfterMs } from '../../src/providers/http/retry-after';
import { scrub } from '../../src/providers/http/scrub';
import { isTransient, TRANSIENT_NETWORK_CODES } from '../../src/providers/http/transport';

const now = Date.UTC(2026, 4, 13, 12, 0, 0);

describe('Retry-After (RFC 9110 §10.2.3)', () => {
  it('reads delay-seconds', () => {
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs('12', now)).toBe(12_000);
    expect(retryAfterMs(' 120 ', now)).toBe(120_000); // a field value's surrounding white space is not part of it
  });

  it('reads an IMF-fixdate as the time left until then', () => {
    expect(retryAfterMs('Wed, 13 May 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
  });

  it('reads the obsolete rfc850 and asctime forms, both in GMT', () => {
    expect(retryAfterMs('Wednesday, 13-May-26 12:01:00 GMT', now)).toBe(60_000);
    expect(retryAfterMs('Wed May 13 12:00:05 2026', now)).toBe(5_000);
    expect(httpDate('Sun Nov  6 08:49:37 1994')).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
  });

  it('takes a two-digit year more than 50 years ahead as the most recent past one', () => {
    expect(httpDate('Sunday, 06-Nov-94 08:49:37 GMT', now)).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(httpDate('Friday, 06-Nov-37 08:49:37 GMT', now)).toBe(Date.UTC(2037, 10, 6, 8, 49, 37));
    expect(httpDate('Friday, 06-Nov-76 08:49:37 GMT', now)).toBe(Date.UTC(2076, 10, 6, 8, 49, 37)); // 50 years ahead: not more
    expect(httpDate('Saturday, 06-Nov-77 08:49:37 GMT', now)).toBe(Date.UTC(1977, 10, 6, 8, 49, 37));
  });

  it('reads every month and day name in each form', () => {
    const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
    const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
    const longDays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
    months.forEach((month, i) => {
      const at = Date.UTC(2027, i, 9, 7, 5, 3);
      const day = new Date(at).getUTCDay();
      expect(httpDate(`${days[day]}, 09 ${month} 2027 07:05:03 GMT`, now)).toBe(at);
      expect(httpDate(`${longDays[day]}, 09-${month}-27 07:05:03 GMT`, now)).toBe(at);
      expect(httpDate(`${days[day]} ${month}  9 07:05:03 2027`, now)).toBe(at);
    });
    for (const [i, name] of days.entries()) expect(httpDate(`${name}, 0${i + 1} Jan 2027 00:00:00 GMT`, now)).toBe(Date.UTC(2027, 0, i + 1));
    for (const [i, name] of longDays.entries()) expect(httpDate(`${name}, 0${i + 1}-Jan-27 00:00:00 GMT`, now)).toBe(Date.UTC(2027, 0, i + 1));
  });

  it('takes the last second of a day and a leap second, and no clock beyond', () => {
    expect(httpDate('Thu, 31 Dec 2026 23:59:59 GMT', now)).toBe(Date.UTC(2026, 11, 31, 23, 59, 59));
    expect(httpDate('Thu, 31 Dec 2026 23:59:60 GMT', now)).toBe(Date.UTC(2027, 0, 1, 0, 0, 0));
    for (const clock of ['24:00:00', '23:60:00', '23:59:61']) expect(httpDate(`Thu, 31 Dec 2026 ${clock} GMT`, now)).toBeUndefined();
  });

  it('a date already past means no wait', () => {
    expect(retryAfterMs('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBe(0);
  });

  it.each([
    ['a word', 'soon'],
    ['a fraction', '1.5'],
    ['a negative number', '-5'],
    ['an exponent', '1e3'],
    ['hex', '0x10'],
    ['text that Date.parse would read as 2001', 'tomorrow 3'],
    ['another', 'x 1'],
    ['an ISO date, not an HTTP-date', '2026-05-13T12:00:30Z'],
    ['an IMF-fixdate in another zone', 'Wed, 13 May 2026 12:00:30 UTC'],
    ['an impossible day', 'Mon, 31 Feb 2026 12:00:30 GMT'],
    ['an impossible hour', 'Wed, 13 May 2026 25:00:30 GMT'],
    ['empty', ''],
    ['blank', '   '],
  ])('garbage is no advice: %s (%j)', (_what, value) => {
    expect(retryAfterMs(value, now)).toBeUndefined();
  });

  it('an absent or non-text header is no advice', () => {
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs(30, now)).toBeUndefined();
    expect(retryAfterMs(['30'], now)).toBeUndefined();
  });
});

describe('scrub', () => {
  it('replaces every occurrence of every secret', () => {
    expect(scrub('token s3cr3t-token, again s3cr3t-token; key AKSECRET', ['s3cr3t-token', 'AKSECRET'])).toBe('token ***, again ***; key ***');
  });

  it('leaves strings under 4 characters alone: they would garble the text and hide nothing', () => {
    expect(scrub('HTTP 403 abc', ['abc', '', '403'])).toBe('HTTP 403 abc');
    expect(scrub('HTTP 403 abcd', ['abcd'])).toBe('HTTP 403 ***');
  });
});

interface TestAction extends HttpAction {
  readonly thing?: string;
}

const kit = new HttpProvider<TestAction>({
  provider: 'example',
  describe: ({ operation, thing }) => (thing === undefined ? `Example ${operation}` : `Example ${operation} of '${thing}'`),
  endpointHint: 'Check EXAMPLE_ENDPOINT.',
  types: { unreachable: 'ExampleUnreachable', endpointInvalid: 'ExampleEndpointInvalid', unexpectedResponse: 'ExampleUnexpectedResponse' },
});
const action: TestAction = { operation: 'putThing', thing: 'one', endpoint: 'http://example.invalid' };

describe('transport errors', () => {
  // listed here, not read from the set: dropping a code from it must fail this test
  const transient = ['ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT'];

  it('one set of transient codes, as the three providers had', () => {
    expect([...TRANSIENT_NETWORK_CODES].sort()).toEqual([...transient].sort());
  });

  it.each(transient)('%s is transient: retried under the provider’s Unreachable name', (code) => {
    const e = kit.transportFailure(action, { code, message: 'x' }, []);
    expect(e).toMatchObject({ provider: 'example', type: 'ExampleUnreachable', disposition: retry });
    expect(e.message).toBe(`Example putThing of 'one' failed: no answer from http://example.invalid (${code}: x). Retrying.`);
  });

  it('a hang-up or timeout named only in the message is transient too', () => {
    expect(isTransient({ message: 'socket hang up' })).toBe(true);
    expect(isTransient({ code: 'ERR_UNKNOWN', message: 'timeout of 30000ms exceeded' })).toBe(true);
  });

  it.each(['ENOTFOUND', 'ERR_INVALID_URL', 'ERR_BAD_REQUEST', undefined])('%s fails fast with the provider’s fix hint', (code) => {
    const e = kit.transportFailure(action, { ...(code === undefined ? {} : { code }), message: 'bad' }, []);
    expect(e).toMatchObject({ type: 'ExampleEndpointInvalid', disposition: { kind: 'fail' } });
    expect(e.message).toBe(`Example putThing of 'one' failed: no answer from http://example.invalid (${code ?? 'error'}: bad). Check EXAMPLE_ENDPOINT.`);
  });

  it('scrubs secrets from the message and the cause, and never keeps the client error (its config holds the credentials)', () => {
    const e = kit.transportFailure(action, { code: 'ECONNRESET', message: 'reset while sending s3cr3t-value' }, ['s3cr3t-value']);
    expect(e.message).not.toContain('s3cr3t-value');
    expect(e.cause).toBeInstanceOf(Error);
    expect((e.cause as Error).message).toBe('reset while sending ***');
  });

  it('send() turns a refused connection into a classified ProviderError', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const client = createHttpClient({ baseURL: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    const err: unknown = await kit.send(client, action, { method: 'GET', url: '/' }, () => []).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ type: 'ExampleUnreachable', disposition: retry });
  });
});

describe('answers', () => {
  it('a failure names the call, what the provider said and the hint, scrubbed, with the HTTP status', () => {
    const fail = kit.answerFailure(action, { status: 409 }, 'HTTP 409 "value s3cr3t-value exists"', ['s3cr3t-value']);
    const e = fail('ExampleConflict', 'Delete it first.');
    expect(e).toMatchObject({ provider: 'example', type: 'ExampleConflict', disposition: { kind: 'fail' }, httpStatus: 409 });
    expect(e.message).toBe(`Example putThing of 'one' failed: HTTP 409 "value *** exists". Delete it first.`);
    expect(fail('ExampleBusy', 'Retrying.', retry).disposition).toBe(retry);
  });

  it('parsed() returns a 2xx body the schema reads', () => {
    expect(kit.parsed(action, { status: 200, data: { id: 7 } }, z.object({ id: z.number() }))).toEqual({ id: 7 });
  });

  it('parsed() fails fast on any other body, naming paths and kinds only, never the values', () => {
    const schema = z.object({ id: z.number(), secret: z.string() });
    let err: unknown;
    try {
      kit.parsed(action, { status: 201, data: { id: 'not-a-number', secret: 42, extra: 's3cr3t-value' } }, schema);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ type: 'ExampleUnexpectedResponse', disposition: { kind: 'fail' }, httpStatus: 201 });
    expect((err as Error).message).toBe(`Example putThing of 'one': HTTP 201 with an unexpected body (id: invalid_type; secret: invalid_type).`);
    expect((err as Error).message).not.toMatch(/not-a-number|s3cr3t/);
  });
});

describe('the HTTP client', () => {
  let server: http.Server;
  let baseURL: string;
  const seen: http.IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('returns every answer, whatever its status: the provider’s table classifies it', async () => {
    const client = createHttpClient({ baseURL });
    expect((await client.get('/missing')).status).toBe(404);
  });

  it('names the rotation and activity attempt in the User-Agent inside an activity, and keeps the client’s headers', async () => {
    const client = createHttpClient({ baseURL, headers: { 'X-Example-Lang': 'en' } });
    const env = new MockActivityEnvironment({ activityType: 'createCredential', activityId: '3', attempt: 2 });
    await env.run(() => client.get('/'));
    const headers = seen.at(-1)!;
    expect(headers['user-agent']).toMatch(/^credential-rotator \(rotation .+; createCredential 3 attempt 2\)$/);
    expect(headers['x-example-lang']).toBe('en');
  });

  it('outside an activity (the CLI) it sends no rotation context', async () => {
    const client = createHttpClient({ baseURL });
    await client.get('/');
    expect(seen.at(-1)!['user-agent']).not.toMatch(/credential-rotator/);
  });

  it('sends a body exactly as given when asked to (a signed body), where axios would re-encode it', async () => {
    const sent = async (bodyAsIs: boolean, body: string) => {
      let received = '';
      server.once('request', (req: http.IncomingMessage) => req.on('data', (chunk: Buffer) => (received += chunk.toString())));
      await createHttpClient({ baseURL, bodyAsIs }).post('/', body, { headers: { 'content-type': 'application/json;charset=UTF-8' } });
      return received;
    };
    expect(await sent(true, ' {"b":1,  "a":2}\n')).toBe(' {"b":1,  "a":2}\n');
    expect(await sent(false, ' {"b":1,  "a":2}\n')).toBe('{"b":1,  "a":2}'); // what the signature would no longer match
  });
});
