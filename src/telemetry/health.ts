import { createServer, type Server } from 'node:http';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { parseSocketAddress } from './settings';

/** What /readyz answers: ready once connected to Temporal and every worker polls its task queue. */
export interface Readiness {
  readonly ready: boolean;
  /** each task queue's worker state (RUNNING while polling), or `starting` before the workers exist */
  readonly workers: Record<string, string>;
  /** `ok`, or why the Temporal server did not answer */
  readonly temporal: string;
}

/**
 * Readiness of one worker process: its connection answers (`GetSystemInfo`, within 3 s) and every worker is RUNNING
 * (polling). A worker that is stopping (SIGTERM), drained or failed makes the process not ready.
 */
export class WorkerReadiness {
  private workers: Worker[] | undefined;

  constructor(private readonly connection: NativeConnection) {}

  /** The workers to watch, once created. */
  watch(workers: Worker[]): void {
    this.workers = workers;
  }

  async check(): Promise<Readiness> {
    let temporal = 'ok';
    try {
      await this.connection.withDeadline(Date.now() + 3_000, () => this.connection.workflowService.getSystemInfo({}));
    } catch (err) {
      temporal = `unreachable: ${(err as Error).message}`;
    }
    const workers = this.workers ? Object.fromEntries(this.workers.map((w) => [w.options.taskQueue, w.getState()])) : { all: 'starting' };
    const polling = this.workers !== undefined && this.workers.every((w) => w.getState() === 'RUNNING');
    return { ready: polling && temporal === 'ok', workers, temporal };
  }
}

/**
 * Serves GET /livez (200 while the process answers: a restart would not help anything else) and GET /readyz (200 when
 * ready, else 503), each with a JSON body. Liveness never depends on Temporal: a server outage must not restart every
 * worker. Resolves once listening.
 */
export async function startHealthServer(address: string, readiness: () => Promise<Readiness>): Promise<Server> {
  const { host, port } = parseSocketAddress('ROTATOR_HEALTH_ADDRESS', address);
  const server = createServer((req, res) => {
    const reply = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, { error: 'GET only' });
    if (path === '/livez') return reply(200, { status: 'alive' });
    if (path === '/readyz') {
      readiness().then(
        (r) => reply(r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r }),
        (err: Error) => reply(503, { status: 'not ready', error: err.message }),
      );
      return;
    }
    reply(404, { error: 'not found: /livez or /readyz' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`ROTATOR_HEALTH_ADDRESS ${address}: ${err.message}`)));
    server.listen(port, host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
  return server;
}
