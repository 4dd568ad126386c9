import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';

/** Every live descendant of `pid`, from /proc (a PostgreSQL backend calls setsid(), so it leaves its postmaster's group). */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* exited while we read */
    }
  }
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = [...parentOf].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** Told when a server process starts and ends, so a test run can reap what a failed test left (test/support/processes.ts). */
export interface ProcessHooks {
  spawned?(pid: number, label: string): void;
  exited?(pid: number): void;
}

/**
 * One long-running server (a PostgreSQL postmaster, a Temporal service) as its own process group, its output appended to
 * `logFile`, that can be SIGKILLed (a crash: the group dies at once, nothing is flushed) and started again with the
 * same command, as a supervisor would.
 */
export interface ServerProcess {
  readonly label: string;
  readonly logFile: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** spawns it (again); resolves once `ready` says so, rejects if it exits first or `timeoutMs` passes */
  start(): Promise<void>;
  /** SIGKILL to the whole group: in-flight work is lost, as in a crash or an OOM kill */
  kill(): Promise<void>;
  /** `signal` (default SIGTERM), then SIGKILL after `graceMs` */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<void>;
}

export interface ServerCommand {
  label: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  /** run as this user (the caller must be root): PostgreSQL refuses to run as root */
  uid?: number;
  gid?: number;
  /** resolves true once the server serves */
  ready(): Promise<boolean>;
  timeoutMs?: number;
  hooks?: ProcessHooks;
}

export function serverProcess(spec: ServerCommand): ServerProcess {
  let child: ChildProcess | undefined;
  const alive = (c: ChildProcess | undefined): c is ChildProcess => c !== undefined && c.exitCode === null && c.signalCode === null;

  async function signalGroup(c: ChildProcess, signal: NodeJS.Signals, graceMs?: number): Promise<void> {
    if (!alive(c)) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    // a crash takes the whole tree at once: the group, and descendants that left it (PostgreSQL's backends)
    const tree = signal === 'SIGKILL' ? descendants(c.pid!) : [];
    const send = (s: NodeJS.Signals, pids: number[] = []) => {
      for (const target of [-c.pid!, ...pids]) {
        try {
          process.kill(target, s);
        } catch {
          /* already gone */
        }
      }
    };
    send(signal, tree);
    const timer = graceMs === undefined ? undefined : setTimeout(() => send('SIGKILL', descendants(c.pid!)), graceMs);
    await exited;
    if (timer) clearTimeout(timer);
    send('SIGKILL', tree); // stragglers of the group
  }

  return {
    label: spec.label,
    logFile: spec.logFile,
    get pid() {
      return child?.pid;
    },
    get running() {
      return alive(child);
    },
    async start() {
      if (alive(child)) throw new Error(`${spec.label} is already running (pid ${child.pid})`);
      const c = spawn(spec.command, spec.args, { env: spec.env, cwd: spec.cwd, uid: spec.uid, gid: spec.gid, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      child = c;
      if (c.pid === undefined) throw new Error(`could not start ${spec.label} (${spec.command})`);
      const pid = c.pid;
      spec.hooks?.spawned?.(pid, spec.label);
      appendFileSync(spec.logFile, `\n=== ${spec.label} pid ${pid} started ${new Date().toISOString()}\n`);
      const keep = (chunk: Buffer) => appendFileSync(spec.logFile, chunk);
      c.stdout!.on('data', keep);
      c.stderr!.on('data', keep);
      c.once('exit', (code, signal) => {
        spec.hooks?.exited?.(pid);
        appendFileSync(spec.logFile, `\n=== ${spec.label} pid ${pid} exited code ${code} signal ${signal} ${new Date().toISOString()}\n`);
      });
      const deadline = Date.now() + (spec.timeoutMs ?? 90_000);
      for (;;) {
        if (c.exitCode !== null || c.signalCode !== null) throw new Error(`${spec.label} exited (code ${c.exitCode}, signal ${c.signalCode}) before it was ready; see ${spec.logFile}`);
        if (await spec.ready().catch(() => false)) return;
        if (Date.now() > deadline) {
          await signalGroup(c, 'SIGKILL');
          throw new Error(`${spec.label} not ready within ${(spec.timeoutMs ?? 90_000) / 1000} s; see ${spec.logFile}`);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async kill() {
      if (child) await signalGroup(child, 'SIGKILL');
    },
    async stop({ signal = 'SIGTERM', graceMs = 10_000 } = {}) {
      if (child) await signalGroup(child, signal, graceMs);
    },
  };
}
