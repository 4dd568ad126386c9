/**
 * Codec server for the Temporal UI (Temporal's codec-server contract): POST /encode and /decode with
 * `{payloads: [{metadata: {k: base64}, data: base64}]}`. Loopback by default; every request must carry the
 * token, as `Authorization: Bearer <token>` or as the first path segment (`/<token>/decode`), because the UI
 * can be pointed at a URL but cannot add a header of ours. CORS answers only the configured UI origin.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';

const WirePayloads = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })),
});
type WirePayloads = z.infer<typeof WirePayloads>;

const MAX_BODY_BYTES = 8 * 1024 * 1024; // above Temporal's 4 MB gRPC message limit: nothing legitimate is larger

export interface CodecServerOptions {
  codec: PayloadCodec;
  token: string;
  /** the Temporal UI's origin, e.g. http://127.0.0.1:8233; no other origin gets CORS headers */
  uiOrigin: string;
  host?: string;
  port?: number;
}

export interface CodecServer {
  url: string;
  /** the endpoint to give the Temporal UI (token in the path) */
  uiEndpoint: string;
  stop(): Promise<void>;
}

/** Constant-time token check: hashing first makes both sides the same length. */
function tokenMatches(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}

const fromWire = (p: WirePayloads['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toWire = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  if (options.token.length < 16) throw new Error('the codec server token must be at least 16 characters (ROTATOR_CODEC_SERVER_TOKEN)');
  const host = options.host ?? '127.0.0.1';

  const server = http.createServer((req, res) => {
    const headers: Record<string, string> = {};
    if (req.headers.origin === options.uiOrigin) {
      Object.assign(headers, {
        'Access-Control-Allow-Origin': options.uiOrigin,
        'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type, X-Namespace, Authorization',
        'Access-Control-Allow-Credentials': 'true',
        Vary: 'Origin',
      });
    }
    const reply = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.method === 'OPTIONS') return reply(204);

    const url = new URL(req.url ?? '/', 'http://codec');
    const segments = url.pathname.split('/').filter(Boolean);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const viaPath = segments.length === 2 && tokenMatches(segments[0]!, options.token);
    if (!viaPath && !(bearer && tokenMatches(bearer, options.token))) return reply(401, { message: 'unauthorized' });
    const action = segments.at(-1);
    if (req.method !== 'POST' || (action !== 'encode' && action !== 'decode')) return reply(404, { message: 'POST /encode or /decode' });

    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      let body: WirePayloads;
      try {
        body = WirePayloads.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        return reply(400, { message: 'body must be {"payloads": [{"metadata": {…}, "data": "<base64>"}]}' });
      }
      const payloads = body.payloads.map(fromWire);
      const run = action === 'encode' ? options.codec.encode(payloads) : options.codec.decode(payloads);
      run.then(
        (out) => reply(200, { payloads: out.map(toWire) }),
        // the reason (e.g. an unknown key id) helps the operator; it never contains payload contents
        (err: Error) => reply(400, { message: err.message }),
      );
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8888, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  return {
    url,
    uiEndpoint: `${url}/${encodeURIComponent(options.token)}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
