import type http from 'node:http';
import { answerOrError, header, parseJson, routeTable, startJsonServer, type ApiErrors, type RouteMatch } from '../http-server';
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
  /**
   * Whether expiry starts the one-week deletion countdown like disabling does (default true; provider-facts §3.2
   * says "deactivated" for both).
   */
  readonly expiryDisables?: boolean;
  /** Requests per second per token (unpublished; provider-facts §3.3). Over it: 429. */
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

const apiErrors: ApiErrors<WallarmApiError> = { type: WallarmApiError, internal: wallarmErrors.internal, name: 'wallarm sandbox' };

export async function startWallarmSandbox(options: WallarmSandboxOptions): Promise<WallarmSandbox> {
  const now = options.now ?? Date.now;
  const store = new WallarmStore(options.clients, { now, expiryDisables: options.expiryDisables ?? true });
  const routes = [...documentedRoutes(store), ...inferredRoutes(store)];
  const findRoute = routeTable(routes);
  const exchanges: RecordedExchange[] = [];
  const windows = new Map<string, { second: number; count: number }>();

  const enforceRateLimit = (secret: string) => {
    if (options.requestsPerSecond === undefined) return;
    const second = Math.floor(now() / 1000);
    const window = windows.get(secret);
    if (window === undefined || window.second !== second) return void windows.set(secret, { second, count: 1 });
    if (++window.count > options.requestsPerSecond) throw wallarmErrors.rateLimited(options.retryAfterSeconds);
  };

  const answer = (req: http.IncomingMessage, rawBody: string, path: string, found: RouteMatch<Route> | undefined): Reply => {
    store.settle();
    const secret = header(req, 'x-wallarmapi-token'); // Node lower-cases header names: X-WallarmAPI-Token works too
    const caller = store.authenticate(secret);
    enforceRateLimit(secret ?? '');
    if (found === undefined) throw wallarmErrors.notFound();
    if (options.denies?.(req.method ?? '', path, { tokenId: caller.token.id, userId: caller.user.id })) throw wallarmErrors.forbidden();
    return found.route.handle(found.params, parseBody(rawBody), caller);
  };

  const server = await startJsonServer({
    port: options.port,
    host: options.host,
    answer: (req, body) => {
      const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
      const match = findRoute(req.method, path);
      let headers: Readonly<Record<string, string>> = {};
      const reply = answerOrError(() => answer(req, body.toString('utf8'), path, match), apiErrors, `${req.method} ${path}`, (error): Reply => {
        headers = error.headers;
        // W5: unexpected errors carry only `body`; every other answer is `{status, body}`
        return { status: error.status, json: error.status >= 500 ? { body: error.body } : error.envelope };
      });
      exchanges.push({ method: req.method ?? '', path, status: reply.status, evidence: match?.route.evidence ?? 'none' });
      if (reply.status < 400 && options.dropsResponse?.(req.method ?? '', path)) return undefined;
      return { status: reply.status, body: reply.json, headers };
    },
  });

  return {
    endpoint: server.origin,
    stop: server.stop,
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

function parseBody(raw: string): unknown {
  return raw.trim() === '' ? undefined : parseJson(raw, () => wallarmErrors.invalidField('body', 'not valid JSON'));
}
