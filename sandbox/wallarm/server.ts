import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WallarmApiError, wallarmErrors } from './errors';
import { inferredRoutes } from './inferred-routes';
import { documentedRoutes, type Reply, type Route } from './routes';
import { WallarmStore, tokenModel, type ApiTokenRecord, type ClientSeed } from './store';

export type { ClientSeed, TokenSeed, UserSeed, ApiTokenRecord } from './store';
export { DISABLED_TOKEN_LIFETIME_MS } from './store';

export interface WallarmSandboxOptions {
  /** 0 (default) picks a free port */
  readonly port?: number;
  readonly host?: string;
  readonly clients: readonly ClientSeed[];
  /** Milliseconds since the epoch: expiry and the one-week deletion of disabled tokens follow it. */
  readonly now?: () => number;
  /** Whether expiry starts the one-week deletion countdown like disabling does (default true; notes §3.2 says "deactivated" for both). */
  readonly expiryDisables?: boolean;
  /** Requests per second per token (unpublished; notes §3.3). Over it: 429. */
  readonly requestsPerSecond?: number;
  /** Sent as Retry-After with a 429; whether Wallarm sends one is NOT FOUND, so by default none is. */
  readonly retryAfterSeconds?: number;
  /** Test hook: return true to answer `METHOD /path` with Wallarm's 403, as for a role the emulator does not model. */
  readonly denies?: (method: string, path: string, caller: { tokenId: number; userId: number }) => boolean;
  /** Test hook: return true to carry out `METHOD /path` and then drop the connection unanswered, as a lost response. */
  readonly dropsResponse?: (method: string, path: string) => boolean;
}

export interface RecordedExchange {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly evidence: Route['evidence'] | 'none';
}

export interface WallarmSandbox {
  /** Base URL, e.g. `http://127.0.0.1:1234`; routes are `/v1/…` and `/v2/…` below it, as on us1.api.wallarm.com */
  readonly endpoint: string;
  stop(): Promise<void>;
  /** Every token of a company, secrets included, after applying expiry and deletion (for assertions at the provider). */
  tokensOf(clientId: number): ApiTokenRecord[];
  /** One token as the API shows it (no secret), or undefined once deleted. */
  token(id: number | string): ReturnType<typeof tokenModel> | undefined;
  /** Every request answered so far, oldest first. */
  exchanges(): readonly RecordedExchange[];
}

export async function startWallarmSandbox(options: WallarmSandboxOptions): Promise<WallarmSandbox> {
  const now = options.now ?? Date.now;
  const store = new WallarmStore(options.clients, { now, expiryDisables: options.expiryDisables ?? true });
  const routes = [...documentedRoutes(store), ...inferredRoutes(store)];
  const matchers = routes.map((route) => ({ route, ...pathMatcher(route.template) }));
  const exchanges: RecordedExchange[] = [];
  const windows = new Map<string, { second: number; count: number }>();

  const enforceRateLimit = (secret: string) => {
    if (options.requestsPerSecond === undefined) return;
    const second = Math.floor(now() / 1000);
    const window = windows.get(secret);
    if (window === undefined || window.second !== second) return void windows.set(secret, { second, count: 1 });
    if (++window.count > options.requestsPerSecond) throw wallarmErrors.rateLimited(options.retryAfterSeconds);
  };

  const answer = (req: http.IncomingMessage, rawBody: string, path: string, found: { route: Route; params: Record<string, string> } | undefined): Reply => {
    store.settle();
    const secret = header(req, 'x-wallarmapi-token'); // Node lower-cases header names: X-WallarmAPI-Token works too
    const caller = store.authenticate(secret);
    enforceRateLimit(secret ?? '');
    if (found === undefined) throw wallarmErrors.notFound();
    if (options.denies?.(req.method ?? '', path, { tokenId: caller.token.id, userId: caller.user.id })) throw wallarmErrors.forbidden();
    return found.route.handle(found.params, parseJson(rawBody), caller);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
      const found = matchers.map((m) => ({ route: m.route, params: m.match(path) })).find((m) => m.params !== undefined && m.route.method === req.method);
      const match = found?.params === undefined ? undefined : { route: found.route, params: found.params };
      let reply: Reply;
      let headers: Readonly<Record<string, string>> = {};
      try {
        reply = answer(req, Buffer.concat(chunks).toString('utf8'), path, match);
      } catch (err) {
        const error = err instanceof WallarmApiError ? err : wallarmErrors.internal();
        if (!(err instanceof WallarmApiError)) process.stderr.write(`[wallarm sandbox] ${req.method} ${path}: ${String(err)}\n`);
        // W5: unexpected errors carry only `body`; every other answer is `{status, body}`
        reply = { status: error.status, json: error.status >= 500 ? { body: error.body } : error.envelope };
        headers = error.headers;
      }
      exchanges.push({ method: req.method ?? '', path, status: reply.status, evidence: match?.route.evidence ?? 'none' });
      if (reply.status < 400 && options.dropsResponse?.(req.method ?? '', path)) return void req.socket.destroy();
      res.writeHead(reply.status, { ...headers, 'Content-Type': 'application/json' }).end(JSON.stringify(reply.json));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    endpoint: `http://${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
    tokensOf: (clientId) => {
      store.settle();
      return [...store.tokens.values()].filter((t) => t.client_id === clientId).map((t) => ({ ...t, permissions: [...t.permissions] }));
    },
    token: (id) => {
      store.settle();
      const token = store.tokens.get(Number(id));
      return token === undefined ? undefined : structuredClone(tokenModel(token));
    },
    exchanges: () => [...exchanges],
  };
}

function pathMatcher(template: string): { match(path: string): Record<string, string> | undefined } {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${template.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}$`,
  );
  return {
    match: (path) => {
      const m = pattern.exec(path);
      if (m === null) return undefined;
      return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(m[i + 1] ?? '')]));
    },
  };
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw wallarmErrors.invalidField('body', 'not valid JSON');
  }
}
