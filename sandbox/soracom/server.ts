import type http from 'node:http';
import { answerOrError, header, parseJson, routeTable, startJsonServer, type ApiErrors } from '../http-server';
import { authKeyRoutes } from './auth-key-routes';
import { SoracomApiError, soracomErrors, type TokenErrorStatus } from './errors';
import { RateLimiter, rateLimitHeaders, type RateLimits } from './rate-limits';
import { soracomRoutes, type Reply, type Route } from './routes';
import { SoracomStore, type AuthKeyRecord, type CredentialsRecord, type OperatorSeed } from './store';
import { groupModel, groupRoutes, newGroup, type GroupSeed } from './groups';

export type { OperatorSeed } from './store';
export type { RateLimits } from './rate-limits';
export type { GroupSeed } from './groups';

export interface SoracomSandboxOptions {
  /** 0 (default) picks a free port */
  readonly port?: number;
  readonly host?: string;
  readonly operators: readonly OperatorSeed[];
  readonly rateLimits?: RateLimits;
  /** Leave secret fields out of every CredentialsModel answered: whether SORACOM echoes them is unknown (provider-facts §1.3). */
  readonly redactSecrets?: boolean;
  /** Status for a missing, unknown or expired token; default 400, the only one the spec documents for an expired token. */
  readonly tokenErrorStatus?: TokenErrorStatus;
  /** Cap on AuthKeys per SAM user (unpublished; default 2). */
  readonly authKeysPerUser?: number;
  /** Deleting an AuthKey ends the API key/token pairs issued for it; whether SORACOM does is unknown (default false). */
  readonly revokeSessionsOnAuthKeyDelete?: boolean;
  /** Test hook: AuthKeys whose `/auth` is refused with 401 (a key SORACOM does not accept, or not yet). */
  readonly authFails?: (authKeyId: string) => boolean;
  /** HS256 key of the JWT-shaped API tokens `/auth` issues (sandbox/soracom/api-token.ts); random per sandbox by default. */
  readonly tokenSigningSecret?: string;
  /** Milliseconds since the epoch; tests move it to expire tokens and refresh rate-limit windows. */
  readonly now?: () => number;
  /** Test hook: SAM permissions the sandbox does not model; return true to deny `METHOD /path` with SORACOM's 403 AUM0017. */
  readonly denies?: (method: string, path: string) => boolean;
  /** listGroups page size without `limit` (SORACOM's is not published; default 100) */
  readonly groupsPerPage?: number;
}

export interface RecordedExchange {
  readonly method: string;
  /** path below `/v1`, e.g. `/credentials/x` */
  readonly path: string;
  readonly status: number;
}

export interface SoracomSandbox {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:1234/v1` */
  readonly endpoint: string;
  stop(): Promise<void>;
  /** The credentials sets an operator holds, secrets included (for assertions at the provider). */
  credentialsOf(operatorId: string): CredentialsRecord[];
  /** A SAM user's AuthKeys, secrets included. */
  authKeysOf(operatorId: string, userName: string): AuthKeyRecord[];
  /** Every request answered so far, oldest first. */
  exchanges(): readonly RecordedExchange[];
  /** Every API key/token pair `/auth` issued, secrets included. */
  sessions(): readonly { apiKey: string; token: string }[];
  /** An operator's groups as listGroups answers them (the spec's `Group`), for assertions at the provider. */
  groupsOf(operatorId: string): SandboxGroup[];
  /** Adds a group as an operator does in the console; returns its id. */
  addGroup(operatorId: string, seed: GroupSeed): string;
  /**
   * A SORACOM service (Funnel, Harvest …) uses the set, as it does for each message it forwards: its lastUsedDateTime
   * becomes now. Returns what the set holds then, as the service would read it.
   */
  useSet(operatorId: string, credentialsId: string): CredentialsRecord;
}

export interface SandboxGroup {
  readonly groupId: string;
  readonly tags: Record<string, string>;
  readonly configuration: Record<string, Record<string, unknown>>;
}

const apiRoot = '/v1';
const apiErrors: ApiErrors<SoracomApiError> = { type: SoracomApiError, internal: soracomErrors.internal, name: 'soracom sandbox' };

export async function startSoracomSandbox(options: SoracomSandboxOptions): Promise<SoracomSandbox> {
  const now = options.now ?? Date.now;
  const tokenErrorStatus = options.tokenErrorStatus ?? 400;
  const store = new SoracomStore(options.operators, now, options.tokenSigningSecret);
  const limiter = new RateLimiter(options.rateLimits ?? {}, now);
  const routes = [
    ...soracomRoutes({
      store,
      redactSecrets: options.redactSecrets ?? false,
      authKeysPerUser: options.authKeysPerUser ?? 2,
      revokeSessionsOnAuthKeyDelete: options.revokeSessionsOnAuthKeyDelete ?? false,
      authFails: options.authFails,
    }),
    // the spec's other AuthKey operations, with the same cap and session rule
    ...authKeyRoutes({ store, authKeysPerUser: options.authKeysPerUser ?? 2, revokeSessionsOnAuthKeyDelete: options.revokeSessionsOnAuthKeyDelete ?? false }),
    ...groupRoutes({ store, groupsPerPage: options.groupsPerPage ?? 100 }),
  ];
  const findRoute = routeTable(routes);
  const exchanges: RecordedExchange[] = [];

  /** Counts the request against its route's limit and sets the X-Soracom-Ratelimit-* headers; throws SORACOM's 429 when over. */
  const enforceRateLimit = (route: Route, subject: string, headers: Record<string, string>) => {
    const limit = limiter.take(routeKey(route), subject);
    if (limit === undefined) return;
    Object.assign(headers, rateLimitHeaders(limit));
    if (!limit.allowed) throw soracomErrors.rateLimited();
  };

  const answer = (req: http.IncomingMessage, rawBody: string, path: string, query: URLSearchParams, headers: Record<string, string>): Reply => {
    const found = findRoute(req.method, path);
    if (found === undefined) throw soracomErrors.routeNotFound();
    const { route, params } = found;
    if (route.public) {
      // /auth is limited per source IP, everything else per operator (provider-facts §1.3)
      enforceRateLimit(route, `ip:${req.socket.remoteAddress ?? ''}`, headers);
      return route.handle(params, parseBody(rawBody));
    }
    const session = store.sessionFor(header(req, 'x-soracom-api-key'), header(req, 'x-soracom-token'), tokenErrorStatus);
    enforceRateLimit(route, session.operatorId, headers);
    if (options.denies?.(req.method ?? '', path)) throw soracomErrors.permissionDenied();
    return route.handle(params, parseBody(rawBody), session, query);
  };

  const server = await startJsonServer({
    port: options.port,
    host: options.host,
    answer: (req, body) => {
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const path = url.pathname.startsWith(`${apiRoot}/`) ? url.pathname.slice(apiRoot.length) : '';
      const headers: Record<string, string> = {};
      const reply = answerOrError(() => answer(req, body.toString('utf8'), path, url.searchParams, headers), apiErrors, `${req.method} ${path}`, (error): Reply => ({ status: error.status, body: error.body }));
      exchanges.push({ method: req.method ?? '', path, status: reply.status });
      return { ...reply, headers: { ...reply.headers, ...headers } };
    },
  });

  return {
    endpoint: `${server.origin}${apiRoot}`,
    stop: server.stop,
    credentialsOf: (operatorId) => [...store.operator(operatorId).credentials.values()].map((c) => structuredClone(c)),
    authKeysOf: (operatorId, userName) => [...(store.operator(operatorId).users.get(userName)?.values() ?? [])].map((k) => ({ ...k })),
    exchanges: () => [...exchanges],
    sessions: () => store.issuedSessions(),
    groupsOf: (operatorId) => [...store.operator(operatorId).groups.values()].map((g) => groupModel(g) as SandboxGroup),
    addGroup: (operatorId, seed) => newGroup(store, operatorId, seed).groupId,
    useSet: (operatorId, credentialsId) => {
      const set = store.operator(operatorId).credentials.get(credentialsId);
      if (set === undefined) throw new Error(`operator ${operatorId} has no credentials set '${credentialsId}'`);
      set.lastUsedDateTime = store.unixSeconds();
      return structuredClone(set);
    },
  };
}

/** The route's name in `rateLimits`, e.g. `PUT /credentials/{credentials_id}`. */
function routeKey(route: Route): string {
  return `${route.method} ${route.template}`;
}

function parseBody(raw: string): unknown {
  return raw.trim() === '' ? undefined : parseJson(raw, () => soracomErrors.badRequest('Request body is not valid JSON'));
}
