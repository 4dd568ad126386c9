import { randomUUID } from 'node:crypto';
import { answerOrError, parseJson, routeTable, startJsonServer, type ApiErrors, type RouteMatch } from '../http-server';
import { CsmsApiError, csmsErrors } from './errors';
import { csmsRoutes, type Reply, type Route } from './routes';
import { formatSdkDate, headerValue, parseAuthorization, parseSdkDate, signatureMatches, type ReceivedRequest } from './signature';
import { CsmsStore, type AccountSeed, type SecretRecord, type Value } from './store';

export type { AccountSeed } from './store';

export interface CsmsSandboxOptions {
  /** 0 (default) picks a free port */
  readonly port?: number;
  readonly host?: string;
  readonly accounts: readonly AccountSeed[];
  /** Milliseconds since the epoch; tests move it to reach a scheduled deletion or a signature's expiry. */
  readonly now?: () => number;
  /** Unit of every timestamp answered; default 'ms' as in every spec example (the descriptions say seconds). */
  readonly timestampUnit?: 'ms' | 's';
  /** Largest allowed |server time − X-Sdk-Date|; Huawei's signing FAQ says 15 minutes. */
  readonly maxClockSkewMs?: number;
  /** Requests per AK (or token) per second before APIGW.0308; about 200 by default (provider-facts §2.4). Unlimited if unset. */
  readonly requestsPerSecond?: number;
  /** Test hook for IAM policies the sandbox does not model: return true to deny the operation with a 403. */
  readonly denies?: (operation: string, secretName: string | undefined) => boolean;
  readonly limits?: { secretsPerProject?: number; versionsPerSecret?: number; stagesPerSecret?: number };
}

export interface CsmsExchange {
  readonly method: string;
  readonly path: string;
  readonly operation: string | undefined;
  readonly status: number;
  readonly errorCode: string | undefined;
}

export interface CsmsSandbox {
  /** e.g. `http://127.0.0.1:1234`, standing for `https://kms.{region}.myhuaweicloud.com` */
  readonly endpoint: string;
  stop(): Promise<void>;
  /** A secret as stored, versions and stages included (for assertions at the provider); undefined if absent. */
  secret(projectId: string, name: string): SecretRecord | undefined;
  /** Seeds a secret directly, as an operator would have created it. */
  seedSecret(projectId: string, name: string, value: Value): SecretRecord;
  /** The value SYSCURRENT points at, as software reading the secret would get it. */
  currentValue(projectId: string, name: string): string | undefined;
  exchanges(): readonly CsmsExchange[];
}

// Huawei's FAQ: an AK/SK pair failing 5 times in a row is locked for 5 minutes
const LOCK_AFTER_FAILURES = 5;
const LOCK_MS = 5 * 60_000;

const apiErrors: ApiErrors<CsmsApiError> = { type: CsmsApiError, internal: csmsErrors.internal, name: 'csms sandbox' };

export async function startCsmsSandbox(options: CsmsSandboxOptions): Promise<CsmsSandbox> {
  const now = options.now ?? Date.now;
  const maxSkew = options.maxClockSkewMs ?? 15 * 60_000;
  const store = new CsmsStore(
    options.accounts,
    { secretsPerProject: 500, versionsPerSecret: 20, stagesPerSecret: 12, ...options.limits },
    now,
  );
  const routes = csmsRoutes({ store, now, timestampUnit: options.timestampUnit ?? 'ms' });
  const findRoute = routeTable(routes);
  const exchanges: CsmsExchange[] = [];
  const failures = new Map<string, { count: number; lockedUntil: number }>();
  const windows = new Map<string, { start: number; count: number }>();

  /** The caller's account after checking the AK/SK signature or the token; throws APIGW.0301 as the gateway does. */
  const authenticate = (request: ReceivedRequest): { account: number; principal: string } => {
    const authorization = headerValue(request.headers, 'authorization');
    if (authorization === undefined) {
      const token = headerValue(request.headers, 'x-auth-token');
      if (token === undefined) throw csmsErrors.tokenMissing();
      const account = store.tokenAccount(token);
      if (account === undefined) throw csmsErrors.tokenInvalid();
      return { account, principal: `token:${token.slice(0, 8)}` };
    }
    const auth = parseAuthorization(authorization);
    if (auth === undefined) throw csmsErrors.signatureFailed();
    const state = failures.get(auth.accessKey);
    if (state !== undefined && state.lockedUntil > now()) throw csmsErrors.akLocked();
    const fail = (error: CsmsApiError) => {
      const count = (failures.get(auth.accessKey)?.count ?? 0) + 1;
      failures.set(auth.accessKey, { count, lockedUntil: count >= LOCK_AFTER_FAILURES ? now() + LOCK_MS : 0 });
      return error;
    };
    const sdkDate = headerValue(request.headers, 'x-sdk-date');
    const signedAt = parseSdkDate(sdkDate);
    // host and the date must be signed, or a signature could be replayed against another host or later
    if (signedAt === undefined || !auth.signedHeaders.includes('host') || !auth.signedHeaders.includes('x-sdk-date')) throw fail(csmsErrors.signatureFailed());
    if (Math.abs(now() - signedAt) > maxSkew) throw fail(csmsErrors.signatureExpired(sdkDate!, formatSdkDate(now())));
    const key = store.accessKey(auth.accessKey);
    if (key === undefined || !signatureMatches(request, auth, key.secretKey, sdkDate!)) throw fail(csmsErrors.signatureFailed());
    failures.delete(auth.accessKey);
    return { account: key.account, principal: `ak:${auth.accessKey}` };
  };

  const throttle = (principal: string) => {
    const limit = options.requestsPerSecond;
    if (limit === undefined) return;
    let window = windows.get(principal);
    if (window === undefined || now() - window.start >= 1000) {
      window = { start: now(), count: 0 };
      windows.set(principal, window);
    }
    if (window.count >= limit) throw csmsErrors.throttled(limit, 1);
    window.count++;
  };

  const answer = (request: ReceivedRequest, matched: RouteMatch<Route> | undefined, query: URLSearchParams): Reply => {
    if (matched === undefined) throw csmsErrors.apiNotFound();
    const { route, params } = matched;
    const { account, principal } = authenticate(request);
    throttle(principal);
    const projectId = params.project_id ?? '';
    // the project must be one of the caller's account (the spec: a 32–64 character project id in the path)
    if (store.projectAccount(projectId) !== account) throw csmsErrors.permissionDenied(`${route.action} in project ${projectId}`);
    const projectHeader = headerValue(request.headers, 'x-project-id');
    if (projectHeader !== undefined && projectHeader !== projectId) throw csmsErrors.invalidRequest('X-Project-Id does not match the project in the path.');
    if (options.denies?.(route.operation, params.secret_name)) throw csmsErrors.permissionDenied(route.action);
    return route.handle({ params, query, body: parseBody(request.body) });
  };

  const server = await startJsonServer({
    port: options.port,
    host: options.host,
    contentType: 'application/json;charset=UTF-8',
    answer: (req, body) => {
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const request: ReceivedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
      const requestId = randomUUID().replace(/-/g, '');
      const matched = findRoute(request.method, url.pathname);
      let errorCode: string | undefined;
      const reply = answerOrError(() => answer(request, matched, url.searchParams), apiErrors, `${req.method} ${url.pathname}`, (error): Reply => {
        errorCode = error.code;
        return { status: error.status, body: error.body(requestId) };
      });
      exchanges.push({ method: request.method, path: url.pathname, operation: matched?.route.operation, status: reply.status, errorCode });
      return { ...reply, headers: { 'X-Request-Id': requestId } };
    },
  });

  const find = (projectId: string, name: string) => {
    try {
      return store.secret(projectId, name);
    } catch {
      return undefined;
    }
  };
  return {
    endpoint: server.origin,
    stop: server.stop,
    secret: find,
    seedSecret: (projectId, name, value) => store.createSecret(projectId, { name, value }),
    currentValue: (projectId, name) => {
      const secret = find(projectId, name);
      const current = secret?.stages.get('SYSCURRENT');
      return current === undefined ? undefined : secret?.versions.get(current.versionId)?.secretString;
    },
    exchanges: () => [...exchanges],
  };
}

function parseBody(raw: Buffer): unknown {
  return raw.length === 0 ? undefined : parseJson(raw.toString('utf8'), () => csmsErrors.badBody('The body is not valid JSON.'));
}
