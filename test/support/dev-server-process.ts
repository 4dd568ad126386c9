import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { rotationSearchAttributes } from '../../src/rotation/search-attributes';
import { toolPath } from '../../sandbox/tools';
import { trackPid, untrackPid } from './processes';

/**
 * `temporal server start-dev` as a process of its own on a fixed port and SQLite file, so a test can SIGKILL it
 * and start it again on the same database, as a crash and a restart would.
 */
export interface DevServerProcess {
  readonly address: string;
  readonly dbFilename: string;
  readonly pid: number | undefined;
  /** starts the server (again) on the same port and file; resolves once it answers gRPC */
  start(): Promise<void>;
  /** SIGKILL: no shutdown, no flush beyond what SQLite already committed */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s */
  stop(): Promise<void>;
}

export function devServerProcess({ port, dbFilename }: { port: number; dbFilename: string }): DevServerProcess {
  const address = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let stderr = '';

  const args = [
    'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--db-filename', dbFilename, '--log-level', 'error',
    // the dynamic config @temporalio/testing gives its dev servers: updates (restore, delete-now) enabled
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    ...rotationSearchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=${key.type === 'DATETIME' ? 'Datetime' : 'Keyword'}`]),
  ];

  async function ended(c: ChildProcess, signal: NodeJS.Signals, graceMs?: number): Promise<void> {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    try {
      process.kill(-c.pid!, signal);
    } catch {
      /* already gone */
    }
    const timer = graceMs === undefined ? undefined : setTimeout(() => process.kill(-c.pid!, 'SIGKILL'), graceMs);
    await exited;
    if (timer) clearTimeout(timer);
    untrackPid(c.pid!);
  }

  return {
    address,
    dbFilename,
    get pid() {
      return child?.pid;
    },
    async start() {
      stderr = '';
      const c = spawn(toolPath('temporal'), args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
      child = c;
      trackPid(c.pid!, 'temporal dev server (chaos)');
      c.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (c.exitCode !== null) throw new Error(`temporal server start-dev exited with code ${c.exitCode}: ${stderr}`);
        try {
          const connection = await Connection.connect({ address, connectTimeout: '1 second' });
          try {
            await connection.workflowService.describeNamespace({ namespace: 'default' });
            return;
          } finally {
            await connection.close();
          }
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`Temporal dev server on ${address} did not answer within 60 s: ${String(err)} ${stderr}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    },
    async kill() {
      if (child) await ended(child, 'SIGKILL');
    },
    async stop() {
      if (child) await ended(child, 'SIGTERM', 5_000);
    },
  };
}
