/**
 * Benchmark 1, fleet throughput: N IAM users in moto, each key in a SORACOM set. The rotator rotates them all to
 * pending-deletion, then delete-now on all; a raw concurrent script and a sequential one make the same provider calls.
 */
import { checkRotated, deleteByScript, fleetMembers, pool, providersFromEnv, rotateByScript, seedFleet } from './lib/fleet';
import { Meter, round, type Stretch } from './lib/meter';
import { deleteAllNow, lastEntered, percentile, startRotations, waitForCounts } from './lib/rotations';
import { providerEnv, startDevServer, startMotoServer, startSoracom, startWorker, workerTuning } from './lib/stack';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../src/worker';
import { startFaultProxy, type FaultProxy } from '../test/support/fault-proxy';

export interface FleetSizes {
  n: number;
  /** in-flight rotations of the raw script, and each provider queue's activity slots in the worker */
  concurrency: number;
  /** added to every provider call by a proxy in front of moto and the SORACOM sandbox (0: none, the emulators' ~5 ms) */
  latencyMs?: number;
}

interface Variant {
  rotate: Stretch;
  rotationsPerSecond: number;
  delete: Stretch;
  deletionsPerSecond: number;
  failures: number;
}

export async function fleetThroughput({ n, concurrency, latencyMs = 0 }: FleetSizes) {
  const tag = latencyMs ? `fleet +${latencyMs} ms` : 'fleet';
  const log = (line: string) => process.stderr.write(`[${tag}] ${line}\n`);
  const moto = await startMotoServer();
  const soracom = await startSoracom();
  const dev = await startDevServer();
  // seeding and checks go straight to the emulators; the measured calls, of the rotator and the scripts, through the proxies
  const direct = providerEnv({ moto: moto.endpoint, soracom: soracom.endpoint });
  const proxies: FaultProxy[] = [];
  if (latencyMs) {
    proxies.push(await startFaultProxy({ upstream: moto.endpoint, flavor: 'aws' }), await startFaultProxy({ upstream: soracom.endpoint, flavor: 'soracom' }));
    for (const proxy of proxies) proxy.addRule({ fault: { kind: 'latency', ms: latencyMs } });
  }
  const env = latencyMs ? providerEnv({ moto: proxies[0]!.endpoint, soracom: proxies[1]!.endpoint }) : direct;
  const seeding = providersFromEnv(direct);
  const providers = providersFromEnv(env);
  const members = fleetMembers(latencyMs ? 'bench-fleet-latency' : 'bench-fleet', n);
  // the defaults (IAM 10/s, SORACOM 5/s) would be the whole story; raised so the rotator's own overhead shows
  const pace = {
    ROTATOR_AWS_IAM_RPS: '1000',
    ROTATOR_AWS_IAM_CONCURRENCY: String(concurrency),
    ROTATOR_SORACOM_RPS: '1000',
    ROTATOR_SORACOM_CONCURRENCY: String(concurrency),
    // all N run at once: a cache that holds them all, as the README advises (smaller, each step replays its history)
    ROTATOR_MAX_CACHED_WORKFLOWS: String(Math.max(n, DEFAULT_MAX_CACHED_WORKFLOWS)),
  };
  const worker = await startWorker(dev.address, env, pace);
  const { client, close } = await dev.client();
  try {
    log(`seeding ${n} users and SORACOM sets`);
    await seedFleet(seeding, members, 'soracom');
    const meter = new Meter({ worker: worker.pid, temporal: dev.child.pid, moto: moto.pid, soracom: soracom.child.pid });

    log(`rotator: ${n} rotations to pending-deletion`);
    const t0 = Date.now();
    const rotate = await meter.measure(async () => {
      await startRotations(client, members, 'soracom');
      return await waitForCounts(client, 'rotator fleet', (c) => c.parked + c.failed >= n, (c) => c.parked + c.failed);
    });
    // exact end from the rotations' own timelines (visibility is polled, so it lags slightly)
    const rotateSeconds = rotate.result.failed === 0 ? (await lastEntered(client, members, 'pending-deletion')) / 1000 - t0 / 1000 : rotate.stretch.wallSeconds;
    log(`rotator: delete-now on all`);
    const deletions = await meter.measure(() => deleteAllNow(client, members, concurrency));
    const wrong = await checkRotated(seeding, members);
    const rotator: Variant & { deleteNowLatencyMs: { p50: number; p95: number } } = {
      rotate: rotate.stretch,
      rotationsPerSecond: round(n / rotateSeconds, 2),
      delete: deletions.stretch,
      deletionsPerSecond: round(n / deletions.stretch.wallSeconds, 2),
      failures: rotate.result.failed + wrong,
      deleteNowLatencyMs: { p50: round(percentile(deletions.result, 50), 1), p95: round(percentile(deletions.result, 95), 1) },
    };
    log(`rotator: ${rotator.rotationsPerSecond} rotations/s, ${rotator.deletionsPerSecond} deletions/s, ${rotator.failures} failures`);
    await worker.stop(); // the baselines run without Temporal on the machine
    await dev.child.stop();

    const script = async (name: string, lanes: number): Promise<Variant> => {
      log(`${name} script: ${n} rotations, ${lanes} at a time`);
      const rotated = await meter.measure(() => pool(members, lanes, (m) => rotateByScript(providers, m)));
      const deleted = await meter.measure(() => pool(members, lanes, (m, i) => deleteByScript(providers, m.userName, rotated.result[i]!)));
      const variant = {
        rotate: rotated.stretch,
        rotationsPerSecond: round(n / rotated.stretch.wallSeconds, 2),
        delete: deleted.stretch,
        deletionsPerSecond: round(n / deleted.stretch.wallSeconds, 2),
        failures: await checkRotated(seeding, members),
      };
      log(`${name} script: ${variant.rotationsPerSecond} rotations/s, ${variant.deletionsPerSecond} deletions/s`);
      return variant;
    };
    const raw = await script('raw concurrent', concurrency);
    const sequential = await script('sequential', 1);
    return {
      sizes: { n, concurrency, latencyMs },
      settings: { workerTuningFromShell: workerTuning(), workerPace: pace, consumer: 'SORACOM aws-credentials set, update mode', recoveryWindowDays: 30 },
      rotator,
      raw,
      sequential,
      ratios: {
        rotatorOverRaw: round(rotator.rotationsPerSecond / raw.rotationsPerSecond, 2),
        rotatorOverSequential: round(rotator.rotationsPerSecond / sequential.rotationsPerSecond, 2),
        deletionsRotatorOverRaw: round(rotator.deletionsPerSecond / raw.deletionsPerSecond, 2),
        deletionsRotatorOverSequential: round(rotator.deletionsPerSecond / sequential.deletionsPerSecond, 2),
      },
      soracomRequests: await soracom.stats(),
    };
  } finally {
    await close();
    await worker.stop();
    await dev.child.stop();
    await soracom.child.stop();
    await moto.stop();
    for (const proxy of proxies) await proxy.stop();
  }
}
