import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as it crossed the wire, and the answer to it. */
export interface RecordedCall {
  readonly method: string;
  /** below the API root, e.g. `/credentials/x` */
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
  readonly status: number;
  readonly responseHeaders: http.IncomingHttpHeaders;
  readonly responseBody: unknown;
}

export interface RecordingProxy {
  /** same API root as the target, e.g. `http://127.0.0.1:4321/v1` */
  readonly endpoint: string;
  readonly calls: RecordedCall[];
  stop(): Promise<void>;
}

/**
 * A pass-through HTTP proxy in front of `target` that records every exchange, so a test sees exactly what was sent and answered.
 * `preserveHost` forwards the client's Host header unchanged: a signed request (CSMS) signs the host it was sent to.
 */
export async function startRecordingProxy(target: string, options: { preserveHost?: boolean } = {}): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const apiRoot = upstream.pathname.replace(/\/$/, '');
  const calls: RecordedCall[] = [];

  const server = http.createServer((req, res) => {
    const requestChunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => requestChunks.push(chunk));
    req.on('end', () => {
      const requestBody = Buffer.concat(requestChunks);
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: options.preserveHost ? req.headers : { ...req.headers, host: upstream.host } },
        (answer) => {
          const responseChunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => responseChunks.push(chunk));
          answer.on('end', () => {
            const responseBody = Buffer.concat(responseChunks);
            const url = new URL(req.url ?? '/', 'http://proxy');
            calls.push({
              method: req.method ?? '',
              path: url.pathname.slice(apiRoot.length),
              query: Object.fromEntries(url.searchParams),
              headers: req.headers,
              body: parseJson(requestBody),
              status: answer.statusCode ?? 0,
              responseHeaders: answer.headers,
              responseBody: parseJson(responseBody),
            });
            res.writeHead(answer.statusCode ?? 502, answer.headers).end(responseBody);
          });
        },
      );
      forward.on('error', (err) => res.writeHead(502).end(String(err)));
      forward.end(requestBody);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}${apiRoot}`,
    calls,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** undefined for an empty body; the raw text when it is not JSON. */
function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
