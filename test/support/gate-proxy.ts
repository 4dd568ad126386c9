import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy that holds the requests it is told to hold until the gate opens, so a test can catch activities
 * mid-flight on a known worker. A held request whose caller went away (a killed worker) is dropped, never sent.
 */
export interface GateProxy {
  /** the target's URL with the proxy's origin (path prefix kept) */
  readonly endpoint: string;
  /** requests held right now */
  held(): number;
  /** waits until `count` requests are held at once */
  waitHeld(count: number, timeoutMs?: number): Promise<void>;
  open(): void;
  close(): void;
  stop(): Promise<void>;
}

export interface GateOptions {
  /** keep the caller's Host header (a SigV4 signature covers it, so moto with auth on needs it unchanged) */
  keepHost?: boolean;
  /** sees every request body as sent, e.g. to record the AWS actions a worker calls */
  onRequest?: (method: string, path: string, body: Buffer) => void;
}

/** A request as the gate sees it, for a `holds` rule that needs more than its method and path (an AWS Action, a User-Agent). */
export interface GatedRequest {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export async function startGateProxy(target: string, holds: (method: string, path: string, request: GatedRequest) => boolean = () => false, options: GateOptions = {}): Promise<GateProxy> {
  const targetUrl = new URL(target);
  let isOpen = false;
  const waiting = new Set<() => void>();

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    if (res.destroyed || req.socket.destroyed) return;
    const upstream = http.request(
      { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: options.keepHost ? req.headers : { ...req.headers, host: targetUrl.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      options.onRequest?.(req.method ?? 'GET', new URL(req.url ?? '/', 'http://gate').pathname, body);
      if (isOpen || !holds(req.method ?? 'GET', new URL(req.url ?? '/', 'http://gate').pathname, { headers: req.headers, body })) return forward(req, res, body);
      const release = () => {
        waiting.delete(release);
        forward(req, res, body);
      };
      waiting.add(release);
      res.on('close', () => waiting.delete(release));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const open = () => {
    isOpen = true;
    for (const release of [...waiting]) release();
  };
  return {
    endpoint: `http://127.0.0.1:${port}${targetUrl.pathname.replace(/\/$/, '')}`,
    held: () => waiting.size,
    async waitHeld(count, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (waiting.size < count) {
        if (Date.now() > deadline) throw new Error(`only ${waiting.size} of ${count} requests reached the gate within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    open,
    close() {
      isOpen = false;
    },
    async stop() {
      open();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
