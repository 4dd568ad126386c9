/**
 * A tiny HTTP server answering what each test tells it to: the shapes real provider APIs send (nulls, extra fields,
 * absent optionals, odd error bodies) that our emulators, built from the specs, never do.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CannedRequest {
  readonly method: string;
  /** path and query, e.g. `/v1/credentials` */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface CannedAnswer {
  readonly status: number;
  /** a string is sent as is; anything else as JSON; undefined sends no body */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export interface CannedServer {
  /** `http://127.0.0.1:<port>`, no trailing slash */
  readonly url: string;
  /** every request received, oldest first */
  readonly requests: CannedRequest[];
}

/** Starts a canned server per call; all of them stop after each test. */
export function useCannedServer(): (answer: (request: CannedRequest) => CannedAnswer) => Promise<CannedServer> {
  const servers: http.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });
  return async (answer) => {
    const requests: CannedRequest[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const request: CannedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
        requests.push(request);
        const { status, body: payload, headers = {} } = answer(request);
        const text = payload === undefined ? '' : typeof payload === 'string' ? payload : JSON.stringify(payload);
        const type = typeof payload === 'string' ? {} : { 'Content-Type': 'application/json' };
        res.writeHead(status, { ...type, ...headers }).end(text);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
  };
}
