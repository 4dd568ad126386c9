/**
 * A fault-injection proxy that sits in front of moto or a provider sandbox and, per route and per rule, answers
 * the way a real provider misbehaves: its own throttle reply, 5xx, latency, a reset connection, a call that
 * commits upstream but whose response is lost, and the IAM behaviours moto lacks (Inactive and deleted keys
 * rejected, new keys rejected while IAM propagates them). Every call is logged with its time and what was done.
 * Rules are set per test in-process or through the control API under `/__proxy/`.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CsmsApiError, csmsErrors } from '../../sandbox/csms/errors';
import { WallarmApiError, wallarmErrors } from '../../sandbox/wallarm/errors';
import { seededRandom } from './random';

/** Whose wire format the injected answers use. */
export type ProviderFlavor = 'aws' | 'soracom' | 'csms' | 'wallarm';

export interface RouteMatch {
  method?: string;
  /** regular expression source tested against the path (query string excluded) */
  path?: string;
  /** AWS Query `Action=` (CreateAccessKey, GetCallerIdentity …) */
  action?: string;
  /** AWS service from the SigV4 credential scope (iam, sts) */
  service?: string;
  /** AWS access key id the request is signed with */
  accessKeyId?: string;
  /** regular expression source tested against the call's label (`rotation <id>; <activityType> <activityId> attempt <n>`) */
  label?: string;
}

export type Fault =
  /**
   * the provider's own "slow down" reply; `seconds` is the advised wait where the provider sends one (SORACOM's
   * header, default 1; Wallarm's Retry-After, sent only when given; IAM and CSMS advise none)
   */
  | { kind: 'throttle'; seconds?: number }
  | { kind: 'status'; status: 500 | 502 | 503 }
  /** the provider's "not allowed" reply (IAM AccessDenied, SORACOM AUM0017, CSMS 403, Wallarm 403 …): retrying cannot help */
  | { kind: 'deny' }
  | { kind: 'latency'; ms: number }
  /** the connection is cut before the request reaches the provider */
  | { kind: 'reset' }
  /** the provider performs the call, then the response is lost on the way back */
  | { kind: 'drop-response' }
  /**
   * AWS: a request signed with a key that moto holds as Inactive, or does not hold at all (deleted), gets 403
   * InvalidClientTokenId as real AWS answers; so does a key younger than `newKeyRejectedForMs` (null: forever).
   */
  | { kind: 'aws-key-validity'; newKeyRejectedForMs?: number | null; exemptKeyIds?: string[] };

export interface FaultRule {
  match?: RouteMatch;
  fault: Fault;
  /** chance a matching call is hit, 0–1 (default 1); drawn from a seeded generator, so runs repeat */
  probability?: number;
  /** hit at most this many calls, then pass them through */
  times?: number;
  /** let this many matching calls through before the rule starts */
  after?: number;
}

export interface ProxiedCall {
  /** ms since the epoch when the request arrived */
  at: number;
  method: string;
  path: string;
  action?: string;
  service?: string;
  accessKeyId?: string;
  /** the rotation and activity attempt that made the call, from the rotator's User-Agent (`src/providers/call-context.ts`) */
  label?: string;
  /** the fault injected, if any */
  fault?: Fault['kind'];
  /** the status the client saw; 0 when the connection was cut */
  status: number;
}

export interface FaultProxy {
  /** base URL to give the client instead of the upstream's */
  readonly endpoint: string;
  readonly calls: ProxiedCall[];
  addRule(rule: FaultRule): void;
  clearRules(): void;
  /** IAM says the key was created then (moto creates every key now): ListAccessKeys answers carry this CreateDate */
  backdateKey(accessKeyId: string, createdAt: Date): void;
  /** IAM pages ListUsers answers as AWS does (MaxItems, Marker, IsTruncated); moto answers every user at once */
  pageListUsers(): void;
  /** calls matching `match` (all when omitted) */
  callsTo(match?: RouteMatch): ProxiedCall[];
  stop(): Promise<void>;
}

interface ActiveRule extends FaultRule {
  seen: number;
  hits: number;
}

export interface FaultProxyOptions {
  upstream: string;
  flavor: ProviderFlavor;
  seed?: number;
  port?: number;
  /** forward the client's Host header unchanged: a signed request (CSMS's SDK-HMAC-SHA256) signs the host it was sent to */
  preserveHost?: boolean;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(options.upstream);
  const apiRoot = upstream.pathname.replace(/\/$/, '');
  const rules: ActiveRule[] = [];
  const calls: ProxiedCall[] = [];
  // seeded: injected faults land on the same calls in every run
  const random = seededRandom(options.seed ?? 1);
  // when the proxy saw each AWS key created: what "a new key" means for eventual consistency
  const keyCreatedAt = new Map<string, number>();
  const sockets = new Set<Socket>();
  // keys whose CreateDate ListAccessKeys reports as given
  const backdated = new Map<string, string>();
  let pagingUsers = false;
  /** One page of moto's full ListUsers answer: `MaxItems` (AWS's default 100) from the `Marker` (an index here) on. */
  const pagedUsers = (xml: Buffer, params: URLSearchParams): Buffer => {
    const text = xml.toString('utf8');
    const list = /<Users>([\s\S]*?)<\/Users>/.exec(text);
    if (!list) return xml;
    const members = list[1]!.split('<member>').slice(1).map((m) => `<member>${m}`);
    const start = Number(params.get('Marker') ?? 0);
    const max = Number(params.get('MaxItems') ?? 100);
    const page = members.slice(start, start + max);
    const truncated = start + max < members.length;
    return Buffer.from(
      text
        .replace(list[0], `<Users>${page.join('')}</Users>`)
        .replace(/<IsTruncated>[^<]*<\/IsTruncated>/, `<IsTruncated>${truncated}</IsTruncated>${truncated ? `<Marker>${start + max}</Marker>` : ''}`),
    );
  };
  const withBackdatedKeys = (xml: Buffer): Buffer =>
    Buffer.from(
      xml
        .toString('utf8')
        .split('<member>')
        .map((member) => {
          const id = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(member)?.[1];
          const at = id === undefined ? undefined : backdated.get(id);
          return at === undefined ? member : member.replace(/<CreateDate>[^<]*<\/CreateDate>/, `<CreateDate>${at}</CreateDate>`);
        })
        .join('<member>'),
    );

  const addRule = (rule: FaultRule) => {
    rules.push({ ...rule, seen: 0, hits: 0 });
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://proxy');
      if (url.pathname.startsWith('/__proxy/')) return control(url.pathname, req.method ?? 'GET', body, res);
      void handle(req, res, url, body).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(502).end(String(err));
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: Buffer): Promise<void> {
    const call: ProxiedCall = {
      at: Date.now(),
      method: req.method ?? '',
      path: url.pathname.slice(apiRoot.length) || '/',
      ...awsFacts(req, url, body),
      status: 0,
    };
    const label = /credential-rotator \(([^)]*)\)/.exec(String(req.headers['user-agent'] ?? ''))?.[1];
    if (label) call.label = label;
    calls.push(call);

    let fault: Fault | undefined;
    for (const rule of rules) {
      if (!matches(rule.match, call)) continue;
      rule.seen++;
      if (rule.seen <= (rule.after ?? 0)) continue;
      if (rule.times !== undefined && rule.hits >= rule.times) continue;
      if (rule.fault.kind === 'aws-key-validity') {
        if (!(await keyRejected(rule.fault, call.accessKeyId))) continue;
      } else if (random() >= (rule.probability ?? 1)) continue;
      rule.hits++;
      fault = rule.fault;
      break;
    }
    if (fault) call.fault = fault.kind;

    switch (fault?.kind) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'throttle':
        return reply(res, call, throttleReply(options.flavor, fault.seconds));
      case 'status':
        return reply(res, call, statusReply(options.flavor, fault.status));
      case 'deny':
        return reply(res, call, denyReply(options.flavor, call));
      case 'aws-key-validity':
        return reply(res, call, awsError(403, 'Sender', 'InvalidClientTokenId', 'The security token included in the request is invalid.'));
      case 'latency':
        await new Promise((r) => setTimeout(r, fault.ms));
        break;
    }
    const answer = await forward(req, body);
    if (call.action === 'ListUsers' && answer.status === 200 && pagingUsers) {
      answer.body = pagedUsers(answer.body, new URLSearchParams(body.toString('utf8')));
      answer.headers = { ...answer.headers, 'content-length': String(answer.body.length) };
    }
    if (call.action === 'ListAccessKeys' && answer.status === 200 && backdated.size > 0) {
      answer.body = withBackdatedKeys(answer.body);
      answer.headers = { ...answer.headers, 'content-length': String(answer.body.length) };
    }
    if (call.action === 'CreateAccessKey' && answer.status === 200) {
      const id = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(answer.body.toString('utf8'))?.[1];
      if (id) keyCreatedAt.set(id, Date.now());
    }
    if (fault?.kind === 'drop-response') {
      // committed upstream; the client only sees its connection die
      req.socket.destroy();
      return;
    }
    call.status = answer.status;
    res.writeHead(answer.status, answer.headers).end(answer.body);
  }

  async function keyRejected(fault: Extract<Fault, { kind: 'aws-key-validity' }>, accessKeyId: string | undefined): Promise<boolean> {
    if (!accessKeyId || fault.exemptKeyIds?.includes(accessKeyId)) return false;
    const created = keyCreatedAt.get(accessKeyId);
    if (created !== undefined && fault.newKeyRejectedForMs !== undefined) {
      if (fault.newKeyRejectedForMs === null || Date.now() - created < fault.newKeyRejectedForMs) return true;
    }
    return (await awsKeyStatus(accessKeyId)) !== 'Active';
  }

  /**
   * What IAM says of a key: moto accepts Inactive and deleted keys when signing. Its state dump names the key's user
   * but keeps deleted keys, so the user's ListAccessKeys is the truth.
   */
  async function awsKeyStatus(accessKeyId: string): Promise<string | undefined> {
    const dump = (await (await fetch(new URL('/moto-api/data.json', upstream))).json()) as { iam?: { AccessKey?: { access_key_id: string; user_name: string }[] } };
    const userName = dump.iam?.AccessKey?.find((k) => k.access_key_id === accessKeyId)?.user_name;
    if (!userName) return undefined;
    const res = await fetch(upstream, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        // moto routes by the credential scope's service; with its auth off the signature is not checked
        authorization: 'AWS4-HMAC-SHA256 Credential=AKIAFAULTPROXY000000/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: new URLSearchParams({ Action: 'ListAccessKeys', UserName: userName, Version: '2010-05-08' }).toString(),
    });
    const xml = await res.text();
    for (const member of xml.split('<member>').slice(1)) {
      if (member.includes(`<AccessKeyId>${accessKeyId}</AccessKeyId>`)) return /<Status>([^<]+)<\/Status>/.exec(member)?.[1];
    }
    return undefined;
  }

  function forward(req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const out = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: options.preserveHost ? req.headers : { ...req.headers, host: upstream.host } },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(parts) }));
          answer.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }

  function control(pathname: string, method: string, body: Buffer, res: http.ServerResponse): void {
    const json = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    try {
      if (pathname === '/__proxy/rules' && method === 'POST') {
        addRule(JSON.parse(body.toString('utf8')) as FaultRule);
        return json(201, { rules: rules.length });
      }
      if (pathname === '/__proxy/rules' && method === 'DELETE') {
        rules.length = 0;
        return json(200, { rules: 0 });
      }
      if (pathname === '/__proxy/calls' && method === 'GET') return json(200, calls);
      return json(404, { error: `no control route ${method} ${pathname}` });
    } catch (err) {
      return json(400, { error: String(err) });
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}${apiRoot}`,
    calls,
    addRule,
    clearRules: () => {
      rules.length = 0;
    },
    pageListUsers: () => {
      pagingUsers = true;
    },
    backdateKey: (accessKeyId, createdAt) => {
      backdated.set(accessKeyId, createdAt.toISOString());
    },
    callsTo: (match) => calls.filter((c) => matches(match, c)),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function matches(match: RouteMatch | undefined, call: ProxiedCall): boolean {
  if (!match) return true;
  if (match.method !== undefined && match.method.toUpperCase() !== call.method) return false;
  if (match.path !== undefined && !new RegExp(match.path).test(call.path)) return false;
  if (match.action !== undefined && match.action !== call.action) return false;
  if (match.service !== undefined && match.service !== call.service) return false;
  if (match.accessKeyId !== undefined && match.accessKeyId !== call.accessKeyId) return false;
  if (match.label !== undefined && !new RegExp(match.label).test(call.label ?? '')) return false;
  return true;
}

/** Action, service and signing key of an AWS Query request (form body, SigV4 Authorization header). */
function awsFacts(req: http.IncomingMessage, url: URL, body: Buffer): Pick<ProxiedCall, 'action' | 'service' | 'accessKeyId'> {
  const facts: Pick<ProxiedCall, 'action' | 'service' | 'accessKeyId'> = {};
  const scope = /Credential=([^/]+)\/\d{8}\/[^/]+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
  if (scope) {
    facts.accessKeyId = scope[1]!;
    facts.service = scope[2]!;
  }
  const action = url.searchParams.get('Action') ?? new URLSearchParams(body.toString('utf8')).get('Action');
  if (action && String(req.headers['content-type'] ?? '').includes('x-www-form-urlencoded')) facts.action = action;
  else if (url.searchParams.get('Action')) facts.action = url.searchParams.get('Action')!;
  return facts;
}

interface CannedReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function reply(res: http.ServerResponse, call: ProxiedCall, canned: CannedReply): void {
  call.status = canned.status;
  res.writeHead(canned.status, { ...canned.headers, 'content-length': Buffer.byteLength(canned.body) }).end(canned.body);
}

function awsError(status: number, type: 'Sender' | 'Receiver', code: string, message: string): CannedReply {
  const body =
    `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>${type}</Type><Code>${code}</Code>` +
    `<Message>${message}</Message></Error><RequestId>fault-proxy-${Date.now()}</RequestId></ErrorResponse>`;
  return { status, headers: { 'content-type': 'text/xml' }, body };
}

/**
 * CSMS answers as its emulator does (`sandbox/csms/errors.ts`): `ErrorRsp` `{error_code, error_msg}`, gateway
 * errors with `request_id` too, and `X-Request-Id` on every answer (provider-facts §2.2).
 */
function csmsReply(error: CsmsApiError): CannedReply {
  const requestId = randomUUID().replace(/-/g, '');
  return { status: error.status, headers: { 'content-type': 'application/json;charset=UTF-8', 'X-Request-Id': requestId }, body: JSON.stringify(error.body(requestId)) };
}

/** Wallarm answers as its emulator does (`sandbox/wallarm/errors.ts`): the `{status, body}` envelope (provider-facts §3.1). */
function wallarmReply(error: WallarmApiError, body: unknown = error.envelope): CannedReply {
  return { status: error.status, headers: { 'content-type': 'application/json', ...error.headers }, body: JSON.stringify(body) };
}

/** Each provider's documented "slow down" (provider-facts §5, §1.3, §2.4, §3.3). */
function throttleReply(flavor: ProviderFlavor, seconds: number | undefined): CannedReply {
  switch (flavor) {
    case 'aws':
      // IAM: 400 Throttling "Rate exceeded", no Retry-After
      return awsError(400, 'Sender', 'Throttling', 'Rate exceeded');
    case 'soracom':
      // SORACOM: 429 with its rate-limit headers, no Retry-After
      return {
        status: 429,
        headers: { 'content-type': 'application/json', 'X-Soracom-Ratelimit-Limit': '10', 'X-Soracom-Ratelimit-Remaining': '0', 'X-Soracom-Ratelimit-Seconds-Before-Refresh': String(seconds ?? 1) },
        body: JSON.stringify({ code: 'AGW0002', message: 'Too many requests; wait before calling this API again' }),
      };
    case 'csms':
      // API Gateway: 429 APIGW.0308 at its ~200 req/s default, no Retry-After documented (provider-facts §2.4)
      return csmsReply(csmsErrors.throttled(200, 1));
    case 'wallarm':
      // 429 in the envelope; whether Wallarm sends Retry-After is not documented (provider-facts §3.3), so only when asked
      return wallarmReply(wallarmErrors.rateLimited(seconds));
  }
}

function statusReply(flavor: ProviderFlavor, status: number): CannedReply {
  switch (flavor) {
    case 'aws':
      return status === 500 ? awsError(500, 'Receiver', 'ServiceFailure', 'Service failure') : awsError(status, 'Receiver', 'ServiceUnavailable', 'Service unavailable');
    case 'soracom':
      return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'COM0000', message: 'Internal server error' }) };
    case 'csms': {
      // no source documents CSMS's 5xx codes (provider-facts §4): the emulator's stand-in, at the injected status
      const internal = csmsErrors.internal();
      return csmsReply(new CsmsApiError(status, internal.code, internal.message));
    }
    case 'wallarm': {
      // W5: unexpected errors carry only `body: {error}`, no `status`
      const internal = wallarmErrors.internal();
      return wallarmReply(new WallarmApiError(status, internal.body), { body: internal.body });
    }
  }
}

function denyReply(flavor: ProviderFlavor, call: ProxiedCall): CannedReply {
  switch (flavor) {
    case 'aws':
      return awsError(403, 'Sender', 'AccessDenied', `User: arn:aws:iam::123456789012:user/rotator is not authorized to perform: ${call.service ?? 'iam'}:${call.action ?? 'Unknown'}`);
    case 'soracom':
      return { status: 403, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'AUM0017', message: 'You do not have permission to call this API' }) };
    case 'csms':
      // an IAM policy denial: 403 (its code is not documented, provider-facts §4; the emulator's stand-in)
      return csmsReply(csmsErrors.permissionDenied(`${call.method} ${call.path}`));
    case 'wallarm':
      // Wallarm's one 403 for a bad token and a lacking role alike (W5)
      return wallarmReply(wallarmErrors.forbidden());
  }
}
