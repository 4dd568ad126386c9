import { spawn, type ChildProcess } from 'node:child_process';
import { toolPath } from './tools';

/** A running moto_server: the AWS IAM/STS emulator (see provider-facts §5 for what it does not emulate). */
export interface MotoServer {
  readonly endpoint: string;
  readonly pid: number;
  /** Wipes every backend (users, keys); the auth setting stays as it is. */
  reset(): Promise<void>;
  /** Turns SigV4 + IAM policy checks on after `freeRequests` more requests (0 = now); `Infinity` turns them off. */
  setAuth(freeRequests: number): Promise<void>;
  stop(): Promise<void>;
}

export interface MotoOptions {
  port: number;
  host?: string;
  /** How long to wait for the server to answer before giving up. */
  startupTimeoutMs?: number;
}

export async function startMoto({ port, host = '127.0.0.1', startupTimeoutMs = 20_000 }: MotoOptions): Promise<MotoServer> {
  const binary = toolPath('moto_server');
  const child = spawn(binary, ['-H', host, '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true, // own process group, so stop() also ends werkzeug's reloader children
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 50) stderr.shift();
  });
  const endpoint = `http://${host}:${port}`;
  try {
    await waitUntilAnswering(endpoint, child, startupTimeoutMs, () => stderr.join(''));
  } catch (err) {
    killGroup(child);
    throw err;
  }
  const post = async (pathname: string, body: string) => {
    const res = await fetch(`${endpoint}${pathname}`, { method: 'POST', body });
    if (!res.ok) throw new Error(`moto ${pathname} answered ${res.status}: ${await res.text()}`);
  };
  return {
    endpoint,
    pid: child.pid!,
    reset: () => post('/moto-api/reset', ''),
    // moto reads the body as the number of requests still allowed without auth; "inf" is its "off"
    setAuth: (freeRequests) => post('/moto-api/reset-auth', Number.isFinite(freeRequests) ? String(freeRequests) : 'inf'),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with code ${child.exitCode}: ${log().slice(-2000)}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms: ${log().slice(-2000)}`);
}
