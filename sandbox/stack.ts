/**
 * `npm run stack`: docker-compose.yml's stack on this machine, without Docker — PostgreSQL, the schema job, the Temporal
 * server (one process per service, as a cluster runs it), the namespace job, the codec server, the Temporal UI pointed
 * at it, and two `rotator worker` processes — for operators who want to try the real thing before Kubernetes or Cloud.
 * State lives in .stack/ (git-ignored): PostgreSQL's data survives a restart, as compose's volume does; every start
 * runs the schema and namespace jobs again, which change nothing on a database that is current.
 *
 *   npm run stack                 workers use the providers your environment configures (as `rotator worker` does)
 *   npm run stack -- --sandbox    workers use local emulators (moto, SORACOM, CSMS, Wallarm) with a seeded IAM user
 *
 * Ports (loopback only): Temporal 7233 (its other services 7234–7243 and 6933–6939 move with it), UI 8080, codec server
 * 8888, PostgreSQL 55432; ROTATOR_STACK_<TEMPORAL|UI|CODEC|POSTGRES>_PORT moves one.
 * Ctrl-C stops everything it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { DEMO_CODEC_KEYS } from '../src/codec/key-ring';
import { DEMO_SEAL_KEYS } from '../src/codec/sealed-secrets';
import { SoracomClient } from '../src/providers/soracom/client';
import { startTemporalCluster, type ClusterPorts, type TemporalCluster } from './cluster/temporal-cluster';
import { serverProcess, type ServerProcess } from './cluster/server-process';
import { startMoto, type MotoServer } from './moto';
import { startSoracomSandbox, type SoracomSandbox } from './soracom/server';
import { startCsmsSandbox, type CsmsSandbox } from './csms/server';
import { startWallarmSandbox, type WallarmSandbox } from './wallarm/server';
import { projectRoot, toolPath } from './tools';

const stackDir = path.join(projectRoot, '.stack');
const port = (name: string, fallback: number) => Number(process.env[`ROTATOR_STACK_${name}_PORT`] ?? fallback);
const frontend = port('TEMPORAL', 7233);
// the server template's own defaults for the other services (as compose's single container has them), moved with the
// frontend's port; membership ports stay below 32768 (sandbox/cluster/temporal-cluster.ts says why)
const shift = frontend - 7233;
const ports: ClusterPorts = {
  postgres: port('POSTGRES', 55432),
  frontend,
  frontendHttp: 7243 + shift,
  frontendMembership: 6933 + shift,
  history: 7234 + shift,
  historyMembership: 6934 + shift,
  matching: 7235 + shift,
  matchingMembership: 6935 + shift,
  worker: 7239 + shift,
  workerMembership: 6939 + shift,
};
const uiPort = port('UI', 8080);
const codecPort = port('CODEC', 8888);
const NAMESPACE = process.env.ROTATOR_NAMESPACE ?? 'rotator';

// emulator identities (as in the demo): nothing here is a real secret
const sandboxIds = {
  accountId: '123456789012',
  operatorId: 'OP0000STACK1',
  soracomAuthKeyId: 'keyId-stack-rotator',
  soracomAuthKey: 'secret-stack-rotator-not-a-real-key',
  awsAccessKeyId: 'AKIASTACKROTATOR0000',
  awsSecretAccessKey: 'stack-rotator-admin-secret-not-real',
  csmsAccessKey: 'HPUASTACKROTATOR0001',
  csmsSecretKey: 'stack-rotator-csms-secret-not-real',
  csmsProjectId: '0s0t0a0c0k0p0r0o0j0e0c0t00000001',
  wallarmToken: 'stack-wallarm-admin-token-not-a-real-one',
};

const say = (line = '') => process.stdout.write(`${line}\n`);

/** A value kept in .stack/ across runs (the database password, the codec server token), made once. */
function kept(name: string, make: () => string): string {
  const file = path.join(stackDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = make();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

interface Emulators {
  env: Record<string, string>;
  stop(): Promise<void>;
  seeded: string;
}

/** moto, SORACOM, CSMS and Wallarm emulators, and one IAM user whose key sits in a SORACOM set, ready to rotate. */
async function startEmulators(): Promise<Emulators> {
  const moto: MotoServer = await startMoto({ port: port('MOTO', 5065) });
  const soracom: SoracomSandbox = await startSoracomSandbox({ port: port('SORACOM', 5066), operators: [{ operatorId: sandboxIds.operatorId, users: [{ userName: 'rotator', authKeys: [{ authKeyId: sandboxIds.soracomAuthKeyId, authKey: sandboxIds.soracomAuthKey }] }] }] });
  const csms: CsmsSandbox = await startCsmsSandbox({ port: port('CSMS', 5067), accounts: [{ credentials: [{ accessKey: sandboxIds.csmsAccessKey, secretKey: sandboxIds.csmsSecretKey }], projects: [sandboxIds.csmsProjectId] }] });
  const wallarm: WallarmSandbox = await startWallarmSandbox({
    port: port('WALLARM', 5068),
    clients: [{ clientId: 1, users: [{ id: 1, email: 'rotator@example.com', role: 'admin', tokens: [{ id: 1, realname: 'credential-rotator', permissions: ['admin'], secret: sandboxIds.wallarmToken }] }] }],
  });
  const iam = new IAMClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: sandboxIds.awsAccessKeyId, secretAccessKey: sandboxIds.awsSecretAccessKey } });
  const user = `stack-funnel-${Date.now().toString(36)}`;
  await iam.send(new CreateUserCommand({ UserName: user }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
  iam.destroy();
  await new SoracomClient({ endpoint: soracom.endpoint, authKeyId: sandboxIds.soracomAuthKeyId, authKey: sandboxIds.soracomAuthKey }).createCredentials(`${user}-aws`, {
    type: 'aws-credentials',
    credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! },
  });
  return {
    env: {
      AWS_ENDPOINT_URL_IAM: moto.endpoint,
      AWS_ENDPOINT_URL_STS: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: sandboxIds.awsAccessKeyId,
      AWS_SECRET_ACCESS_KEY: sandboxIds.awsSecretAccessKey,
      SORACOM_ENDPOINT: soracom.endpoint,
      SORACOM_AUTH_KEY_ID: sandboxIds.soracomAuthKeyId,
      SORACOM_AUTH_KEY: sandboxIds.soracomAuthKey,
      CLOUD_SDK_AK: sandboxIds.csmsAccessKey,
      CLOUD_SDK_SK: sandboxIds.csmsSecretKey,
      CSMS_ENDPOINT: csms.endpoint,
      CSMS_PROJECT_ID: sandboxIds.csmsProjectId,
      WALLARM_API_TOKEN: sandboxIds.wallarmToken,
      WALLARM_API_HOST: wallarm.endpoint,
      WALLARM_CLOUD: 'us1',
      ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS,
      ROTATOR_SEAL_KEYS: DEMO_SEAL_KEYS,
    },
    seeded: `rotate aws-iam-key --user ${user} --account ${sandboxIds.accountId} --consumer soracom:${user}-aws --wait pending-deletion`,
    stop: async () => {
      await Promise.all([soracom.stop(), csms.stop(), wallarm.stop()]);
      await moto.stop();
    },
  };
}

/** The settings a worker and the CLI read, taken from this environment (never the stack's own PATH or ports). */
function providerEnvFromShell(): Record<string, string> {
  const wanted = /^(AWS_|SORACOM_|CLOUD_SDK_|CSMS_|HUAWEICLOUD_SDK_|WALLARM_|ROTATOR_(CODEC|SEAL|ALLOW|FILE|AWS|SORACOM|CSMS|WALLARM|MAX|LOG)|NODE_OPTIONS$)/;
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => wanted.test(e[0]) && e[1] !== undefined));
}

/** The UI server's own docker.yaml and base.yaml (from the module the bootstrap built it from), bound to loopback. */
function uiConfigDir(): string {
  const source = path.join(path.dirname(path.dirname(realpathSync(toolPath('temporal-ui-server')))), 'config');
  const dir = path.join(stackDir, 'ui-config');
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(source, 'base.yaml'), path.join(dir, 'base.yaml'));
  writeFileSync(path.join(dir, 'docker.yaml'), `${readFileSync(path.join(source, 'docker.yaml'), 'utf8')}\n# npm run stack: loopback only, as compose publishes it\nhost: 127.0.0.1\n`);
  return dir;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { sandbox: { type: 'boolean', default: false } } });
  mkdirSync(path.join(stackDir, 'logs'), { recursive: true });
  const children: ServerProcess[] = [];
  const workers: ChildProcess[] = [];
  let cluster: TemporalCluster | undefined;
  let emulators: Emulators | undefined;
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    say('\nstack: stopping (workers drain first)…');
    await Promise.all(
      workers.map((w) => new Promise<void>((resolve) => (w.exitCode !== null || w.signalCode !== null ? resolve() : (w.once('exit', () => resolve()), w.kill('SIGTERM'))))),
    );
    for (const c of children.reverse()) await c.stop({ graceMs: 5_000 });
    await cluster?.stop();
    await emulators?.stop();
    say('stack: stopped; data kept in .stack/ (delete it to start empty)');
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stopAll().then(() => process.exit(0)));

  try {
    const password = process.env.POSTGRES_PASSWORD || kept('postgres-password', () => randomBytes(18).toString('hex'));
    const codecToken = process.env.ROTATOR_CODEC_SERVER_TOKEN || kept('codec-server-token', () => randomBytes(18).toString('hex'));
    say(`stack: PostgreSQL on 127.0.0.1:${ports.postgres}, schema job, Temporal (frontend, history, matching, worker), namespace job…`);
    cluster = await startTemporalCluster({ dir: stackDir, ports, namespace: NAMESPACE, postgresPassword: password, logLevel: process.env.LOG_LEVEL ?? 'info' });
    say(cluster.jobOutput.schema.trim().split('\n').filter((l) => l.startsWith('setup-schema:')).join('\n'));
    say(cluster.jobOutput.namespace.trim().split('\n').filter((l) => l.startsWith('setup-namespace:')).join('\n'));

    if (values.sandbox) {
      say('stack: emulators for the providers (moto, SORACOM, CSMS, Wallarm)…');
      emulators = await startEmulators();
    }
    const providers = emulators?.env ?? providerEnvFromShell();
    const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    const logOf = (name: string) => path.join(stackDir, 'logs', `${name}.log`);

    // codec server, as compose runs it
    const codecEnv = { ...base, ...providers, ROTATOR_CODEC_SERVER_TOKEN: codecToken };
    delete (codecEnv as Record<string, string>).ROTATOR_SEAL_KEYS; // never to the codec server
    const codec = serverProcess({
      label: 'codec-server',
      command: process.execPath,
      args: [path.join(projectRoot, 'bin/rotator.js'), 'codec-server', '--host', '127.0.0.1', '--port', String(codecPort), '--ui-origin', `http://localhost:${uiPort}`],
      env: codecEnv,
      logFile: logOf('codec-server'),
      ready: async () => (await fetch(`http://127.0.0.1:${codecPort}/health/decode`, { method: 'POST' }).then((r) => r.status, () => 0)) === 401,
      timeoutMs: 120_000,
    });
    await codec.start();
    children.push(codec);

    // the Temporal UI server, from the environment compose gives temporalio/ui
    const ui = serverProcess({
      label: 'temporal-ui',
      command: toolPath('temporal-ui-server'),
      args: ['--root', stackDir, '--config', 'ui-config', '--env', 'docker', 'start'],
      env: { ...base, TEMPORAL_ADDRESS: cluster.address, TEMPORAL_UI_PORT: String(uiPort), TEMPORAL_DEFAULT_NAMESPACE: NAMESPACE, TEMPORAL_CODEC_ENDPOINT: `http://localhost:${codecPort}/${codecToken}` },
      logFile: logOf('temporal-ui'),
      ready: async () => (await fetch(`http://127.0.0.1:${uiPort}/`).then((r) => r.ok, () => false)),
      timeoutMs: 60_000,
    });
    uiConfigDir();
    await ui.start();
    children.push(ui);

    // two workers, as compose's `worker` replicas
    for (const n of [1, 2]) {
      const log = logOf(`worker-${n}`);
      const child = spawn(process.execPath, [path.join(projectRoot, 'bin/rotator.js'), 'worker'], {
        env: { ...base, ...providers, TEMPORAL_ADDRESS: cluster.address, TEMPORAL_NAMESPACE: NAMESPACE, ROTATOR_SHUTDOWN_GRACE_SECONDS: '25' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      workers.push(child);
      let seen = '';
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          appendFileSync(log, chunk);
          // look before trimming: the ready line can arrive early in a chunk longer than the tail kept
          const text = seen + chunk.toString();
          seen = text.slice(-2000);
          if (text.includes('worker ready')) resolve();
        };
        child.stdout!.on('data', onData);
        child.stderr!.on('data', onData);
        child.once('exit', (code) => reject(new Error(`worker ${n} exited with code ${code} before it was ready: ${seen.slice(-1500)}`)));
      });
    }

    const cliEnv = emulators ? `TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${NAMESPACE} ROTATOR_CODEC_KEYS=${DEMO_CODEC_KEYS}` : `TEMPORAL_ADDRESS=${cluster.address} TEMPORAL_NAMESPACE=${NAMESPACE}`;
    say('');
    say(`stack: ready — Temporal ${cluster.serverVersion} at ${cluster.address} (namespace ${NAMESPACE}), PostgreSQL at 127.0.0.1:${ports.postgres}`);
    say(`  UI            http://localhost:${uiPort}/namespaces/${NAMESPACE}/workflows (payloads decoded by the codec server on :${codecPort})`);
    say(`  logs          .stack/logs/ (one per service and worker), .stack/postgres/postgres.log`);
    say(`  CLI           ${cliEnv} npm run rotator -- list`);
    if (emulators) say(`  try           ${cliEnv} npm run rotator -- ${emulators.seeded}`);
    else say('  (workers use the providers this shell configures; `npm run stack -- --sandbox` uses local emulators instead)');
    say('  stop          Ctrl-C');
    await new Promise(() => undefined); // serve until a signal
  } catch (err) {
    process.stderr.write(`stack: ${err instanceof Error ? err.message : String(err)}\n`);
    await stopAll();
    process.exit(1);
  }
}

void main();
