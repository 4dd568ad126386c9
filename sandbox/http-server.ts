/**
 * The HTTP plumbing the SORACOM, CSMS and Wallarm emulators (and the benches' stats endpoint) share: read the body,
 * answer JSON, listen, stop, match a route template, turn what a handler threw into the emulator's own error. Routes,
 * stores and error bodies stay each emulator's own.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One answer: `body` is sent as JSON, or no body at all (and no Content-Type) when undefined. */
export interface JsonReply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface JsonServerOptions {
  /** 0 (default) picks a free port */
  readonly port?: number;
  /** default 127.0.0.1 */
  readonly host?: string;
  /** Content-Type of a reply with a body; default `application/json` */
  readonly contentType?: string;
  /** Answers a request once its whole body is read; undefined drops the connection unanswered (a lost response). */
  answer(req: http.IncomingMessage, body: Buffer): JsonReply | undefined;
}

export interface JsonServer {
  /** e.g. `http://127.0.0.1:1234` (an IPv6 address in brackets) */
  readonly origin: string;
  /** Closes the server and every connection still open (keep-alive clients would otherwise hold it). */
  stop(): Promise<void>;
}

export async function startJsonServer(options: JsonServerOptions): Promise<JsonServer> {
  const contentType = options.contentType ?? 'application/json';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = options.answer(req, Buffer.concat(chunks));
      if (reply === undefined) return void req.socket.destroy();
      if (reply.body === undefined) res.writeHead(reply.status, reply.headers).end();
      else res.writeHead(reply.status, { ...reply.headers, 'Content-Type': contentType }).end(JSON.stringify(reply.body));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    origin: `http://${host}:${port}`,
    // stopping twice is done: a test may stop an emulator to restart it empty, and its fixture stops it again
    stop: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** A route found for a request, with its path parameters (`{name}` in the template), URI-decoded. */
export interface RouteMatch<R> {
  readonly route: R;
  readonly params: Record<string, string>;
}

/** Finds the route for a method and path among templates such as `/v1/{project_id}/secrets/{secret_name}`. */
export function routeTable<R extends { readonly method: string; readonly template: string }>(routes: readonly R[]): (method: string | undefined, path: string) => RouteMatch<R> | undefined {
  const matchers = routes.map((route) => ({ route, match: pathMatcher(route.template) }));
  return (method, path) => {
    for (const { route, match } of matchers) {
      const params = match(path);
      if (params !== undefined && route.method === method) return { route, params };
    }
    return undefined;
  };
}

function pathMatcher(template: string): (path: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${template.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}$`,
  );
  return (path) => {
    const m = pattern.exec(path);
    if (m === null) return undefined;
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(m[i + 1] ?? '')]));
  };
}

/** A request header's (first) value; `name` in lower case, as Node keeps them. */
export function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A request body parsed as JSON; `invalid` is the emulator's own error for one that is not JSON. */
export function parseJson(text: string, invalid: () => Error): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid();
  }
}

/** An emulator's API error type, the error it answers for its own bugs, and its name in the log. */
export interface ApiErrors<E extends Error> {
  readonly type: abstract new (...args: never[]) => E;
  readonly internal: () => E;
  readonly name: string;
}

/**
 * Runs a request's handler. An API error it throws is the answer, through `reply`; anything else is a bug of the
 * emulator: logged to stderr as `[name] METHOD path: error` and answered as its internal error.
 */
export function answerOrError<R, E extends Error>(handle: () => R, errors: ApiErrors<E>, request: string, reply: (error: E) => R): R {
  try {
    return handle();
  } catch (err) {
    if (err instanceof errors.type) return reply(err);
    process.stderr.write(`[${errors.name}] ${request}: ${String(err)}\n`);
    return reply(errors.internal());
  }
}
