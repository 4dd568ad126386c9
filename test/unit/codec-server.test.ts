import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { startCodecServer, type CodecServer } from '../../src/codec/codec-server';
import { EncryptionCodec } from '../../src/codec/encryption-codec';
import { parseKeyRing } from '../../src/codec/key-ring';

const token = 'codec-test-token-0123456789';
const uiOrigin = 'http://127.0.0.1:8233';
const codec = new EncryptionCodec(parseKeyRing(`k1:${randomBytes(32).toString('base64')}`));

describe('codec server', () => {
  let server: CodecServer;
  beforeAll(async () => {
    server = await startCodecServer({ codec, token, uiOrigin, port: 0 });
  });
  afterAll(async () => {
    await server.stop();
  });

  const encryptedBody = async () => {
    const [p] = await codec.encode([defaultPayloadConverter.toPayload({ secretAccessKey: 'very-secret' })]);
    return JSON.stringify({
      payloads: [{ metadata: Object.fromEntries(Object.entries(p!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(p!.data!).toString('base64') }],
    });
  };
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });

  it('answers 401 without a token or with a wrong one', async () => {
    const body = await encryptedBody();
    expect((await post('/decode', body)).status).toBe(401);
    expect((await post('/decode', body, { Authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
    expect((await post('/wrong-token-wrong-token/decode', body)).status).toBe(401);
  });

  it('decodes with the bearer token and with the token in the path (the UI endpoint form)', async () => {
    for (const response of [await post('/decode', await encryptedBody(), { Authorization: `Bearer ${token}` }), await fetch(`${server.uiEndpoint}/decode`, { method: 'POST', body: await encryptedBody() })]) {
      expect(response.status).toBe(200);
      const { payloads } = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
      expect(JSON.parse(Buffer.from(payloads[0]!.data, 'base64').toString())).toEqual({ secretAccessKey: 'very-secret' });
    }
  });

  it('encodes so that decode round-trips', async () => {
    const plain = JSON.stringify({ payloads: [{ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"x"').toString('base64') }] });
    const encoded = await (await post('/encode', plain, { Authorization: `Bearer ${token}` })).json();
    const decoded = (await (await post('/decode', JSON.stringify(encoded), { Authorization: `Bearer ${token}` })).json()) as { payloads: { data: string }[] };
    expect(Buffer.from(decoded.payloads[0]!.data, 'base64').toString()).toBe('"x"');
  });

  it('sends CORS headers only to the configured UI origin', async () => {
    const preflight = (origin: string) => fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: origin } });
    expect((await preflight(uiOrigin)).headers.get('access-control-allow-origin')).toBe(uiOrigin);
    expect((await preflight('http://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rejects a malformed body with 400', async () => {
    expect((await post('/decode', '{"nope":1}', { Authorization: `Bearer ${token}` })).status).toBe(400);
  });
});
