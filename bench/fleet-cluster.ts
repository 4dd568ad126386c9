/**
 * Benchmark 1c, the fleet on a self-hosted cluster beside the dev server: the rotator part of benchmark 1 (N rotations
 * to pending-deletion, then delete-now on all), run twice in one session under the same load — once on
 * `temporal server start-dev`, once on the cluster the cluster tests run (sandbox/cluster/: PostgreSQL, the compose
 * file's schema and namespace jobs and dynamic config, the server as four processes) — with one `rotator worker` each.
 * Per server: rotations/s, CPU per rotation of the worker and of the server (each service and PostgreSQL apart), and
 * the Temporal Cloud billable Actions per rotation, counted from every rotation's history. On the cluster also:
 * PostgreSQL's size per 1,000 rotations parked in their window.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { rotatorDataConverter } from '../src/codec/data-converter';
import { DEMO_CODEC_KEYS, parseKeyRing } from '../src/codec/key-ring';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../src/worker';
import { freePorts, startTemporalCluster, TEMPORAL_SERVICES, type TemporalCluster } from '../sandbox/cluster/temporal-cluster';
import { billableActions, meanActions } from './lib/actions';
import { checkRotated, fleetMembers, pool, providersFromEnv, seedFleet } from './lib/fleet';
import { Meter, round, type Stretch } from './lib/meter';
import { ownGroup } from './lib/processes';
import { deleteAllNow, lastEntered, rotationIdOf, startRotations, waitForCounts } from './lib/rotations';
import { providerEnv, startDevServer, startMotoServer, startSoracom, startWorker } from './lib/stack';

export interface FleetClusterSizes {
  n: number;
  concurrency: number;
}

const perRotationMs = (stretch: Stretch, names: readonly string[], n: number) => round((names.reduce((a, k) => a + (stretch.cpuSeconds[k] ?? 0), 0) / n) * 1000, 1);

export async function fleetOnCluster({ n, concurrency }: FleetClusterSizes) {
  const log = (line: string) => process.stderr.write(`[fleet on cluster] ${line}\n`);
  const moto = await startMotoServer();
  const soracom = await startSoracom();
  const env = providerEnv({ moto: moto.endpoint, soracom: soracom.endpoint });
  const providers = providersFromEnv(env);
  const pace = {
    ROTATOR_AWS_IAM_RPS: '1000',
    ROTATOR_AWS_IAM_CONCURRENCY: String(concurrency),
    ROTATOR_SORACOM_RPS: '1000',
    ROTATOR_SORACOM_CONCURRENCY: String(concurrency),
    ROTATOR_MAX_CACHED_WORKFLOWS: String(Math.max(n, DEFAULT_MAX_CACHED_WORKFLOWS)),
  };
  const dataConverter = rotatorDataConverter(parseKeyRing(DEMO_CODEC_KEYS));

  /** N rotations to pending-deletion and delete-now on all, on one server, metered. */
  const runOn = async (label: string, address: string, namespace: string, serverGroups: Record<string, number | { tree: number }>, between?: () => Promise<void>) => {
    const members = fleetMembers(`bench-${label}`, n);
    log(`${label}: seeding ${n} users and SORACOM sets`);
    await seedFleet(providers, members, 'soracom');
    const worker = await startWorker(address, env, pace, namespace);
    const connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace, dataConverter });
    try {
      const meter = new Meter({ worker: worker.pid, ...serverGroups, moto: moto.pid, soracom: soracom.child.pid });
      log(`${label}: ${n} rotations to pending-deletion`);
      const t0 = Date.now();
      const rotate = await meter.measure(async () => {
        await startRotations(client, members, 'soracom');
        return await waitForCounts(client, `${label} fleet`, (c) => c.parked + c.failed >= n, (c) => c.parked + c.failed);
      });
      const rotateSeconds = rotate.result.failed === 0 ? (await lastEntered(client, members, 'pending-deletion')) / 1000 - t0 / 1000 : rotate.stretch.wallSeconds;
      const parkedChecks = await checkRotated(providers, members, 'parked');
      await between?.();
      log(`${label}: delete-now on all`);
      const deletions = await meter.measure(() => deleteAllNow(client, members, concurrency));
      const failures = rotate.result.failed + parkedChecks + (await checkRotated(providers, members));
      log(`${label}: counting billable actions in ${n} histories`);
      const actions = meanActions(await pool(members, 8, async (m) => billableActions((await client.workflow.getHandle(rotationIdOf(m.userName)).fetchHistory()).events ?? [])));
      const serverNames = Object.keys(serverGroups);
      const result = {
        rotationsPerSecond: round(n / rotateSeconds, 2),
        deletionsPerSecond: round(n / deletions.stretch.wallSeconds, 2),
        failures,
        rotate: rotate.stretch,
        delete: deletions.stretch,
        cpuMsPerRotation: {
          worker: perRotationMs(rotate.stretch, ['worker'], n),
          server: perRotationMs(rotate.stretch, serverNames, n),
          ...Object.fromEntries(serverNames.map((s) => [s, perRotationMs(rotate.stretch, [s], n)])),
          moto: perRotationMs(rotate.stretch, ['moto'], n),
          soracom: perRotationMs(rotate.stretch, ['soracom'], n),
        },
        cpuMsPerDeletion: { worker: perRotationMs(deletions.stretch, ['worker'], n), server: perRotationMs(deletions.stretch, serverNames, n) },
        billableActions: actions,
      };
      log(`${label}: ${result.rotationsPerSecond} rotations/s, CPU per rotation ${JSON.stringify(result.cpuMsPerRotation)} ms, ${actions.perRotation} actions per rotation`);
      return result;
    } finally {
      await connection.close();
      await worker.stop();
    }
  };

  const dir = mkdtempSync(path.join(os.tmpdir(), 'rotator-bench-cluster-'));
  let cluster: TemporalCluster | undefined;
  try {
    const dev = await startDevServer();
    let devResult;
    try {
      devResult = await runOn('dev', dev.address, 'default', { temporal: dev.child.pid });
    } finally {
      await dev.child.stop();
    }

    log('starting the cluster: PostgreSQL, the schema job, four server processes, the namespace job');
    const clusterStarted = Date.now();
    cluster = await startTemporalCluster({ dir, ports: await freePorts(), postgresPassword: 'bench-cluster-password', logLevel: 'warn', hooks: { spawned: (pid) => ownGroup(pid) } });
    const clusterStartSeconds = round((Date.now() - clusterStarted) / 1000, 1);
    const c = cluster;
    const databases = async () => (await c.postgres.databaseBytes('temporal')) + (await c.postgres.databaseBytes('temporal_visibility'));
    const emptyBytes = await databases();
    let parkedBytes = 0;
    const serverGroups = { ...Object.fromEntries(TEMPORAL_SERVICES.map((s) => [`temporal-${s}`, c.services[s].pid!])), postgres: { tree: c.postgres.server.pid! } };
    const clusterResult = await runOn('cluster', c.address, c.namespace, serverGroups, async () => {
      parkedBytes = await databases();
    });
    const closedBytes = await databases();
    return {
      sizes: { n, concurrency },
      settings: { workerPace: pace, workers: 1, consumer: 'SORACOM aws-credentials set, update mode', recoveryWindowDays: 30, pickupGraceSeconds: 0, serverVersion: c.serverVersion, clusterStartSeconds, numHistoryShards: 4 },
      dev: devResult,
      cluster: clusterResult,
      postgres: {
        emptyBytes,
        parkedBytes,
        closedBytes,
        // both databases (persistence and visibility), as pg_database_size counts them
        mibPer1000Parked: round(((parkedBytes - emptyBytes) / n) * 1000 / 2 ** 20, 1),
        mibPer1000Closed: round(((closedBytes - emptyBytes) / n) * 1000 / 2 ** 20, 1),
      },
    };
  } finally {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
    await soracom.child.stop();
    await moto.stop();
  }
}
