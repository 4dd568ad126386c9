/**
 * Benchmark 2, rate-limited fleet: the SORACOM sandbox allows R requests per minute per route (SORACOM's fixed
 * one-minute windows, 429 with X-Soracom-Ratelimit-* headers). The worker's own pace is left high, so the provider's
 * limit is the one that binds and the rotator has to follow its 429s.
 */
import { checkRotated, fleetMembers, providersFromEnv, seedFleet } from './lib/fleet';
import { Meter, round } from './lib/meter';
import { lastEntered, startRotations, waitForCounts } from './lib/rotations';
import { providerEnv, startDevServer, startMotoServer, startSoracom, startWorker } from './lib/stack';

export interface RateLimitedSizes {
  n: number;
  /** SORACOM requests per minute, per route and operator */
  perMinute: number;
}

/** SORACOM requests per rotation on the busiest route: planConsumer lists the sets, putCredential lists before and after its PUT. */
const LISTS_PER_ROTATION = 3;

export async function rateLimited({ n, perMinute }: RateLimitedSizes) {
  const log = (line: string) => process.stderr.write(`[rate-limited] ${line}\n`);
  const moto = await startMotoServer();
  const soracom = await startSoracom({ default: perMinute });
  const dev = await startDevServer();
  const env = providerEnv({ moto: moto.endpoint, soracom: soracom.endpoint });
  const providers = providersFromEnv(env);
  if (n * LISTS_PER_ROTATION <= perMinute) throw new Error(`--rl ${n} makes ${n * LISTS_PER_ROTATION} list calls, within one window of ${perMinute}: the limit would not bind; use --rl above ${Math.floor(perMinute / LISTS_PER_ROTATION)}`);
  const members = fleetMembers('bench-rl', n);
  const pace = { ROTATOR_AWS_IAM_RPS: '1000', ROTATOR_AWS_IAM_CONCURRENCY: '16', ROTATOR_SORACOM_RPS: '1000', ROTATOR_SORACOM_CONCURRENCY: '16' };
  const worker = await startWorker(dev.address, env, pace);
  const { client, close } = await dev.client();
  try {
    log(`seeding ${n} users and SORACOM sets (the seeding's POSTs use their own route's window)`);
    await seedFleet(providers, members, 'soracom', 4);
    const seeded = await soracom.stats();
    const meter = new Meter({ worker: worker.pid, temporal: dev.child.pid, moto: moto.pid, soracom: soracom.child.pid });
    // the seeding listed nothing, so GET /credentials (the binding route) starts with a full window
    log(`rotator: ${n} rotations at ${perMinute} SORACOM requests per minute per route`);
    const t0 = Date.now();
    const run = await meter.measure(async () => {
      await startRotations(client, members, 'soracom');
      return await waitForCounts(client, 'rate-limited fleet', (c) => c.parked + c.failed >= n, (c) => c.parked + c.failed, 300_000);
    });
    const wallSeconds = run.result.failed === 0 ? (await lastEntered(client, members, 'pending-deletion')) / 1000 - t0 / 1000 : run.stretch.wallSeconds;
    const lists = n * LISTS_PER_ROTATION;
    // a client spending exactly R per minute needs lists/R minutes; SORACOM's fixed windows let the last one through
    // at the start of window ceil(lists/R), i.e. floor((lists-1)/R) minutes after the first
    const sustainedBoundSeconds = (lists / perMinute) * 60;
    const fixedWindowBoundSeconds = Math.floor((lists - 1) / perMinute) * 60;
    const stats = await soracom.stats();
    const delta: Record<string, number> = {};
    for (const [k, v] of Object.entries(stats)) if (v - (seeded[k] ?? 0) > 0) delta[k] = v - (seeded[k] ?? 0);
    const wrong = run.result.failed === 0 ? await checkRotated(providers, members, 'parked') : NaN;
    const result = {
      sizes: { n, perMinute },
      settings: { workerPace: pace, soracomRateLimits: { default: perMinute }, listsPerRotation: LISTS_PER_ROTATION },
      wallSeconds: round(wallSeconds, 1),
      sustainedBoundSeconds: round(sustainedBoundSeconds, 1),
      fixedWindowBoundSeconds,
      // the primary bound: the earliest finish SORACOM's fixed windows allow (0 when the limit never binds)
      boundOverWall: round(fixedWindowBoundSeconds / wallSeconds, 2),
      sustainedBoundOverWall: round(sustainedBoundSeconds / wallSeconds, 2),
      failures: run.result.failed,
      usersNotAsExpected: wrong,
      soracomAnswers: delta,
      throttled: Object.entries(delta).filter(([k]) => k.endsWith(' 429')).reduce((a, [, v]) => a + v, 0),
      stretch: run.stretch,
    };
    log(`wall ${result.wallSeconds} s; bound ${result.sustainedBoundSeconds} s sustained, ${fixedWindowBoundSeconds} s fixed-window; ${result.failures} failures, ${result.throttled} answers 429`);
    return result;
  } finally {
    await close();
    await worker.stop();
    await dev.child.stop();
    await soracom.child.stop();
    await moto.stop();
  }
}

