import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';
import { trackPid, untrackPid } from './processes';

/**
 * Debian's Prometheus and promtool (scripts/bootstrap-tools.sh installs them with apt-get), or the binaries
 * ROTATOR_PROMETHEUS / ROTATOR_PROMTOOL name. Missing, they are an error naming the fix, never a skip.
 */
export function prometheusBinary(name: 'prometheus' | 'promtool'): string {
  const variable = name === 'prometheus' ? 'ROTATOR_PROMETHEUS' : 'ROTATOR_PROMTOOL';
  const binary = process.env[variable] || `/usr/bin/${name}`;
  if (!existsSync(binary)) throw new Error(`${name} not found at ${binary}. Run 'npm run tools' (apt-get install prometheus, as root), or set ${variable} to its path.`);
  return binary;
}

export interface PrometheusServer {
  readonly url: string;
  /** an instant query; the result vector as {labels, value} */
  query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  /** polls `expr` until `accept` takes its result (it reads the scrapes as they come) */
  waitFor(expr: string, accept: (result: { metric: Record<string, string>; value: number }[]) => boolean, timeoutMs?: number): Promise<{ metric: Record<string, string>; value: number }[]>;
  /** GET an API path (e.g. /api/v1/rules); the `data` field of the answer */
  api<T>(pathAndQuery: string): Promise<T>;
  stop(): Promise<void>;
}

/** A real Prometheus scraping `targets` every second and loading `ruleFiles`, with its data in a temporary folder. */
export async function startPrometheus(options: { targets: string[]; ruleFiles?: string[]; job?: string }): Promise<PrometheusServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rotator-prometheus-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    ...(options.ruleFiles?.length ? ['rule_files:', ...options.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)] : []),
    'scrape_configs:',
    `  - job_name: ${options.job ?? 'rotator-worker'}`,
    '    static_configs:',
    `      - targets: [${options.targets.map((t) => JSON.stringify(t)).join(', ')}]`,
  ].join('\n');
  writeFileSync(path.join(dir, 'prometheus.yml'), `${config}\n`);
  const child = spawn(
    prometheusBinary('prometheus'),
    [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  trackPid(child.pid!, 'prometheus');
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
    untrackPid(child.pid!);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not become ready:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const api = async <T>(pathAndQuery: string): Promise<T> => {
    const res = await fetch(`${url}${pathAndQuery}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${pathAndQuery}: ${body.error ?? res.status}`);
    return body.data;
  };
  const query = async (expr: string) => {
    const data = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  };
  const waitFor: PrometheusServer['waitFor'] = async (expr, accept, timeoutMs = 60_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const result = await query(expr);
      if (accept(result)) return result;
      if (Date.now() > until) throw new Error(`prometheus: ${expr} never matched; last result ${JSON.stringify(result)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  return { url, query, waitFor, api, stop };
}
