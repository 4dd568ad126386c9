/**
 * The self-hosted cluster the cluster tests run on (sandbox/cluster/): PostgreSQL on a private data directory and
 * port, the compose file's schema and namespace jobs, the Temporal server as one process per service, and two
 * `rotator worker` processes. Every process is tracked, so the global teardown reaps what a failed test leaves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { freePorts, startTemporalCluster, type TemporalCluster } from '../../sandbox/cluster/temporal-cluster';
import { trackPid, untrackPid } from './processes';
import { testDataConverter } from './temporal';
import { workerProcess, type WorkerProcess } from './restartable-worker';

export const CLUSTER_NAMESPACE = 'rotator';
const hooks = { spawned: (pid: number, label: string) => trackPid(pid, label), exited: (pid: number) => untrackPid(pid) };

export interface TestCluster {
  readonly dir: string;
  readonly cluster: TemporalCluster;
  readonly workers: readonly WorkerProcess[];
  /** a client on the namespace, with the tests' codec */
  client(): Promise<Client>;
  /** starts the two `rotator worker` processes with `env` (providers, pace) added to the Temporal settings */
  startWorkers(env: Record<string, string>): Promise<void>;
  /** everything down; the folder kept (and named) unless `passed` */
  stop(passed: boolean): Promise<void>;
}

export async function startTestCluster(label: string): Promise<TestCluster> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `rotator-cluster-${label}-`));
  const cluster = await startTemporalCluster({ dir, ports: await freePorts(), namespace: CLUSTER_NAMESPACE, postgresPassword: 'cluster-test-password', hooks });
  const workers: WorkerProcess[] = [];
  const connections: Connection[] = [];
  return {
    dir,
    cluster,
    workers,
    async client() {
      const connection = await Connection.connect({ address: cluster.address });
      connections.push(connection);
      return new Client({ connection, namespace: CLUSTER_NAMESPACE, dataConverter: testDataConverter });
    },
    async startWorkers(env) {
      for (const n of [1, 2]) {
        const worker = workerProcess({ logFile: path.join(dir, 'logs', `rotator-worker-${n}.log`), env: { TEMPORAL_ADDRESS: cluster.address, TEMPORAL_NAMESPACE: CLUSTER_NAMESPACE, ...env } });
        workers.push(worker);
      }
      // one after the other: each bundles its workflows at start, and the machine has two cores
      for (const worker of workers) await worker.start();
    },
    async stop(passed) {
      for (const worker of workers) await worker.stop(5_000);
      for (const connection of connections) await connection.close();
      await cluster.stop();
      if (passed) rmSync(dir, { recursive: true, force: true });
      else process.stderr.write(`[cluster] kept ${dir} (logs/: each Temporal service and worker; postgres/) for diagnosis\n`);
    },
  };
}
