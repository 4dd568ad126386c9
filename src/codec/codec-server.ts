/**
 * Codec server for the Temporal UI (Temporal's codec-server contract): POST /encode and /decode with
 * `{payloads: [{metadata: {k: base64}, data: base64}]}`. Loopback by default; every request must carry a credential:
 * - the static token, as `Authorization: Bearer <token>` or as the first path segment (`/<token>/decode`), because the
 *   UI can be pointed at a URL but cannot add a header of ours;
 * - or, with OIDC configured, the bearer JWT the UI forwards when `codec.passAccessToken` is on (access-token.ts).
 * Either is enough; with OIDC the static token is optional. CORS answers only the configured UI origin.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import type { AccessTokenVerifier, Verdict } from './access-token';

const WirePayloads = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() })),
});
type WirePayloads = z.infer<typeof WirePayloads>;

const MAX_BODY_BYTES = 8 * 1024 * 1024; // above Temporal's 4 MB gRPC message limit: nothing legitimate is larger

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** the static token; optional when `accessTokens` is given */
  token?: string;
  /** verifies bearer JWTs from the UI's OIDC login */
  accessTokens?: AccessTokenVerifier;
  /** told why a request was refused: a check's name, never the credential */
  onRefusal?: (reason: string) => void;
  /** the Temporal UI's origin, e.g. http://127.0.0.1:8233; no other origin gets CORS headers */
  uiOrigin: string;
  host?: string;
  port?: number;
}

export interface CodecServer {
  url: string;
  /** the endpoint to give the Temporal UI (the static token in the path, if there is one) */
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

const ACCEPTED: Verdict = { accepted: true };

/** The static token (path or bearer) first, as before; otherwise the bearer must be a JWT the issuer signed. */
async function authenticate(req: http.IncomingMessage, segments: string[], options: CodecServerOptions): Promise<Verdict> {
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const { token, accessTokens } = options;
  if (token !== undefined && segments.length === 2 && tokenMatches(segments[0]!, token)) return ACCEPTED;
  if (token !== undefined && bearer && tokenMatches(bearer, token)) return ACCEPTED;
  if (bearer && accessTokens) return accessTokens.verify(bearer);
  return { accepted: false, status: 401, reason: bearer ? 'bearer is not the token' : 'no credential' };
}

function corsHeaders(req: http.IncomingMessage, uiOrigin: string): Record<string, string> {
  if (req.headers.origin !== uiOrigin) return {};
  return {
    'Access-Control-Allow-Origin': uiOrigin,
    'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, X-Namespace, Authorization',
    'Access-Control-Allow-Credentials': 'true',
    Vary: 'Origin',
  };
}

/** The body, or undefined when it is larger than any legitimate one. */
function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else {
        resolve(undefined);
        req.destroy();
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

type Reply = (status: number, body?: unknown) => void;

async function handle(req: http.IncomingMessage, reply: Reply, options: CodecServerOptions): Promise<void> {
  if (req.method === 'OPTIONS') return reply(204);
  // not new URL(req.url, base): `//decode` (the UI's form for an endpoint ending in `/`) would parse as a host
  const segments = (req.url ?? '/').split('?')[0]!.split('/').filter(Boolean);
  const verdict = await authenticate(req, segments, options);
  if (!verdict.accepted) {
    options.onRefusal?.(verdict.reason);
    return reply(verdict.status, { message: verdict.status === 401 ? 'unauthorized' : 'cannot verify access tokens now: the issuer\'s keys are unreachable' });
  }
  const action = segments.at(-1);
  if (req.method !== 'POST' || (action !== 'encode' && action !== 'decode')) return reply(404, { message: 'POST /encode or /decode' });

  const raw = await readBody(req);
  if (raw === undefined) return;
  let body: WirePayloads;
  try {
    body = WirePayloads.parse(JSON.parse(raw.toString('utf8')));
  } catch {
    return reply(400, { message: 'body must be {"payloads": [{"metadata": {…}, "data": "<base64>"}]}' });
  }
  const payloads = body.payloads.map(fromWire);
  try {
    const out = await (action === 'encode' ? options.codec.encode(payloads) : options.codec.decode(payloads));
    reply(200, { payloads: out.map(toWire) });
  } catch (err) {
    // the reason (e.g. an unknown key id) helps the operator; it never contains payload contents
    reply(400, { message: (err as Error).message });
  }
}

export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  if (options.token === undefined && options.accessTokens === undefined) throw new Error('the codec server needs a token (ROTATOR_CODEC_SERVER_TOKEN) or an OIDC issuer (ROTATOR_CODEC_OIDC_ISSUER)');
  if (options.token !== undefined && options.token.length < 16) throw new Error('the codec server token must be at least 16 characters (ROTATOR_CODEC_SERVER_TOKEN)');
  const host = options.host ?? '127.0.0.1';

  const server = http.createServer((req, res) => {
    const headers = corsHeaders(req, options.uiOrigin);
    const reply: Reply = (status, body) => {
      res.writeHead(status, body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    handle(req, reply, options).catch(() => {
      if (!res.headersSent) reply(500, { message: 'internal error' });
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
    uiEndpoint: options.token === undefined ? url : `${url}/${encodeURIComponent(options.token)}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
