/**
 * A self-hosted Temporal cluster on PostgreSQL, started the way docker-compose.yml starts one, without Docker:
 *   PostgreSQL (private data directory and port)
 *   → deploy/temporal/setup-schema.sh (the compose file's schema job) with temporal-sql-tool and the server's own schemas
 *   → temporal-server, one process per service (frontend, history, matching, worker), each configured by the server's own
 *     embedded config template from the same environment variables compose gives its `temporal` container, with the
 *     compose file's dynamic config (deploy/temporal/dynamicconfig/rotator.yaml)
 *   → deploy/temporal/setup-namespace.sh (the compose file's namespace job): the namespace and its search attributes.
 * The server binaries come from the Go module proxy at the compose images' version (scripts/bootstrap-tools.sh).
 * Used by the cluster tests (test/support/cluster.ts), `npm run stack` (sandbox/stack.ts) and the bench.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, realpathSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { projectRoot, toolPath } from '../tools';
import { preparePostgres, type Postgres } from './postgres';
import { serverProcess, type ProcessHooks, type ServerProcess } from './server-process';

const run = promisify(execFile);

export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

export interface TemporalCluster {
  /** the frontend's gRPC address, what TEMPORAL_ADDRESS names */
  readonly address: string;
  readonly namespace: string;
  readonly postgres: Postgres;
  /** each Temporal service's process: kill() is a crash, start() brings it back on the same ports */
  readonly services: Readonly<Record<TemporalService, ServerProcess>>;
  /** the server version the binary reports (`temporal-server --version`) */
  readonly serverVersion: string;
  readonly logDir: string;
  /** what the schema and namespace jobs printed */
  readonly jobOutput: { schema: string; namespace: string };
  /** runs deploy/temporal/setup-schema.sh again (as before an upgrade); resolves with what it printed */
  runSchemaJob(): Promise<string>;
  /** resolves once the frontend answers for the namespace, visibility included (after a restart of anything) */
  waitUntilServing(timeoutMs?: number): Promise<void>;
  /** the services, then PostgreSQL */
  stop(): Promise<void>;
}

export interface ClusterPorts {
  postgres: number;
  frontend: number;
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

export interface ClusterOptions {
  /** holds postgres/ (data directory and log) and logs/ (one log per service); reused if it already holds a database */
  dir: string;
  ports: ClusterPorts;
  /** ROTATOR_NAMESPACE of the namespace job (compose: rotator) */
  namespace?: string;
  /** ROTATOR_NAMESPACE_RETENTION (compose: 720h) */
  retention?: string;
  /** POSTGRES_PASSWORD (compose: from .env) */
  postgresPassword: string;
  /** the server's LOG_LEVEL (its template's default is info) */
  logLevel?: string;
  hooks?: ProcessHooks;
}

/**
 * Ten free loopback ports below 32768: the server stores each member's port in cluster_membership.rpc_port, a
 * PostgreSQL smallint, and a service on an ephemeral port (32768 and up on Linux) dies at start with "value … is out
 * of range for type smallint". The same holds for a deployment: keep membership ports below 32768.
 */
export async function freePorts(): Promise<ClusterPorts> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  const ports: number[] = [];
  for (let tries = 0; ports.length < 10; tries++) {
    if (tries > 1000) throw new Error('no 10 free loopback ports between 20000 and 32767');
    const candidate = 20_000 + Math.floor(Math.random() * 12_768);
    if (!ports.includes(candidate) && (await free(candidate))) ports.push(candidate);
  }
  const [postgres, frontend, frontendHttp, frontendMembership, history, historyMembership, matching, matchingMembership, worker, workerMembership] = ports as [number, number, number, number, number, number, number, number, number, number];
  return { postgres, frontend, frontendHttp, frontendMembership, history, historyMembership, matching, matchingMembership, worker, workerMembership };
}

async function portOpen(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Where the bootstrap keeps the schemas of the server version it built: beside the binaries, as admin-tools keeps them. */
export function schemaDir(): string {
  return path.join(path.dirname(path.dirname(toolPath('temporal-server'))), 'schema', 'postgresql', 'v12');
}

export async function startTemporalCluster(options: ClusterOptions): Promise<TemporalCluster> {
  const { dir, ports, namespace = 'rotator', retention = '720h', postgresPassword, logLevel = 'warn', hooks } = options;
  const logDir = path.join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const address = `127.0.0.1:${ports.frontend}`;
  const serverBin = toolPath('temporal-server');
  const serverVersion = (await run(serverBin, ['--version'])).stdout.trim().replace(/^.*version\s+/, '');
  const postgres = await preparePostgres({ dir: path.join(dir, 'postgres'), port: ports.postgres, password: postgresPassword, hooks });
  const started: ServerProcess[] = [];
  try {
    await postgres.server.start();
    started.push(postgres.server);

    // ── the compose file's schema job, as it is ────────────────────────────────────────────────────────────────
    const toolDirs = [path.dirname(toolPath('temporal-sql-tool')), path.dirname(realpathSync(toolPath('psql'))), path.join(projectRoot, '.tools', 'bin')];
    const jobPath = [...new Set(toolDirs), process.env.PATH ?? ''].join(':');
    const schemaJob = async () => {
      const { stdout, stderr } = await run('/bin/sh', [path.join(projectRoot, 'deploy/temporal/setup-schema.sh')], {
        env: {
          PATH: jobPath,
          // what compose gives temporal-schema (x-temporal-db + SQL_PASSWORD), pointed at this PostgreSQL
          DB: 'postgres12',
          DB_PORT: String(ports.postgres),
          POSTGRES_SEEDS: postgres.host,
          POSTGRES_USER: postgres.user,
          POSTGRES_PWD: postgresPassword,
          SQL_PASSWORD: postgresPassword,
          TEMPORAL_SCHEMA_DIR: schemaDir(),
        },
      }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`deploy/temporal/setup-schema.sh failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
      });
      return stdout + stderr;
    };
    const schema = await schemaJob();

    // ── the server, one process per service, configured as compose configures its `temporal` container ─────────
    const serverEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      // x-temporal-db
      DB: 'postgres12',
      DB_PORT: String(ports.postgres),
      POSTGRES_SEEDS: postgres.host,
      POSTGRES_USER: postgres.user,
      POSTGRES_PWD: postgresPassword,
      // compose binds 0.0.0.0 inside its network; here every service listens on loopback only
      BIND_ON_IP: '127.0.0.1',
      DYNAMIC_CONFIG_FILE_PATH: path.join(projectRoot, 'deploy/temporal/dynamicconfig/rotator.yaml'),
      LOG_LEVEL: logLevel,
      // one port per service (compose's single container uses the template's defaults, 7233–7239 and 6933–6939)
      FRONTEND_GRPC_PORT: String(ports.frontend),
      FRONTEND_HTTP_PORT: String(ports.frontendHttp),
      FRONTEND_MEMBERSHIP_PORT: String(ports.frontendMembership),
      HISTORY_GRPC_PORT: String(ports.history),
      HISTORY_MEMBERSHIP_PORT: String(ports.historyMembership),
      MATCHING_GRPC_PORT: String(ports.matching),
      MATCHING_MEMBERSHIP_PORT: String(ports.matchingMembership),
      WORKER_GRPC_PORT: String(ports.worker),
      WORKER_MEMBERSHIP_PORT: String(ports.workerMembership),
    };
    const grpcPort: Record<TemporalService, number> = { frontend: ports.frontend, history: ports.history, matching: ports.matching, worker: ports.worker };
    const services = Object.fromEntries(
      TEMPORAL_SERVICES.map((service) => [
        service,
        serverProcess({
          label: `temporal ${service}`,
          command: serverBin,
          // no --config-file: the server renders its embedded template (config_template_embedded.yaml) from the environment
          args: ['start', '--service', service],
          env: serverEnv,
          cwd: dir,
          logFile: path.join(logDir, `temporal-${service}.log`),
          ready: () => portOpen(grpcPort[service]),
          timeoutMs: 120_000,
          hooks,
        }),
      ]),
    ) as Record<TemporalService, ServerProcess>;
    // history first: the others resolve it through membership as they start
    await services.history.start();
    started.push(services.history);
    await Promise.all(
      (['matching', 'frontend', 'worker'] as const).map(async (s) => {
        await services[s].start();
        started.push(services[s]);
      }),
    );

    // ── the compose file's namespace job, as it is ────────────────────────────────────────────────────────────
    const namespaceJob = await run('/bin/sh', [path.join(projectRoot, 'deploy/temporal/setup-namespace.sh')], {
      env: { PATH: `${path.dirname(toolPath('temporal'))}:${process.env.PATH ?? ''}`, TEMPORAL_ADDRESS: address, ROTATOR_NAMESPACE: namespace, ROTATOR_NAMESPACE_RETENTION: retention },
      timeout: 180_000,
    }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`deploy/temporal/setup-namespace.sh failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    });

    const waitUntilServing = async (timeoutMs = 120_000) => {
      const deadline = Date.now() + timeoutMs;
      let last: unknown;
      for (;;) {
        try {
          const connection = await Connection.connect({ address, connectTimeout: '2 seconds' });
          try {
            await connection.workflowService.describeNamespace({ namespace });
            // a visibility query reaches PostgreSQL through the frontend and proves the search attributes are known
            await connection.workflowService.countWorkflowExecutions({ namespace, query: `RotationPhase = 'preflight'` });
            return;
          } finally {
            await connection.close();
          }
        } catch (err) {
          last = err;
        }
        if (Date.now() > deadline) throw new Error(`the Temporal cluster at ${address} did not serve namespace ${namespace} within ${timeoutMs / 1000} s: ${String(last)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    await waitUntilServing();

    return {
      address,
      namespace,
      postgres,
      services,
      serverVersion,
      logDir,
      jobOutput: { schema, namespace: namespaceJob.stdout + namespaceJob.stderr },
      runSchemaJob: schemaJob,
      waitUntilServing,
      stop: async () => {
        await Promise.all(TEMPORAL_SERVICES.map((s) => services[s].stop({ graceMs: 10_000 })));
        await postgres.server.stop({ signal: 'SIGINT', graceMs: 10_000 }); // fast shutdown: SIGTERM waits for every client
      },
    };
  } catch (err) {
    for (const s of started.reverse()) await s.stop({ signal: s === postgres.server ? 'SIGINT' : 'SIGTERM', graceMs: 5_000 });
    throw err;
  }
}
