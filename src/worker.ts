import { rmSync, writeFileSync } from 'node:fs';
import { GracefulShutdownPeriodExpiredError, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createNotifyActivities, NOTIFICATIONS_TASK_QUEUE } from './notify/deliver';
import { notifyTargetsFromEnv } from './notify/targets';
import { describeProviders, ownKeyFile, providerActivities, providerClientsFromEnv, type ProviderClients } from './activities/registry';
import { PROVIDER_QUEUES, PROVIDERS, ROTATIONS_TASK_QUEUE, type ProviderQueue } from './rotation/task-queues';
import { OperatorError, temporalConnectConfig, temporalUnreachable } from './operations';
import { rotatorDataConverter } from './codec/data-converter';
import { keyRingFromEnv } from './codec/key-ring';
import { SecretSealer, sealRingFromEnv } from './codec/sealed-secrets';
import type { DataConverter } from '@temporalio/common';
import { createLogger, logLevelFromEnv, temporalLogger } from './logging';
import { prebuiltWorkflowBundle, WORKFLOW_PRELOAD_MODULES } from './workflow-bundling';
import { describeWorkerScope, workerScopeFromEnv } from './worker-scope';
import { WorkerTelemetry } from './telemetry/worker-telemetry';

export { providerActivities, providerClientsFromEnv, type ProviderClients };

/**
 * Per-provider pace. `maxTaskQueueActivitiesPerSecond` is enforced by the server across every worker on the queue,
 * so all replicas must agree on it; the concurrency cap is per worker. Override with ROTATOR_<PROVIDER>_RPS / _CONCURRENCY.
 */
export function providerPace(queue: ProviderQueue, env: NodeJS.ProcessEnv = process.env): Pick<WorkerOptions, 'maxTaskQueueActivitiesPerSecond' | 'maxConcurrentActivityTaskExecutions'> {
  const name = queue.replace('provider-', '').replace(/-/g, '_').toUpperCase();
  const pace = Object.values(PROVIDERS).find((p) => p.queue === queue)!.pace;
  const number = (key: string, fallback: number) => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${key}='${raw}' must be a positive number`);
    return value;
  };
  return {
    maxTaskQueueActivitiesPerSecond: number(`ROTATOR_${name}_RPS`, pace.rps),
    maxConcurrentActivityTaskExecutions: number(`ROTATOR_${name}_CONCURRENCY`, pace.concurrency),
  };
}

/**
 * How long a stopping worker (SIGTERM, SIGINT) keeps running in-flight activities before it cancels them, and when it
 * gives up waiting. A container runtime's stop timeout (compose `stop_grace_period`) must exceed the force time.
 * ROTATOR_SHUTDOWN_GRACE_SECONDS (default 20); the force time is 10 s later.
 */
export function shutdownTimes(env: NodeJS.ProcessEnv = process.env): Required<Pick<WorkerOptions, 'shutdownGraceTime' | 'shutdownForceTime'>> {
  const raw = env.ROTATOR_SHUTDOWN_GRACE_SECONDS;
  const grace = raw === undefined || raw === '' ? 20 : Number(raw);
  if (!Number.isFinite(grace) || grace < 0) throw new Error(`ROTATOR_SHUTDOWN_GRACE_SECONDS='${raw}' must be a number of seconds, 0 or more`);
  return { shutdownGraceTime: grace * 1000, shutdownForceTime: (grace + 10) * 1000 };
}

/** The workflow cache when ROTATOR_MAX_CACHED_WORKFLOWS is unset: ~110 MiB of worker memory (bench/README.md). */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 250;

/**
 * How many rotations the workflow worker keeps in memory (~0.4 MiB each, measured). A rotation parked in its recovery
 * window needs none: one not cached is replayed from its history on its next task or query (tens of ms). The SDK's
 * own default grows with the heap limit (about 2,300 on a 4 GiB heap, ~1 GiB); ours stays bounded. Set
 * ROTATOR_MAX_CACHED_WORKFLOWS to at least the rotations run at once, or each of their steps replays its history.
 */
export function workflowCache(env: NodeJS.ProcessEnv = process.env): Pick<WorkerOptions, 'maxCachedWorkflows'> {
  const raw = env.ROTATOR_MAX_CACHED_WORKFLOWS;
  if (raw === undefined || raw === '') return { maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS };
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 2) throw new Error(`ROTATOR_MAX_CACHED_WORKFLOWS='${raw}' must be a whole number, 2 or more`);
  return { maxCachedWorkflows: value };
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
  /** seals every new credential's secret inside those payloads, with a key only workers hold */
  sealer: SecretSealer;
}

/**
 * The workflow code a worker runs: the bundle given, else `npm run build`'s lib/workflow-bundle.js when running from
 * lib/, else the sources, bundled with webpack at start (a checkout under tsx).
 */
export function workflowCode(workflowBundle?: WorkerOptions['workflowBundle']): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath' | 'bundlerOptions'> {
  if (workflowBundle) return { workflowBundle };
  const prebuilt = prebuiltWorkflowBundle(__dirname);
  if (prebuilt) return { workflowBundle: prebuilt };
  return { workflowsPath: require.resolve('./workflows'), bundlerOptions: { preloadModules: WORKFLOW_PRELOAD_MODULES } };
}

/** One worker for the rotation workflows and one per provider queue, sharing a connection. */
export async function createWorkers({ connection, namespace, clients, workflowBundle, env, dataConverter, sealer }: CreateWorkersOptions): Promise<Worker[]> {
  const common = { connection, namespace: namespace ?? 'default', dataConverter, ...shutdownTimes(env) };
  const workflows = await Worker.create({
    ...common,
    taskQueue: ROTATIONS_TASK_QUEUE,
    ...workflowCache(env),
    ...workflowCode(workflowBundle),
  });
  const activities = providerActivities(clients, sealer);
  const providers = await Promise.all(
    (Object.keys(activities) as ProviderQueue[]).map((queue) =>
      Worker.create({ ...common, taskQueue: queue, activities: activities[queue], ...providerPace(queue, env) }),
    ),
  );
  // deliveries on a queue of their own: a slow receiver never takes a provider's slots
  const notifications = await Worker.create({ ...common, taskQueue: NOTIFICATIONS_TASK_QUEUE, activities: createNotifyActivities(notifyTargetsFromEnv(env ?? process.env)), maxConcurrentActivityTaskExecutions: 20 });
  return [workflows, ...providers, notifications];
}

/** Runs every worker until one stops (Ctrl-C stops them all, after in-flight tasks finish). */
export async function runWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.run()));
}

/**
 * `rotator worker`: connect with the standard Temporal client configuration and run until signalled.
 * SIGTERM or SIGINT stops polling and lets in-flight activities finish for the grace time; what is still running 10 s
 * after it is left to Temporal, which retries it elsewhere once its timeout expires. ROTATOR_HEALTH_ADDRESS serves /livez and
 * /readyz (the container health check), ROTATOR_METRICS_ADDRESS the Prometheus metrics; ROTATOR_WORKER_READY_FILE, if
 * set, exists while polling.
 */
export async function runWorkerProcess(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // configuration mistakes first: they need no server to be reported
  let clients: ProviderClients;
  let dataConverter: DataConverter;
  let sealer: SecretSealer;
  let sealKeyId: string;
  let grace: ReturnType<typeof shutdownTimes>;
  let logger: ReturnType<typeof createLogger>;
  let telemetry: WorkerTelemetry;
  try {
    logger = createLogger({ level: logLevelFromEnv(env) });
    clients = providerClientsFromEnv();
    notifyTargetsFromEnv(env);
    workflowCache(env);
    workflowCode();
    const codecRing = keyRingFromEnv(env);
    dataConverter = rotatorDataConverter(codecRing);
    const sealRing = sealRingFromEnv(env, codecRing);
    sealer = new SecretSealer(sealRing);
    sealKeyId = sealRing.primary;
    grace = shutdownTimes(env);
    telemetry = WorkerTelemetry.fromEnv(env);
  } catch (err) {
    throw new OperatorError(`worker configuration: ${(err as Error).message}`);
  }
  const { address, namespace, connectionOptions } = temporalConnectConfig(env);
  // the SDK's runtime turns these signals into Worker.shutdown() for every worker of this process
  // ROTATOR_METRICS_ADDRESS: Temporal core's Prometheus exporter, serving the SDK's series and the rotator's own
  try {
    Runtime.install({ logger: temporalLogger(logger), shutdownSignals: ['SIGTERM', 'SIGINT'], telemetryOptions: telemetry.runtimeOptions() });
  } catch (err) {
    if (!telemetry.settings.metricsAddress) throw err;
    throw new OperatorError(`worker: ROTATOR_METRICS_ADDRESS ${telemetry.settings.metricsAddress}: ${(err as Error).message}`); // e.g. the port is taken
  }
  let connection: NativeConnection;
  try {
    connection = await NativeConnection.connect(connectionOptions);
  } catch (err) {
    throw temporalUnreachable(address, err);
  }
  const readyFile = env.ROTATOR_WORKER_READY_FILE;
  const onSignal = (signal: NodeJS.Signals) =>
    logger.info({ signal }, `worker: ${signal}, no new tasks; in-flight activities get ${Number(grace.shutdownGraceTime) / 1000} s to finish`);
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  try {
    await telemetry.serve(connection, logger);
    const workers = await createWorkers({ connection, namespace, clients, dataConverter, sealer, env });
    telemetry.watch(workers, { connection, namespace }, logger);
    // logged before "worker ready", which is what operators and tests wait for
    const scope = clients.scope ?? workerScopeFromEnv(env);
    logger.info({ scope }, `worker scope: ${describeWorkerScope(scope, ownKeyFile(clients))}`);
    logger.info(
      { address, namespace, sealKeyId },
      `worker ready: ${address}, namespace ${namespace}, task queues ${[ROTATIONS_TASK_QUEUE, ...PROVIDER_QUEUES, NOTIFICATIONS_TASK_QUEUE].join(', ')}${describeProviders(clients)}` +
        ` (notification targets: ${Object.keys(notifyTargetsFromEnv(env)).join(', ') || 'none'})`,
    );
    if (readyFile) writeFileSync(readyFile, `${process.pid}\n`);
    try {
      await runWorkers(workers);
    } catch (err) {
      if (!(err instanceof GracefulShutdownPeriodExpiredError)) throw err;
      throw new OperatorError(`worker: in-flight activities did not finish within the shutdown grace time plus 10 s; Temporal retries them on another worker when their timeout expires`);
    }
    logger.info('worker stopped');
  } finally {
    await telemetry.stop();
    if (readyFile) rmSync(readyFile, { force: true });
    await connection.close();
  }
}
