import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Folder where every server the tests spawn leaves its pid until it is stopped, so the global teardown can reap leaks. */
// one folder per jest run (tests run in band, in the jest process): a run never reaps another run's servers
export const pidDir = path.join(os.tmpdir(), `credential-rotator-test-pids-${process.pid}`);

export function trackPid(pid: number, label: string): void {
  mkdirSync(pidDir, { recursive: true });
  writeFileSync(path.join(pidDir, String(pid)), label);
}

export function untrackPid(pid: number): void {
  rmSync(path.join(pidDir, String(pid)), { force: true });
}

/** Kills every tracked process still alive; returns the labels of those it had to kill. */
export function reapTrackedProcesses(): string[] {
  let entries: string[];
  try {
    entries = readdirSync(pidDir);
  } catch {
    return [];
  }
  const reaped: string[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    try {
      process.kill(-pid, 'SIGKILL'); // the server was spawned as a process-group leader
      reaped.push(`${entry}`);
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
        reaped.push(entry);
      } catch {
        /* already gone */
      }
    }
    rmSync(path.join(pidDir, entry), { force: true });
  }
  rmSync(pidDir, { recursive: true, force: true });
  return reaped;
}
