/**
 * `npm run bench`: the benchmarks in one run, each against its own fresh Temporal dev server, moto, sandboxes
 * and `rotator worker` process. Writes bench/results/<name>.json and the results table in bench/README.md.
 *   npm run bench -- [--only fleet,fleet-latency,rate-limited,parked] [--fleet N] [--concurrency C]
 *                    [--latency-fleet N] [--latency-ms L] [--rl N] [--rl-per-minute R]
 *                    [--parked N] [--samples S] [--parked-consumer csms|soracom] [--worker-cache N]
 *                    [--policy-fleet N] [--policy-concurrency C] [--no-readme]
 * `--only fleet-policy` (plan and fleet run of 10,000 IAM users) runs only when named: it takes 30–40 minutes here.
 *   npm run bench -- --only fleet-cluster [--cluster-fleet N]   (the fleet on the dev server and on the self-hosted cluster)
 * Every size also reads BENCH_<FLAG> (e.g. BENCH_FLEET=20 BENCH_PARKED=200).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { toolPath } from '../sandbox/tools';
import { fleetThroughput } from './fleet-throughput';
import { rateLimited } from './rate-limited';
import { parkedAtScale } from './parked';
import { fleetPolicy } from './fleet-policy';
import { fleetOnCluster } from './fleet-cluster';
import { installCleanup, killAllGroups } from './lib/processes';
import { renderReadme } from './report';

/** Parked rotations by default: 10,000 takes 30–40 minutes to park here, so it is run on its own (bench/README.md). */
const DEFAULT_PARKED = 2_000;

const benchDir = __dirname;
/** IAM users in the fleet-policy benchmark: the 10,000. */
const DEFAULT_POLICY_FLEET = 10_000;

const names = ['fleet', 'fleet-latency', 'rate-limited', 'parked', 'fleet-policy', 'fleet-cluster'] as const;
type Name = (typeof names)[number];
/** What runs without --only: the fleet policy at 10,000 takes as long as all the others together, and fleet-cluster builds and starts the self-hosted cluster */
const defaults: Name[] = ['fleet', 'fleet-latency', 'rate-limited', 'parked'];

function options() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      fleet: { type: 'string' },
      'latency-fleet': { type: 'string' },
      'latency-ms': { type: 'string' },
      concurrency: { type: 'string' },
      rl: { type: 'string' },
      'rl-per-minute': { type: 'string' },
      parked: { type: 'string' },
      samples: { type: 'string' },
      'parked-consumer': { type: 'string' },
      'worker-cache': { type: 'string' },
      'policy-fleet': { type: 'string' },
      'policy-concurrency': { type: 'string' },
      'cluster-fleet': { type: 'string' },
      'no-readme': { type: 'boolean', default: false },
    },
  });
  const size = (flag: keyof typeof values, fallback: number) => {
    const raw = (values[flag] as string | undefined) ?? process.env[`BENCH_${flag.toUpperCase().replace(/-/g, '_')}`];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${flag} must be a positive whole number, got '${raw}'`);
    return n;
  };
  const only = (values.only ?? process.env.BENCH_ONLY ?? defaults.join(',')).split(',').map((s) => s.trim());
  for (const o of only) if (!names.includes(o as Name)) throw new Error(`--only takes ${names.join(', ')}; got '${o}'`);
  const consumer = values['parked-consumer'] ?? process.env.BENCH_PARKED_CONSUMER ?? 'csms';
  if (consumer !== 'csms' && consumer !== 'soracom') throw new Error(`--parked-consumer must be csms or soracom, got '${consumer}'`);
  const concurrency = size('concurrency', 16);
  return {
    only: only as Name[],
    readme: !values['no-readme'],
    fleet: { n: size('fleet', 500), concurrency },
    // the same comparison with every provider call slowed as over the internet (the emulators answer in ~5 ms)
    fleetLatency: { n: size('latency-fleet', 100), concurrency, latencyMs: size('latency-ms', 50) },
    // 41 rotations list the sets 123 times: at 60 a minute SORACOM's windows let the last through after 2 minutes
    rateLimited: { n: size('rl', 41), perMinute: size('rl-per-minute', 60) },
    // 10,000 takes about half an hour to park on this 2-core machine (see README): the default keeps the run under 20 min
    // the same rotator run on the dev server and on the self-hosted cluster, one after the other
    fleetCluster: { n: size('cluster-fleet', 200), concurrency },
    parked: { n: size('parked', DEFAULT_PARKED), samples: size('samples', 200), consumer: consumer as 'csms' | 'soracom', concurrency, workerCache: size('worker-cache', 0) || undefined },
    // the fleet run's own bound (rotations in flight) is --policy-concurrency; the worker's slots per queue --concurrency
    fleetPolicy: { n: size('policy-fleet', DEFAULT_POLICY_FLEET), concurrency: Math.min(100, size('policy-concurrency', 50)), workerConcurrency: concurrency },
  };
}

function version(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trim().split('\n')[0]!;
  } catch (err) {
    return `unknown (${(err as Error).message.split('\n')[0]})`;
  }
}

export function machine() {
  const sdk = (JSON.parse(readFileSync(require.resolve('@temporalio/worker/package.json'), 'utf8')) as { version: string }).version;
  const motoPython = path.join(path.dirname(realpathSync(toolPath('moto_server'))), 'python');
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    temporalCli: version(toolPath('temporal'), ['--version']),
    temporalSdk: sdk,
    moto: version(motoPython, ['-c', 'import moto; print(moto.__version__)']),
    platform: `${os.type()} ${os.release()}`,
  };
}

/** The worker runs lib/ (as the image does): refuse a build older than the sources rather than measure stale code. */
function assertBuildCurrent(): void {
  const root = path.join(benchDir, '..');
  const bundle = path.join(root, 'lib', 'workflow-bundle.js');
  if (!existsSync(bundle)) throw new Error('lib/workflow-bundle.js is missing: run `npm run build` (`npm run bench` does it first)');
  const built = statSync(bundle).mtimeMs;
  const newer = (readdirSync(path.join(root, 'src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && statSync(path.join(root, 'src', f)).mtimeMs > built);
  if (newer.length > 0) throw new Error(`lib/ is older than src/${newer[0]}: run \`npm run build\` (\`npm run bench\` does it first)`);
}

async function main(): Promise<void> {
  assertBuildCurrent();
  installCleanup();
  const opts = options();
  const resultsDir = path.join(benchDir, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const host = machine();
  process.stderr.write(`bench: ${JSON.stringify(host)}\n`);
  const started = Date.now();
  const runners: Record<Name, () => Promise<object>> = {
    fleet: () => fleetThroughput(opts.fleet),
    'fleet-latency': () => fleetThroughput(opts.fleetLatency),
    'rate-limited': () => rateLimited(opts.rateLimited),
    parked: () => parkedAtScale(opts.parked),
    'fleet-policy': () => fleetPolicy(opts.fleetPolicy),
    'fleet-cluster': () => fleetOnCluster(opts.fleetCluster),
  };
  // another size or worker cache is a different configuration: its parked results sit beside the default's
  const parkedFile = ['parked-at-scale', ...(opts.parked.n === DEFAULT_PARKED ? [] : [String(opts.parked.n)]), ...(opts.parked.workerCache ? [`cache-${opts.parked.workerCache}`] : [])].join('-');
  const policyFile = ['fleet-policy', ...(opts.fleetPolicy.n === DEFAULT_POLICY_FLEET ? [] : [String(opts.fleetPolicy.n)])].join('-');
  const files: Record<string, string> = { fleet: 'fleet-throughput', 'fleet-latency': 'fleet-throughput-latency', 'rate-limited': 'rate-limited', parked: parkedFile, 'fleet-policy': policyFile, 'fleet-cluster': 'fleet-throughput-cluster' };
  for (const name of opts.only) {
    const record = { name: files[name], date: new Date().toISOString(), machine: host, loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100) };
    const benchStarted = Date.now();
    const result = await runners[name]();
    const full = { ...record, durationSeconds: Math.round((Date.now() - benchStarted) / 1000), loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100), ...result };
    const file = path.join(resultsDir, `${files[name]}.json`);
    writeFileSync(file, `${JSON.stringify(full, null, 2)}\n`);
    process.stderr.write(`bench: wrote ${path.relative(process.cwd(), file)}\n`);
  }
  if (opts.readme) {
    renderReadme(path.join(benchDir, 'README.md'), resultsDir);
    process.stderr.write(`bench: updated bench/README.md\n`);
  }
  process.stderr.write(`bench: done in ${Math.round((Date.now() - started) / 1000)} s\n`);
}

main().then(
  () => {
    killAllGroups();
    process.exit(0);
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    killAllGroups();
    process.exit(1);
  },
);
