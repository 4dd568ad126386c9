/** Renders bench/results/*.json as the Markdown tables between the results markers of bench/README.md. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const START = '<!-- results:start (written by npm run bench) -->';
const END = '<!-- results:end -->';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendering our own files

const read = (dir: string, name: string): Json | undefined => {
  const file = path.join(dir, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Json) : undefined;
};

const cores = (s: Json, name: string) => (s.cores?.[name] === undefined ? '–' : Number(s.cores[name]).toFixed(2));

function header(r: Json): string {
  const m = r.machine;
  return `*${r.date.slice(0, 16).replace('T', ' ')} UTC · ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB · Node ${m.node} · ${m.temporalCli} · SDK ${m.temporalSdk} · moto ${m.moto} · load average at start ${r.loadAverageAtStart.join(' / ')} · ${r.durationSeconds} s*`;
}

function fleet(r: Json): string {
  const row = (label: string, v: Json) =>
    `| ${label} | ${v.rotationsPerSecond} | ${v.deletionsPerSecond} | ${v.failures} | ${v.rotate.wallSeconds} | ${cores(v.rotate, 'worker')} | ${cores(v.rotate, 'temporal')} | ${cores(v.rotate, 'moto')} | ${cores(v.rotate, 'soracom')} | ${cores(v.rotate, 'driver')} |`;
  return [
    `### 1${r.sizes.latencyMs ? 'b' : ''}. Fleet throughput — N = ${r.sizes.n}, concurrency ${r.sizes.concurrency}${r.sizes.latencyMs ? `, every provider call ${r.sizes.latencyMs} ms slower (a proxy in front of moto and the SORACOM sandbox)` : ''}`,
    header(r),
    '',
    '| variant | rotations/s | deletions/s | failures | rotate wall s | worker | dev server | moto | SORACOM sandbox | driver |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('rotator (Temporal, durable)', r.rotator),
    row(`raw concurrent script (${r.sizes.concurrency} at a time)`, r.raw),
    row('sequential script', r.sequential),
    '',
    `The last five columns are CPU cores used during the rotate stretch (CPU seconds ÷ wall seconds)${r.sizes.latencyMs ? '; the driver column includes the two latency proxies, which run in it' : ''}. ` +
      `Rotator / raw: **${r.ratios.rotatorOverRaw}×** rotations (target ≥ 0.7), ${r.ratios.deletionsRotatorOverRaw}× deletions. ` +
      `Rotator / sequential: **${r.ratios.rotatorOverSequential}×** rotations (target ≥ 5), ${r.ratios.deletionsRotatorOverSequential}× deletions. ` +
      `delete-now latency with ${r.sizes.concurrency} in flight: p50 ${r.rotator.deleteNowLatencyMs.p50} ms, p95 ${r.rotator.deleteNowLatencyMs.p95} ms. ` +
      `Worker pace: ${Object.entries(r.settings.workerPace).map(([k, v]) => `${k}=${String(v)}`).join(', ')}.`,
  ].join('\n');
}

function fleetCluster(r: Json): string {
  const cpu = (v: Json, k: string) => (v.cpuMsPerRotation[k] === undefined ? '–' : String(v.cpuMsPerRotation[k]));
  const row = (label: string, v: Json) =>
    `| ${label} | ${v.rotationsPerSecond} | ${v.deletionsPerSecond} | ${v.failures} | ${v.rotate.wallSeconds} | ${cpu(v, 'worker')} | **${cpu(v, 'server')}** | ${cpu(v, 'moto')} | ${cpu(v, 'soracom')} | ${v.billableActions.perRotation} |`;
  const c = r.cluster;
  const split = ['temporal-frontend', 'temporal-history', 'temporal-matching', 'temporal-worker', 'postgres'].map((k) => `${k.replace('temporal-', '')} ${cpu(c, k)}`).join(', ');
  return [
    `### 1c. Fleet throughput on the self-hosted cluster beside the dev server — N = ${r.sizes.n}, concurrency ${r.sizes.concurrency}, one worker`,
    header(r),
    '',
    '| server | rotations/s | deletions/s | failures | rotate wall s | worker CPU ms / rotation | server CPU ms / rotation | moto | SORACOM sandbox | billable actions / rotation |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('dev server (`temporal server start-dev`, SQLite in memory, one process)', r.dev),
    row(`cluster (Temporal ${r.settings.serverVersion} from go.temporal.io/server, four processes, PostgreSQL)`, c),
    '',
    `Cluster server CPU per rotation by process: ${split} ms. ` +
      `PostgreSQL (both databases, pg_database_size): **${r.postgres.mibPer1000Parked} MiB per 1,000 rotations parked in pending-deletion**, ${r.postgres.mibPer1000Closed} MiB per 1,000 once completed (kept for the namespace's retention); empty ${(r.postgres.emptyBytes / 2 ** 20).toFixed(1)} MiB. ` +
      `Billable actions per rotation to pending-deletion and delete-now, from the histories: ${Object.entries(c.billableActions.byKind).map(([k, v]) => `${k} ${String(v)}`).join(', ')}; with a pickup grace of ${r.settings.pickupGraceSeconds ?? 0} s (the bench's; the default 30 s adds a timer, one action more); plus one Query action per \`rotator status\` of a running rotation, and one for the status read that precedes each \`restore\` or \`delete-now\`, which no history shows. ` +
      `The cluster started (initdb, schema job, four services, namespace job) in ${r.settings.clusterStartSeconds} s. Worker pace: ${Object.entries(r.settings.workerPace).map(([k, v]) => `${k}=${String(v)}`).join(', ')}.`,
  ].join('\n');
}

function rateLimited(r: Json): string {
  return [
    `### 2. Rate-limited fleet — N = ${r.sizes.n}, SORACOM limited to ${r.sizes.perMinute} requests/minute per route`,
    header(r),
    '',
    '| wall s | bound (SORACOM fixed windows), s | bound at R sustained, s | bound ÷ wall | failures | 429 answers | worker | dev server | moto | SORACOM sandbox |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${r.wallSeconds} | ${r.fixedWindowBoundSeconds} | ${r.sustainedBoundSeconds} | **${r.boundOverWall}** (sustained: ${r.sustainedBoundOverWall}) | ${r.failures} | ${r.throttled} | ${cores(r.stretch, 'worker')} | ${cores(r.stretch, 'temporal')} | ${cores(r.stretch, 'moto')} | ${cores(r.stretch, 'soracom')} |`,
    '',
    `Binding route: GET /credentials, ${r.settings.listsPerRotation} per rotation (${r.sizes.n * r.settings.listsPerRotation} in all). ` +
      `Target: bound ÷ wall ≥ 0.9 with 0 failures. SORACOM answers during the run: ${Object.entries(r.soracomAnswers).map(([k, v]) => `${k} ×${String(v)}`).join(', ')}.`,
  ].join('\n');
}

function parked(r: Json): string {
  const l = (x: Json) => `${x.p50} / ${x.p95}`;
  return [
    `### 3. Parked at scale — ${r.sizes.n} rotations in pending-deletion (consumer: ${r.sizes.consumer}; worker cache: ${r.sizes.workerCache})`,
    header(r),
    '',
    '| time to park, s | parked/s | failures | worker RSS, MiB: the worker that parked them / restarted, then after the samples | dev server RSS, MiB | `status` p50 / p95, ms | `delete-now` p50 / p95, ms | CLI `rotator status` p50 / p95, ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${r.parkSeconds} | ${r.parkedPerSecond} | ${r.failures} | **${r.memory.workerRssMiB}** / **${r.memory.restartedWorkerRssMiB ?? '–'}**, ${r.memory.afterSamplesWorkerRssMiB ?? '–'} | ${r.memory.temporalRssMiB} | **${l(r.statusLatencyMs)}** | ${l(r.deleteNowLatencyMs)} | ${l(r.cliStatusLatencyMs)} |`,
    '',
    `Targets: worker RSS ≤ 300 MB, status p95 ≤ 200 ms. Worker RSS: right after parking (every rotation it parked still in its workflow cache), ${r.memory.settledWorkerRssMiB ?? '–'} MiB after ${r.settleSeconds ?? 30} s idle; then a restarted worker (ready in ${r.workerStartSeconds ?? '–'} s), which caches nothing, after ${r.settleSeconds ?? 30} s, and after the samples below replayed ${r.statusLatencyMs.samples} rotations into its cache. ` +
      `Idle before seeding: worker ${r.memory.idleBeforeSeeding.workerRssMiB} MiB, dev server ${r.memory.idleBeforeSeeding.temporalRssMiB} MiB; moto ${r.memory.motoRssMiB} MiB when parked. ` +
      `Latencies, on the restarted worker (every sampled rotation is replayed from its history on its first call): ${r.statusLatencyMs.samples} \`status\` and ${r.deleteNowLatencyMs.samples} \`delete-now\` calls one at a time through src/operations.ts (what the CLI runs after start-up), spread over the fleet; the CLI column is ${r.cliStatusLatencyMs.samples} whole \`rotator status --json\` processes of the build. ` +
      `CPU cores while parking: worker ${cores(r.park, 'worker')}, dev server ${cores(r.park, 'temporal')}, moto ${cores(r.park, 'moto')}, ${r.sizes.consumer} sandbox ${cores(r.park, r.sizes.consumer)}, driver ${cores(r.park, 'driver')}. Seeding took ${r.seedSeconds} s.`,
  ].join('\n');
}

function fleetPolicy(r: Json): string {
  const rss = (x: Json, name: string) => (x[name] ? `${x[name].peak} / ${x[name].mean}` : '–');
  const { plan, run, memory: m } = r;
  return [
    `### 4. A fleet policy — ${r.sizes.n} IAM users (${r.sizes.due} due), \`plan\` then \`fleet aws-iam-keys --concurrency ${r.sizes.concurrency}\``,
    header(r),
    '',
    '| | wall s | users/s | rotated | skipped | failed | rotations/s | worker RSS, MiB: peak / mean | dev server RSS, MiB: peak / mean | CLI RSS peak, MiB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| \`rotator plan\` | ${plan.wallSeconds} | ${plan.usersPerSecond} | (${plan.rotate} to rotate) | (${plan.decisions - plan.rotate}) | – | – | ${rss(plan.rssMiB, 'worker')} | ${rss(plan.rssMiB, 'temporal')} | ${plan.rssMiB.cli?.peak ?? '–'} |`,
    `| \`rotator fleet --wait\` | ${run.wallSeconds} | ${run.usersPerSecond} | ${run.counts.rotated} | ${run.counts.skipped} | ${run.counts.failed} | **${run.rotationsPerSecond}** | ${rss(run.rssMiB, 'worker')} | ${rss(run.rssMiB, 'temporal')} | – |`,
    '',
    `Memory after the run: worker ${m.afterRun.worker} MiB, dev server ${m.afterRun.temporal} MiB, moto ${m.afterRun.moto} MiB; after ${m.settleSeconds} s idle: worker ${m.afterSettle.worker} MiB, dev server ${m.afterSettle.temporal} MiB ` +
      `(idle before seeding: worker ${m.idleBeforeSeeding.worker}, dev server ${m.idleBeforeSeeding.temporal}). ` +
      `The run planned again at its own instant, page by page, continued as new ${run.generations} times, and left exactly the planned users in their window: **plan = run ${run.planMatchesRun ? 'held' : 'DID NOT hold'}** ` +
      `(every rotation in pending-deletion, from visibility, against the plan's list; ${run.providerChecks.asExpected} of ${run.providerChecks.checked} sampled users with the old key Inactive and the new one in their CSMS secret). ` +
      `Skips in the plan: ${Object.entries(plan.skipByReason).map(([k, v]) => `${String(v)} × "${k}"`).join('; ')}. ` +
      `Load average (1 min) on this shared machine: ${plan.loadAverage ? `${plan.loadAverage.mean} mean, ${plan.loadAverage.max} max during the plan; ${run.loadAverage.mean} mean, ${run.loadAverage.max} max during the run` : 'not sampled'} (2 cores: above 2, the processes measured wait for a core). ` +
      `CPU cores during the plan: the driver (the IAM proxy runs in it) ${cores(plan.stretch, 'driver')}, moto ${cores(plan.stretch, 'moto')}, dev server ${cores(plan.stretch, 'temporal')}; ` +
      `during the run: worker ${cores(run.stretch, 'worker')}, dev server ${cores(run.stretch, 'temporal')}, moto ${cores(run.stretch, 'moto')}, CSMS sandbox ${cores(run.stretch, 'csms')}, driver ${cores(run.stretch, 'driver')}. ` +
      `One ListUsers page through the proxy: ${r.listUsersPageMs} ms (moto answers all ${r.sizes.n} users, the proxy cuts 100). Seeding took ${r.seedSeconds} s. ` +
      `Worker pace: ${Object.entries(r.settings.workerPace).map(([k, v]) => `${k}=${String(v)}`).join(', ')}.`,
  ].join('\n');
}

export function renderReadme(readmePath: string, resultsDir: string): void {
  const readme = readFileSync(readmePath, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${readmePath} has lost its results markers; put back '${START}' and '${END}'`);
  const sections: string[] = [];
  const f = read(resultsDir, 'fleet-throughput');
  const fl = read(resultsDir, 'fleet-throughput-latency');
  const rl = read(resultsDir, 'rate-limited');
  const p = read(resultsDir, 'parked-at-scale');
  if (f) sections.push(fleet(f));
  if (fl) sections.push(fleet(fl));
  const fc = read(resultsDir, 'fleet-throughput-cluster');
  if (fc) sections.push(fleetCluster(fc));
  if (rl) sections.push(rateLimited(rl));
  if (p) sections.push(parked(p));
  // other sizes and caches, smallest first
  const byNumbers = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
  for (const file of readdirSync(resultsDir).filter((n) => n.startsWith('parked-at-scale-')).sort(byNumbers)) {
    sections.push(parked(read(resultsDir, file.replace(/\.json$/, ''))!));
  }
  for (const file of readdirSync(resultsDir).filter((n) => n.startsWith('fleet-policy')).sort(byNumbers)) {
    sections.push(fleetPolicy(read(resultsDir, file.replace(/\.json$/, ''))!));
  }
  const block = `${START}\n${sections.join('\n\n')}\n`;
  writeFileSync(readmePath, readme.slice(0, start) + block + readme.slice(end));
}
