/**
 * `npm test` builds temporal-server in the background (scripts/bootstrap-tools.sh, ROTATOR_SERVER_BUILD=background) while
 * the rest of the suite runs; the cluster tests, which run last, wait here for that build to end.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../tools';

const tools = path.join(projectRoot, '.tools');
const pidFile = path.join(tools, 'temporal-server-build.pid');
const logFile = path.join(tools, 'temporal-server-build.log');

function buildRunning(): boolean {
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const logTail = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n') : '(no log)');

/** Resolves once no background build is running; says every minute that it waits. Throws if the build failed. */
export async function awaitServerBuild(options: { timeoutMs?: number; say?: (line: string) => void } = {}): Promise<void> {
  const { timeoutMs = 45 * 60_000, say = (line: string) => process.stderr.write(`${line}\n`) } = options;
  if (process.env.ROTATOR_TEMPORAL_SERVER || !buildRunning()) return;
  const started = Date.now();
  let told = 0;
  while (buildRunning()) {
    const waited = Date.now() - started;
    if (waited > timeoutMs) throw new Error(`the temporal-server build has run ${Math.round(waited / 60_000)} minutes (log: ${logFile}):\n${logTail()}`);
    if (waited >= told) {
      say(`waiting for the temporal-server build in the background (${Math.round(waited / 1000)} s so far; log: ${logFile})`);
      told += 60_000;
    }
    await new Promise((r) => setTimeout(r, 2_000));
  }
  if (!existsSync(path.join(tools, 'bin', 'temporal-server'))) throw new Error(`the temporal-server build failed (log: ${logFile}):\n${logTail()}`);
  say(`temporal-server built; waited ${Math.round((Date.now() - started) / 1000)} s`);
}
