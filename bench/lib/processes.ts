/**
 * The processes a benchmark starts: each is its own process group, so its CPU and memory can be read apart from
 * the driver's (from /proc) and the whole group ends with it, including on Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, `getconf CLK_TCK`: 100 on every Linux this runs on
const PAGE_BYTES = 4096;

const groups = new Set<number>();

/** Remembers a process-group leader so every exit path of the driver kills its group. */
export function ownGroup(pid: number): void {
  groups.add(pid);
}

export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  groups.delete(pid);
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/** Kills every group still owned; synchronous, so it also runs from an 'exit' handler. */
export function killAllGroups(): void {
  for (const pid of [...groups]) killGroup(pid);
}

let installed = false;
/** Ctrl-C, SIGTERM, an uncaught error or a normal exit: no child outlives the driver. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllGroups);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping every process it started\n`);
      killAllGroups();
      process.exit(130);
    });
  }
}

export interface Child {
  readonly pid: number;
  readonly process: ChildProcess;
  /** stdout and stderr so far (the last 64 KiB) */
  output(): string;
  stop(): Promise<void>;
}

/** Spawns a process-group leader and keeps the tail of its output for error messages. */
export function spawnGroup(command: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  ownGroup(child.pid);
  let out = '';
  const keep = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.length > 65_536) out = out.slice(-65_536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const pid = child.pid;
  return {
    pid,
    process: child,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return killGroup(pid);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      killGroup(pid, 'SIGTERM');
      ownGroup(pid);
      const timer = setTimeout(() => killGroup(pid), 5_000);
      await exited;
      clearTimeout(timer);
      killGroup(pid); // stragglers of the group
    },
  };
}

/** Waits until `probe` is true, failing early when the child dies. */
export async function waitFor(what: string, child: Child, probe: () => boolean | Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (child.process.exitCode !== null || child.process.signalCode !== null) throw new Error(`${what} exited before it was ready:\n${child.output().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${timeoutMs / 1000} s:\n${child.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function portOpen(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

interface ProcStat {
  pid: number;
  pgrp: number;
  cpuSeconds: number;
  rssBytes: number;
}

function readStat(pid: string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may hold spaces and parentheses: the fields start after the last ')'
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      pid: Number(pid),
      pgrp: Number(fields[2]),
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND,
      rssBytes: Number(fields[21]) * PAGE_BYTES,
    };
  } catch {
    return undefined; // exited while we read
  }
}

/** CPU seconds (user + system) and resident memory of every live process in a group. */
export function groupUsage(pgid: number): { cpuSeconds: number; rssBytes: number; processes: number } {
  let cpuSeconds = 0;
  let rssBytes = 0;
  let processes = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    if (stat?.pgrp !== pgid) continue;
    cpuSeconds += stat.cpuSeconds;
    rssBytes += stat.rssBytes;
    processes++;
  }
  return { cpuSeconds, rssBytes, processes };
}

/**
 * CPU seconds of a process and every descendant, whatever their group, plus what its exited children spent (cutime +
 * cstime): a PostgreSQL postmaster and its backends, which each call setsid().
 */
export function treeCpuSeconds(root: number): number {
  const stats = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map((e) => ({ stat: readStat(e), raw: rawStat(e) }));
  const children = new Map<number, number[]>();
  for (const { raw } of stats) if (raw) children.set(raw.ppid, [...(children.get(raw.ppid) ?? []), raw.pid]);
  const byPid = new Map(stats.filter((s) => s.stat && s.raw).map((s) => [s.stat!.pid, s]));
  let total = 0;
  const rootRaw = byPid.get(root)?.raw;
  if (rootRaw) total += rootRaw.reapedCpuSeconds;
  for (let frontier = [root]; frontier.length > 0; frontier = frontier.flatMap((p) => children.get(p) ?? [])) {
    for (const pid of frontier) total += byPid.get(pid)?.stat?.cpuSeconds ?? 0;
  }
  return total;
}

function rawStat(pid: string): { pid: number; ppid: number; reapedCpuSeconds: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid: Number(pid), ppid: Number(fields[1]), reapedCpuSeconds: (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** The driver's own CPU seconds (it runs the baseline scripts and the Temporal client). */
export function driverCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
