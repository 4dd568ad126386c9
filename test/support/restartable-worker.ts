import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { trackPid, untrackPid } from './processes';
import { DEMO_SEAL_KEYS } from '../../src/codec/sealed-secrets';

const rotatorBin = path.resolve(__dirname, '../../bin/rotator.js');

/** How one worker process ended: killed by the test, or on its own. */
export interface WorkerExit {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  killedByTest: boolean;
}

/**
 * `rotator worker` run as an operator runs it: its own process, configured by environment variables only.
 * Every run's stderr is appended to `logFile`.
 */
export interface WorkerProcess {
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly exits: readonly WorkerExit[];
  /** spawns a worker and resolves once it reports "worker ready" (its workflows are bundled and it polls) */
  start(): Promise<void>;
  /** SIGKILL: in-flight activities and workflow tasks are simply lost, as in a crash */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs` */
  stop(graceMs?: number): Promise<void>;
}

export function workerProcess({ env, logFile }: { env: Record<string, string>; logFile: string }): WorkerProcess {
  let child: ChildProcess | undefined;
  let killing = false;
  const exits: WorkerExit[] = [];

  async function signal(c: ChildProcess, sig: NodeJS.Signals, graceMs?: number): Promise<void> {
    if (c.exitCode !== null || c.signalCode !== null) return;
    killing = true;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    try {
      process.kill(-c.pid!, sig);
    } catch {
      /* already gone */
    }
    const timer = graceMs === undefined ? undefined : setTimeout(() => process.kill(-c.pid!, 'SIGKILL'), graceMs);
    await exited;
    if (timer) clearTimeout(timer);
  }

  return {
    get pid() {
      return child?.pid;
    },
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    exits,
    async start() {
      killing = false;
      const c = spawn(process.execPath, [rotatorBin, 'worker'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ROTATOR_SEAL_KEYS: DEMO_SEAL_KEYS, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      child = c;
      trackPid(c.pid!, 'rotator worker');
      appendFileSync(logFile, `\n=== worker pid ${c.pid} started ${new Date().toISOString()}\n`);
      const onOutput = (chunk: Buffer) => appendFileSync(logFile, chunk);
      c.stdout?.on('data', onOutput);
      c.stderr?.on('data', onOutput);
      c.once('exit', (code, sig) => {
        exits.push({ pid: c.pid!, code, signal: sig, killedByTest: killing });
        untrackPid(c.pid!);
        appendFileSync(logFile, `\n=== worker pid ${c.pid} exited code ${code} signal ${sig}${killing ? ' (killed by the test)' : ''} ${new Date().toISOString()}\n`);
      });
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        const timer = setTimeout(() => reject(new Error(`rotator worker did not report ready within 180 s; see ${logFile}`)), 180_000);
        const watch = (chunk: Buffer) => {
          // search the chunk whole: a pipe may deliver many lines at once, and the marker may lie anywhere in them
          const text = seen + chunk.toString();
          seen = text.slice(-100);
          if (text.includes('worker ready')) {
            clearTimeout(timer);
            c.stderr?.off('data', watch);
            resolve();
          }
        };
        c.stderr?.on('data', watch);
        c.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`rotator worker exited with code ${code} before it was ready; see ${logFile}`));
        });
      });
    },
    async kill() {
      if (child) await signal(child, 'SIGKILL');
    },
    async stop(graceMs = 10_000) {
      if (child) await signal(child, 'SIGTERM', graceMs);
    },
  };
}
