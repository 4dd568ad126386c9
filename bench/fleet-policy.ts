/**
 * Benchmark 4, a fleet policy at scale: N IAM users under one path in moto, as `rotator plan aws-iam-keys` and
 * `rotator fleet aws-iam-keys` see them through the fault-injection proxy (test/support/fault-proxy.ts), which pages
 * ListUsers as IAM does (moto answers every user at once) and reports the due users' keys as 120 days old (moto
 * creates every key "now"). Both commands run as an operator runs them: whole `rotator` processes of the build.
 *
 * The users, by index: 4 in 10 due (Active key 120 days old, tag rotator:consumers naming a CSMS secret that holds
 * the key), 4 in 10 younger than --max-age, 1 in 10 exempt (tag rotator:exempt), 1 in 10 with no consumers tag. Each
 * due user's consumer is a CSMS secret, as in benchmark 3: SORACOM's unpaged set list would make N sets cost O(N²).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, ListAccessKeysCommand, ListUsersCommand, TagUserCommand } from '@aws-sdk/client-iam';
import { projectRoot } from '../sandbox/tools';
import { startFaultProxy } from '../test/support/fault-proxy';
import { pool, providersFromEnv } from './lib/fleet';
import { Meter, mib, round } from './lib/meter';
import { groupUsage, killGroup, ownGroup } from './lib/processes';
import { identities, providerEnv, startCsms, startDevServer, startMotoServer, startSoracom, startWorker, workerTuning } from './lib/stack';

export interface FleetPolicySizes {
  /** IAM users under the fleet's path */
  n: number;
  /** the fleet run's --concurrency: rotations between starting and parking at once (1..100) */
  concurrency: number;
  /** each provider queue's activity slots in the worker */
  workerConcurrency: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const PATH = '/bench-fleet/';
const MAX_AGE_DAYS = 90;
/** How long the worker and dev server sit idle after the run before the last memory reading. */
const SETTLE_SECONDS = 30;

type Kind = 'due' | 'young' | 'exempt' | 'untagged';
const kindOf = (i: number): Kind => (i % 10 < 4 ? 'due' : i % 10 < 8 ? 'young' : i % 10 === 8 ? 'exempt' : 'untagged');
const userName = (i: number) => `fleet-${String(i + 1).padStart(5, '0')}`;

/**
 * Resident memory of each process group, read every second while `work` runs: the peak and the mean; and the machine's
 * 1-minute load average meanwhile (other work on a shared machine takes the cores from the processes measured).
 */
async function sampled<T>(groups: Record<string, number>, work: () => Promise<T>): Promise<{ result: T; rssMiB: Record<string, { peak: number; mean: number }>; loadAverage: { mean: number; max: number } }> {
  const samples: Record<string, number[]> = {};
  const loads: number[] = [];
  // groups may gain a member meanwhile (the CLI process)
  const read = () => {
    loads.push(os.loadavg()[0]!);
    for (const [name, pgid] of Object.entries(groups)) {
      const rss = groupUsage(pgid).rssBytes;
      if (rss > 0) (samples[name] ??= []).push(rss);
    }
  };
  read();
  const timer = setInterval(read, 1000);
  try {
    const result = await work();
    read();
    const rssMiB = Object.fromEntries(
      Object.entries(samples).map(([name, s]) => [name, { peak: mib(Math.max(0, ...s)), mean: mib(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)) }]),
    );
    return { result, rssMiB, loadAverage: { mean: round(loads.reduce((a, b) => a + b, 0) / loads.length, 2), max: round(Math.max(...loads), 2) } };
  } finally {
    clearInterval(timer);
  }
}

/** A `rotator` process of the build, its stdout read line by line; its pid joins the sampled groups while it runs. */
function rotatorProcess(args: string[], env: NodeJS.ProcessEnv, onLine: (line: string) => void, onStart: (pid: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    // its own process group, so its memory is read apart from the driver's, and it ends with the driver
    const child = spawn(process.execPath, [path.join(projectRoot, 'bin/rotator.js'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    ownGroup(child.pid!);
    onStart(child.pid!);
    let buffered = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      lines.filter(Boolean).forEach(onLine);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      killGroup(child.pid!);
      if (buffered) onLine(buffered);
      if (code === 0) resolve();
      else reject(new Error(`rotator ${args.slice(0, 2).join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

export async function fleetPolicy({ n, concurrency, workerConcurrency }: FleetPolicySizes) {
  const log = (line: string) => process.stderr.write(`[fleet-policy] ${line}\n`);
  const moto = await startMotoServer();
  const iamProxy = await startFaultProxy({ upstream: moto.endpoint, flavor: 'aws' });
  iamProxy.pageListUsers();
  const due = Array.from({ length: n }, (_, i) => i).filter((i) => kindOf(i) === 'due');
  const csms = await startCsms(Math.max(500, due.length));
  const soracom = await startSoracom();
  const dev = await startDevServer();
  // seeding goes straight to the emulators; the rotator (CLI and worker) reaches IAM through the proxy, STS directly
  const direct = providerEnv({ moto: moto.endpoint, soracom: soracom.endpoint, csms: csms.endpoint });
  const env = { ...direct, AWS_ENDPOINT_URL_IAM: iamProxy.endpoint };
  const seeding = providersFromEnv(direct);
  // the defaults (IAM 10 activities/s) would set the result alone; raised, as in benchmarks 1 and 3
  const pace = {
    ROTATOR_AWS_IAM_RPS: '1000',
    ROTATOR_AWS_IAM_CONCURRENCY: String(workerConcurrency),
    ROTATOR_CSMS_RPS: '1000',
    ROTATOR_CSMS_CONCURRENCY: String(workerConcurrency),
  };
  const worker = await startWorker(dev.address, env, pace);
  const cliEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env, TEMPORAL_ADDRESS: dev.address, TEMPORAL_NAMESPACE: 'default', ROTATOR_USE_BUILD: '1' };
  const selection = ['--account', identities.accountId, '--path-prefix', PATH, '--max-age', `${MAX_AGE_DAYS}d`];
  try {
    const idle = { worker: mib(groupUsage(worker.pid).rssBytes), temporal: mib(groupUsage(dev.child.pid).rssBytes) };
    log(`seeding ${n} IAM users (${due.length} due) and ${due.length} CSMS secrets`);
    const seedStarted = performance.now();
    const old = new Date(Date.now() - 120 * DAY_MS);
    await pool(Array.from({ length: n }, (_, i) => i), 16, async (i) => {
      const name = userName(i);
      const kind = kindOf(i);
      await seeding.aws.iam.send(new CreateUserCommand({ UserName: name, Path: PATH }));
      const { AccessKey } = await seeding.aws.iam.send(new CreateAccessKeyCommand({ UserName: name }));
      iamProxy.backdateKey(AccessKey!.AccessKeyId!, kind === 'young' ? new Date(Date.now() - 30 * DAY_MS) : old);
      const tags = [
        ...(kind === 'untagged' ? [] : [{ Key: 'rotator:consumers', Value: `csms:${name}` }]),
        ...(kind === 'exempt' ? [{ Key: 'rotator:exempt', Value: 'bench: vendor contract' }] : []),
      ];
      if (tags.length > 0) await seeding.aws.iam.send(new TagUserCommand({ UserName: name, Tags: tags }));
      if (kind === 'due') await seeding.csms!.createSecret(name, JSON.stringify({ accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! }));
    });
    const seedSeconds = round((performance.now() - seedStarted) / 1000, 1);
    log(`seeded in ${seedSeconds} s`);

    // what one page of the plan costs moto and the proxy, apart from the rotator: moto answers all N, the proxy cuts 100
    const pageStarted = performance.now();
    await providersFromEnv(env).aws.iam.send(new ListUsersCommand({ PathPrefix: PATH, MaxItems: 100 }));
    const listUsersPageMs = round(performance.now() - pageStarted, 1);

    const groups: Record<string, number> = { worker: worker.pid, temporal: dev.child.pid, moto: moto.pid };
    const meter = new Meter({ worker: worker.pid, temporal: dev.child.pid, moto: moto.pid, csms: csms.child.pid });

    log('plan');
    const planned = { rotate: [] as string[], skipByReason: {} as Record<string, number>, decisions: 0 };
    const plan = await meter.measure(() =>
      sampled(groups, () =>
        rotatorProcess(['plan', 'aws-iam-keys', ...selection, '--json'], cliEnv, (line) => {
          const d = JSON.parse(line) as { rotationId: string; action: string; reason: string };
          planned.decisions++;
          if (d.action === 'rotate') planned.rotate.push(d.rotationId);
          else {
            const reason = d.reason.replace(/AKIA\w+|ASIA\w+|[A-Z0-9]{20}/g, 'KEY').replace(/\d+ days old/, 'N days old');
            planned.skipByReason[reason] = (planned.skipByReason[reason] ?? 0) + 1;
          }
        }, (pid) => (groups.cli = pid)),
      ),
    );
    delete groups.cli;
    log(`plan: ${planned.decisions} users in ${plan.stretch.wallSeconds} s, ${planned.rotate.length} to rotate`);

    log(`fleet run, --concurrency ${concurrency}`);
    let report: { counts: { rotated: number; skipped: number; failed: number }; rotated: { rotationId: string }[]; failed: { rotationId: string; problem: string }[]; generations: number; fleetId: string } | undefined;
    const started = Date.now();
    const fleetRun = await meter.measure(() =>
      sampled(groups, () =>
        rotatorProcess(['fleet', 'aws-iam-keys', ...selection, '--concurrency', String(concurrency), '--pickup-grace', '0s', '--wait', '--json'], cliEnv, (line) => {
          const parsed = JSON.parse(line) as typeof report & { started?: boolean };
          if (parsed && !parsed.started) report = parsed;
        }, () => undefined),
      ),
    );
    if (report === undefined) throw new Error('the fleet run printed no report');
    log(`fleet run: ${report.counts.rotated} rotated, ${report.counts.skipped} skipped, ${report.counts.failed} failed in ${fleetRun.stretch.wallSeconds} s`);
    const afterRun = { worker: mib(groupUsage(worker.pid).rssBytes), temporal: mib(groupUsage(dev.child.pid).rssBytes), moto: mib(groupUsage(moto.pid).rssBytes) };
    await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));
    const settled = { worker: mib(groupUsage(worker.pid).rssBytes), temporal: mib(groupUsage(dev.child.pid).rssBytes) };

    // the run did what the plan said, and the providers show it: each due user's old key Inactive beside the one its secret holds
    // the report lists the first 1,000 of each outcome: visibility has every rotation the run left in its window
    const parked = new Set<string>();
    const { client, close } = await dev.client();
    try {
      for await (const wf of client.workflow.list({ query: `WorkflowType = 'rotateCredential' AND RotationPhase = 'pending-deletion' AND ExecutionStatus = 'Running'`, pageSize: 1000 })) parked.add(wf.workflowId);
    } finally {
      await close();
    }
    const planMatchesRun = report.counts.failed === 0 && parked.size === planned.rotate.length && planned.rotate.every((id) => parked.has(id)) && report.rotated.every((r) => parked.has(r.rotationId));
    const checked = await pool(due.filter((_, k) => k % Math.max(1, Math.floor(due.length / 200)) === 0), 8, async (i) => {
      const keys = (await seeding.aws.iam.send(new ListAccessKeysCommand({ UserName: userName(i) }))).AccessKeyMetadata ?? [];
      const held = (JSON.parse((await seeding.csms!.showSecretVersion(userName(i), 'latest')).secret_string ?? '{}') as { accessKeyId?: string }).accessKeyId;
      const active = keys.filter((k) => k.Status === 'Active');
      return keys.length === 2 && active.length === 1 && active[0]!.AccessKeyId === held;
    });

    return {
      sizes: { n, due: due.length, concurrency, workerConcurrency },
      settings: { workerTuningFromShell: workerTuning(), workerPace: pace, maxAgeDays: MAX_AGE_DAYS, pathPrefix: PATH, consumer: 'CSMS secret', recoveryWindowDays: 30, pickupGraceSeconds: 0, mix: '4/10 due, 4/10 younger, 1/10 exempt, 1/10 no consumers tag' },
      seedSeconds,
      listUsersPageMs,
      plan: { wallSeconds: plan.stretch.wallSeconds, decisions: planned.decisions, rotate: planned.rotate.length, skipByReason: planned.skipByReason, usersPerSecond: round(planned.decisions / plan.stretch.wallSeconds, 1), stretch: plan.stretch, rssMiB: plan.result.rssMiB, loadAverage: plan.result.loadAverage },
      run: {
        fleetId: report.fleetId,
        wallSeconds: fleetRun.stretch.wallSeconds,
        startedAt: new Date(started).toISOString(),
        counts: report.counts,
        rotationsPerSecond: round(report.counts.rotated / fleetRun.stretch.wallSeconds, 2),
        usersPerSecond: round(n / fleetRun.stretch.wallSeconds, 1),
        generations: report.generations,
        failed: report.failed.slice(0, 10),
        planMatchesRun,
        providerChecks: { checked: checked.length, asExpected: checked.filter(Boolean).length },
        stretch: fleetRun.stretch,
        rssMiB: fleetRun.result.rssMiB,
        loadAverage: fleetRun.result.loadAverage,
      },
      memory: { idleBeforeSeeding: idle, afterRun, settleSeconds: SETTLE_SECONDS, afterSettle: settled },
    };
  } finally {
    await worker.stop();
    await dev.child.stop();
    await soracom.child.stop();
    await csms.child.stop();
    await iamProxy.stop();
    await moto.stop();
  }
}
