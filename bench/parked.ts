/**
 * Benchmark 3, parked at scale: N rotations waiting in pending-deletion (a 30-day durable timer each). How long they
 * take to park, what the worker and the dev server hold in memory meanwhile, and how fast `status` and `delete-now`
 * answer while they wait.
 *
 * Consumer: a CSMS secret per rotation by default. SORACOM's listCredentials has no pagination and is the only way to
 * read a set, so with N sets in one operator every rotation reads N sets three times (O(N²) for the fleet); the fleet
 * benchmark reports that cost at its size. `--parked-consumer soracom` runs this one with SORACOM sets anyway.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { rotationStatus } from '../src/operations';
import { projectRoot } from '../sandbox/tools';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../src/worker';
import { checkRotated, fleetMembers, providersFromEnv, seedFleet, type ConsumerKind } from './lib/fleet';
import { Meter, mib, round } from './lib/meter';
import { groupUsage } from './lib/processes';
import { deleteAllNow, percentile, rotationIdOf, startRotations, waitForCounts } from './lib/rotations';
import { providerEnv, startCsms, startDevServer, startMotoServer, startSoracom, startWorker, workerTuning } from './lib/stack';

export interface ParkedSizes {
  n: number;
  /** how many `status` calls and how many `delete-now` calls are timed */
  samples: number;
  consumer: ConsumerKind;
  concurrency: number;
  /** ROTATOR_MAX_CACHED_WORKFLOWS for the worker; undefined keeps the rotator's default (src/worker.ts) */
  workerCache?: number;
}

const latency = (samples: number[]) => ({
  samples: samples.length,
  p50: round(percentile(samples, 50), 1),
  p95: round(percentile(samples, 95), 1),
  max: round(Math.max(...samples), 1),
});

/** How long the worker sits idle before each memory reading that follows parking. */
const SETTLE_SECONDS = 30;

export async function parkedAtScale({ n, samples, consumer, concurrency, workerCache }: ParkedSizes) {
  const log = (line: string) => process.stderr.write(`[parked] ${line}\n`);
  const moto = await startMotoServer();
  const soracom = await startSoracom();
  const csms = await startCsms(Math.max(500, n));
  const dev = await startDevServer();
  const env = providerEnv({ moto: moto.endpoint, soracom: soracom.endpoint, csms: csms.endpoint });
  const providers = providersFromEnv(env);
  const members = fleetMembers('bench-park', n);
  const pace = {
    ROTATOR_AWS_IAM_RPS: '1000',
    ROTATOR_AWS_IAM_CONCURRENCY: String(concurrency),
    ROTATOR_SORACOM_RPS: '1000',
    ROTATOR_SORACOM_CONCURRENCY: String(concurrency),
    ROTATOR_CSMS_RPS: '1000',
    ROTATOR_CSMS_CONCURRENCY: String(concurrency),
    ...(workerCache ? { ROTATOR_MAX_CACHED_WORKFLOWS: String(workerCache) } : {}),
  };
  let worker = await startWorker(dev.address, env, pace);
  const { client, close } = await dev.client();
  try {
    const idle = { worker: groupUsage(worker.pid).rssBytes, temporal: groupUsage(dev.child.pid).rssBytes };
    log(`seeding ${n} users and ${consumer} consumers`);
    const seeding = performance.now();
    await seedFleet(providers, members, consumer, 8);
    const seedSeconds = (performance.now() - seeding) / 1000;
    const meter = new Meter({ worker: worker.pid, temporal: dev.child.pid, moto: moto.pid, [consumer]: consumer === 'csms' ? csms.child.pid : soracom.child.pid });

    log(`parking ${n} rotations`);
    const park = await meter.measure(async () => {
      await startRotations(client, members, consumer);
      return await waitForCounts(client, 'parking', (c) => c.parked + c.failed >= n, (c) => c.parked + c.failed);
    });
    log(`parked in ${park.stretch.wallSeconds} s (${park.result.failed} failed)`);
    const wrong = await checkRotated(providers, members, 'parked');
    const memory = {
      workerRssMiB: mib(groupUsage(worker.pid).rssBytes),
      temporalRssMiB: mib(groupUsage(dev.child.pid).rssBytes),
      motoRssMiB: mib(groupUsage(moto.pid).rssBytes),
      idleBeforeSeeding: { workerRssMiB: mib(idle.worker), temporalRssMiB: mib(idle.temporal) },
    };
    log(`memory: worker ${memory.workerRssMiB} MiB, dev server ${memory.temporalRssMiB} MiB`);
    // V8 hands back unused heap only once a process goes idle: what the worker holds while the fleet just waits
    await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));
    const settledWorkerRssMiB = mib(groupUsage(worker.pid).rssBytes);
    // a restarted worker caches nothing: what N parked rotations themselves cost it (they live in the server)
    await worker.stop();
    const restarting = performance.now();
    worker = await startWorker(dev.address, env, pace);
    const workerStartSeconds = round((performance.now() - restarting) / 1000, 2);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));
    const restartedWorkerRssMiB = mib(groupUsage(worker.pid).rssBytes);
    log(`worker after ${SETTLE_SECONDS} s idle ${settledWorkerRssMiB} MiB; restarted (ready in ${workerStartSeconds} s) with ${n} parked ${restartedWorkerRssMiB} MiB`);

    // sampled evenly over the fleet, one call at a time: the latency an operator sees with the rest waiting
    const step = Math.max(1, Math.floor(n / samples));
    const sampled = members.filter((_, i) => i % step === 0).slice(0, samples);
    const statusMs: number[] = [];
    for (const { userName } of sampled) {
      const started = performance.now();
      const status = await rotationStatus(client, rotationIdOf(userName));
      statusMs.push(performance.now() - started);
      if (status.phase !== 'pending-deletion') throw new Error(`${userName} is ${status.phase}, not pending-deletion`);
    }
    const cliMs = await cliStatusLatency(env, dev.address, sampled.slice(0, 5).map((m) => rotationIdOf(m.userName)));
    const deleteMs = await deleteAllNow(client, sampled, 1);
    const result = {
      sizes: { n, samples: sampled.length, consumer, concurrency, workerCache: workerCache ?? `rotator default (${DEFAULT_MAX_CACHED_WORKFLOWS})` },
      settings: { workerTuningFromShell: workerTuning(), workerPace: pace, recoveryWindowDays: 30, csmsSecretsPerProject: Math.max(500, n) },
      seedSeconds: round(seedSeconds, 1),
      parkSeconds: park.stretch.wallSeconds,
      parkedPerSecond: round(n / park.stretch.wallSeconds, 2),
      failures: park.result.failed,
      usersNotAsExpected: wrong,
      workerStartSeconds,
      settleSeconds: SETTLE_SECONDS,
      memory: { ...memory, settledWorkerRssMiB, restartedWorkerRssMiB, afterSamplesWorkerRssMiB: mib(groupUsage(worker.pid).rssBytes) },
      statusLatencyMs: latency(statusMs),
      deleteNowLatencyMs: latency(deleteMs),
      cliStatusLatencyMs: latency(cliMs),
      park: park.stretch,
    };
    log(`worker after the samples (restarted worker): ${result.memory.afterSamplesWorkerRssMiB} MiB`);
    log(`status p50 ${result.statusLatencyMs.p50} ms p95 ${result.statusLatencyMs.p95} ms; delete-now p50 ${result.deleteNowLatencyMs.p50} ms p95 ${result.deleteNowLatencyMs.p95} ms`);
    return result;
  } finally {
    await close();
    await worker.stop();
    await dev.child.stop();
    await csms.child.stop();
    await soracom.child.stop();
    await moto.stop();
  }
}

/** `rotator status ID --json` as an operator of an installed build types it: node start-up included (no tsx). */
async function cliStatusLatency(env: Record<string, string>, address: string, ids: string[]): Promise<number[]> {
  const run = promisify(execFile);
  const times: number[] = [];
  for (const id of ids) {
    const started = performance.now();
    await run(process.execPath, [path.join(projectRoot, 'bin/rotator.js'), 'status', id, '--json'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: 'default', ROTATOR_USE_BUILD: '1' },
    });
    times.push(performance.now() - started);
  }
  return times;
}
