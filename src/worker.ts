import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { createAwsIamActivities } from './activities/aws-iam';
import { createSoracomActivities } from './activities/soracom';
import { createWallarmActivities } from './activities/wallarm';
import { createAwsClients, type AwsClients } from './providers/aws-iam/clients';
import { SoracomClient } from './providers/soracom/client';
import { soracomConfigFromEnv } from './providers/soracom/config';
import { WallarmClient } from './providers/wallarm/client';
import { wallarmConfigFromEnv } from './providers/wallarm/config';
import { ROTATIONS_TASK_QUEUE, type ProviderQueue } from './rotation/task-queues';
import { OperatorError, temporalUnreachable } from './operations';
import { rotatorDataConverter } from './codec/data-converter';
import { keyRingFromEnv } from './codec/key-ring';
import type { DataConverter } from '@temporalio/common';

/** The provider clients the activities call, built once per worker process. */
export interface ProviderClients {
  aws: AwsClients;
  soracom: SoracomClient;
  /** absent when WALLARM_API_TOKEN is not set: Wallarm rotations then fail fast, saying so */
  wallarm?: WallarmClient;
  /** the clock the Wallarm activities compare token expiries with (tests pass the emulator's) */
  wallarmNow?: () => number;
}

export function providerClientsFromEnv(): ProviderClients {
  const wallarm = wallarmConfigFromEnv();
  return { aws: createAwsClients(), soracom: new SoracomClient(soracomConfigFromEnv()), ...(wallarm ? { wallarm: new WallarmClient(wallarm) } : {}) };
}

/** Each provider's activities, registered on that provider's own task queue. */
export function providerActivities(clients: ProviderClients): Record<ProviderQueue, object> {
  return {
    'provider-aws-iam': createAwsIamActivities(clients.aws),
    'provider-soracom': createSoracomActivities(clients.soracom),
    'provider-wallarm': createWallarmActivities(clients.wallarm, { now: clients.wallarmNow }),
  };
}

/**
 * Per-provider pace. `maxTaskQueueActivitiesPerSecond` is enforced by the server across every worker on the queue,
 * so all replicas must agree on it; the concurrency cap is per worker. Override with ROTATOR_<PROVIDER>_RPS / _CONCURRENCY.
 */
export function providerPace(queue: ProviderQueue, env: NodeJS.ProcessEnv = process.env): Pick<WorkerOptions, 'maxTaskQueueActivitiesPerSecond' | 'maxConcurrentActivityTaskExecutions'> {
  const name = queue.replace('provider-', '').replace(/-/g, '_').toUpperCase();
  const defaults: Record<ProviderQueue, { rps: number; concurrency: number }> = {
    'provider-aws-iam': { rps: 10, concurrency: 20 },
    'provider-soracom': { rps: 5, concurrency: 10 },
    // unpublished limit (notes §3.3); a commented-out doc line says 500/s: stay far below it
    'provider-wallarm': { rps: 5, concurrency: 10 },
  };
  const number = (key: string, fallback: number) => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${key}='${raw}' must be a positive number`);
    return value;
  };
  return {
    maxTaskQueueActivitiesPerSecond: number(`ROTATOR_${name}_RPS`, defaults[queue].rps),
    maxConcurrentActivityTaskExecutions: number(`ROTATOR_${name}_CONCURRENCY`, defaults[queue].concurrency),
  };
}

export interface CreateWorkersOptions {
  connection: NativeConnection;
  namespace?: string;
  clients: ProviderClients;
  /** a pre-built bundle (tests bundle once per file); otherwise the workflows are bundled at start */
  workflowBundle?: WorkerOptions['workflowBundle'];
  env?: NodeJS.ProcessEnv;
  /** encrypts every payload the workers write (see src/codec) */
  dataConverter: DataConverter;
}

/** One worker for the rotation workflows and one per provider queue, sharing a connection. */
export async function createWorkers({ connection, namespace, clients, workflowBundle, env, dataConverter }: CreateWorkersOptions): Promise<Worker[]> {
  const common = { connection, namespace: namespace ?? 'default', dataConverter };
  const workflows = await Worker.create({
    ...common,
    taskQueue: ROTATIONS_TASK_QUEUE,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
  });
  const activities = providerActivities(clients);
  const providers = await Promise.all(
    (Object.keys(activities) as ProviderQueue[]).map((queue) =>
      Worker.create({ ...common, taskQueue: queue, activities: activities[queue], ...providerPace(queue, env) }),
    ),
  );
  return [workflows, ...providers];
}

/** Runs every worker until one stops (Ctrl-C stops them all, after in-flight tasks finish). */
export async function runWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.run()));
}

/** `rotator worker`: connect with the standard Temporal client configuration and run until signalled. */
export async function runWorkerProcess(): Promise<void> {
  // configuration mistakes first: they need no server to be reported
  let clients: ProviderClients;
  let dataConverter: DataConverter;
  try {
    clients = providerClientsFromEnv();
    dataConverter = rotatorDataConverter(keyRingFromEnv());
  } catch (err) {
    throw new OperatorError(`worker configuration: ${(err as Error).message}`);
  }
  const config = loadClientConnectConfig();
  const address = config.connectionOptions.address ?? 'localhost:7233';
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(config.connectionOptions);
  } catch (err) {
    throw temporalUnreachable(address, err);
  }
  try {
    const workers = await createWorkers({ connection, namespace: config.namespace, clients, dataConverter });
    process.stderr.write(`worker ready: namespace ${config.namespace ?? 'default'}, task queues ${ROTATIONS_TASK_QUEUE}, provider-aws-iam, provider-soracom, provider-wallarm${clients.wallarm ? ` (Wallarm ${clients.wallarm.cloud})` : ' (Wallarm not configured)'}\n`);
    await runWorkers(workers);
  } finally {
    await connection.close();
  }
}
