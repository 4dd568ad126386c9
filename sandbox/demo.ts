/**
 * `rotator demo` (the README's main job): a local Temporal dev server with a persistent SQLite file and its
 * Web UI, moto for IAM/STS, the SORACOM sandbox and a worker; seeds a demo IAM user whose key sits in a SORACOM
 * set; rotates it to pending-deletion and prints where to look and what to try. Ctrl-C stops everything it started.
 * Run again while one runs, it reuses the running services and rotates a fresh demo user.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createLogger, temporalLogger } from '../src/logging';
import { Client, Connection } from '@temporalio/client';
import { createAwsClients } from '../src/providers/aws-iam/clients';
import { SoracomClient } from '../src/providers/soracom/client';
import { PHASES, TERMINAL_PHASES } from '../src/rotation/model';
import { rotationSearchAttributes } from '../src/rotation/search-attributes';
import { startRotation, rotationStatus } from '../src/operations';
import { createWorkers, runWorkers } from '../src/worker';
import { startMoto } from './moto';
import { startSoracomSandbox } from './soracom/server';
import { startCsmsSandbox } from './csms/server';
import { CsmsClient } from '../src/providers/csms/client';
import { csmsConfigFromEnv } from '../src/providers/csms/config';
import { projectRoot, toolPath } from './tools';
import { rotatorDataConverter } from '../src/codec/data-converter';
import { DEMO_CODEC_KEYS, parseKeyRing } from '../src/codec/key-ring';
import { demoSealer } from '../src/codec/sealed-secrets';
import { startCodecServer } from '../src/codec/codec-server';
import { EncryptionCodec } from '../src/codec/encryption-codec';
import { randomBytes } from 'node:crypto';

const demoDir = path.join(projectRoot, '.demo');
const stateFile = path.join(demoDir, 'state.json');

// Fixed loopback ports so the printed commands work in any terminal; override with ROTATOR_DEMO_*_PORT.
const port = (name: string, fallback: number) => Number(process.env[`ROTATOR_DEMO_${name}_PORT`] ?? fallback);
const ports = { temporal: port('TEMPORAL', 7233), ui: port('UI', 8233), moto: port('MOTO', 5055), soracom: port('SORACOM', 5056), codec: port('CODEC', 5057), csms: port('CSMS', 5058) };

// Demo-only identities: the sandbox and moto accept nothing else, and nothing here is a real secret.
const demo = {
  accountId: '123456789012',
  operatorId: 'OP0000DEMO01',
  soracomAuthKeyId: 'keyId-demo-rotator',
  soracomAuthKey: 'secret-demo-rotator-not-a-real-key',
  awsAccessKeyId: 'AKIADEMOROTATOR00000',
  awsSecretAccessKey: 'demo-rotator-admin-secret-not-real',
  csmsAccessKey: 'HPUADEMOROTATOR00001',
  csmsSecretKey: 'demo-rotator-csms-secret-not-real',
  csmsProjectId: '0d0e0m0o0p0r0o0j0e0c0t0000000001',
};

interface DemoState {
  pid: number;
  ports: typeof ports;
}

function demoEnv(): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
    TEMPORAL_NAMESPACE: 'default',
    AWS_ENDPOINT_URL_IAM: `http://127.0.0.1:${ports.moto}`,
    AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${ports.moto}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: demo.awsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: demo.awsSecretAccessKey,
    SORACOM_ENDPOINT: `http://127.0.0.1:${ports.soracom}/v1`,
    SORACOM_AUTH_KEY_ID: demo.soracomAuthKeyId,
    SORACOM_AUTH_KEY: demo.soracomAuthKey,
    ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS,
    CLOUD_SDK_AK: demo.csmsAccessKey,
    CLOUD_SDK_SK: demo.csmsSecretKey,
    CSMS_ENDPOINT: `http://127.0.0.1:${ports.csms}`,
    CSMS_PROJECT_ID: demo.csmsProjectId,
  };
}

const say = (line = '') => process.stdout.write(`${line}\n`);

async function portOpen(p: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: p });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function runningDemo(): DemoState | null {
  if (!existsSync(stateFile)) return null;
  try {
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as DemoState;
    process.kill(state.pid, 0); // throws if that demo process is gone
    return state;
  } catch {
    return null;
  }
}

async function startTemporalDevServer(children: ChildProcess[], codecEndpoint: string): Promise<void> {
  const args = ['server', 'start-dev', '--ui-codec-endpoint', codecEndpoint, '--ip', '127.0.0.1', '--port', String(ports.temporal), '--ui-port', String(ports.ui), '--db-filename', path.join(demoDir, 'temporal.db'), '--log-level', 'error'];
  for (const key of rotationSearchAttributes) args.push('--search-attribute', `${key.name}=${key.type === 'DATETIME' ? 'Datetime' : 'Keyword'}`);
  const child = spawn(toolPath('temporal'), args, { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  children.push(child);
  const deadline = Date.now() + 60_000;
  while (!(await portOpen(ports.temporal))) {
    if (child.exitCode !== null) throw new Error(`temporal server start-dev exited with code ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`Temporal dev server did not open port ${ports.temporal} within 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A demo IAM user with one Active key, registered in a SORACOM aws-credentials set as SORACOM Funnel would use it. */
async function seedDemoUser(env: Record<string, string>, client: Client): Promise<{ userName: string; credentialsId: string; secretName: string }> {
  const iam = new IAMClient({ region: 'us-east-1', endpoint: env.AWS_ENDPOINT_URL_IAM, credentials: { accessKeyId: demo.awsAccessKeyId, secretAccessKey: demo.awsSecretAccessKey } });
  const existing = new Set(((await iam.send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName));
  // moto starts empty after a restart but .demo/temporal.db remembers parked rotations: skip their users too
  const rotating = async (user: string) =>
    (await client.workflow.getHandle(`aws-iam:${demo.accountId}:${user}`).describe().then((d) => d.status.name === 'RUNNING', () => false));
  let n = 1;
  while (existing.has(`demo-funnel-writer-${n}`) || (await rotating(`demo-funnel-writer-${n}`))) n++;
  const userName = `demo-funnel-writer-${n}`;
  await iam.send(new CreateUserCommand({ UserName: userName }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  const credentialsId = `demo-funnel-aws-${n}`;
  const soracom = new SoracomClient({ endpoint: env.SORACOM_ENDPOINT!, authKeyId: demo.soracomAuthKeyId, authKey: demo.soracomAuthKey });
  await soracom.createCredentials(credentialsId, {
    type: 'aws-credentials',
    description: `SORACOM Funnel → AWS for ${userName}`,
    credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! },
  });
  // the same key, as the JSON an application reads from a Huawei Cloud CSMS secret
  const secretName = `demo-app-aws-${n}`;
  await new CsmsClient(csmsConfigFromEnv(env)!).createSecret(secretName, JSON.stringify({ accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! }));
  iam.destroy();
  say(`seeded IAM user ${userName} with key ${AccessKey!.AccessKeyId} registered in SORACOM set ${credentialsId} and CSMS secret ${secretName}`);
  return { userName, credentialsId, secretName };
}

async function rotateDemoUser(env: Record<string, string>): Promise<string> {
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection, namespace: 'default', dataConverter: rotatorDataConverter(parseKeyRing(DEMO_CODEC_KEYS)) });
    const { userName, credentialsId, secretName } = await seedDemoUser(env, client);
    const handle = await startRotation(client, {
      source: { kind: 'aws-iam-access-key', userName, accountId: demo.accountId },
      consumers: [
        { kind: 'soracom-credentials-set', credentialsId, mode: 'update' },
        { kind: 'csms-secret', secretName },
      ],
      recoveryWindowDays: 30,
      pickupGraceSeconds: 5, // a short grace, so the demo shows it without a long wait
      requestedBy: 'rotator demo',
    });
    say(`rotation ${handle.workflowId} started`);
    let shown = 0;
    for (;;) {
      const status = await rotationStatus(client, handle.workflowId);
      for (; shown < status.timeline.length; shown++) say(`  ${status.timeline[shown]!.at}  ${status.timeline[shown]!.phase}`);
      if (status.phase === 'pending-deletion' || TERMINAL_PHASES.includes(status.phase)) {
        if (status.phase === 'failed') throw new Error(`demo rotation failed: ${status.problem}`);
        say(`old key ${status.oldCredentialId} is Inactive until ${status.deleteAt}; SORACOM set ${credentialsId} and CSMS secret ${secretName} (SYSCURRENT) hold ${status.newCredentialId}`);
        return handle.workflowId;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await connection.close();
  }
}

function printNextSteps(rotationId: string): void {
  const id = encodeURIComponent(rotationId);
  say();
  say(`Temporal UI:  http://127.0.0.1:${ports.ui}/namespaces/default/workflows/${id}`);
  say(`All rotations: http://127.0.0.1:${ports.ui}/namespaces/default/workflows?query=${encodeURIComponent("WorkflowType='rotateCredential'")}`);
  say();
  say('In another terminal (the demo exports its endpoints in .demo/env):');
  say(`  set -a; . .demo/env; set +a`);
  say(`  npm run rotator -- status ${rotationId}`);
  say(`  npm run rotator -- delete-now ${rotationId} --yes     # delete the old key now`);
  say(`  npm run rotator -- restore ${rotationId}              # or re-enable it (the set keeps the new key)`);
  say(`  npm run rotator -- list`);
  say(`  npm run demo                                          # rotates another demo user`);
}

export async function runDemo(): Promise<void> {
  mkdirSync(demoDir, { recursive: true });
  const env = demoEnv();
  writeFileSync(path.join(demoDir, 'env'), Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');

  const other = runningDemo();
  if (other) {
    say(`a demo is already running (pid ${other.pid}); using its services`);
    printNextSteps(await rotateDemoUser(env));
    return;
  }
  for (const [name, p] of Object.entries(ports)) {
    if (await portOpen(p)) throw new Error(`port ${p} (${name}) is already in use by something that is not this demo; free it or set ROTATOR_DEMO_${name.toUpperCase()}_PORT`);
  }

  const children: ChildProcess[] = [];
  const stops: (() => Promise<void>)[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nstopping the demo…');
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    for (const child of children) {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    rmSync(stateFile, { force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    // the UI decodes payloads through our codec server; the token lives only in this process and the UI's config
    const codecServer = await startCodecServer({
      codec: new EncryptionCodec(parseKeyRing(DEMO_CODEC_KEYS)),
      token: randomBytes(24).toString('hex'),
      uiOrigin: `http://127.0.0.1:${ports.ui}`,
      port: ports.codec,
    });
    stops.push(() => codecServer.stop());
    say(`starting Temporal dev server (SQLite ${path.relative(projectRoot, path.join(demoDir, 'temporal.db'))}, UI on ${ports.ui}, codec server on ${ports.codec})…`);
    await startTemporalDevServer(children, codecServer.uiEndpoint);
    say(`starting moto (IAM/STS) on ${ports.moto}, the SORACOM sandbox on ${ports.soracom} and the CSMS sandbox on ${ports.csms}…`);
    const moto = await startMoto({ port: ports.moto });
    stops.push(() => moto.stop());
    const sandbox = await startSoracomSandbox({
      port: ports.soracom,
      operators: [{ operatorId: demo.operatorId, users: [{ userName: 'rotator', authKeys: [{ authKeyId: demo.soracomAuthKeyId, authKey: demo.soracomAuthKey }] }] }],
    });
    stops.push(() => sandbox.stop());
    const csmsSandbox = await startCsmsSandbox({ port: ports.csms, accounts: [{ credentials: [{ accessKey: demo.csmsAccessKey, secretKey: demo.csmsSecretKey }], projects: [demo.csmsProjectId] }] });
    stops.push(() => csmsSandbox.stop());
    writeFileSync(stateFile, JSON.stringify({ pid: process.pid, ports } satisfies DemoState));

    say('starting the worker…');
    Runtime.install({ logger: temporalLogger(createLogger({ level: 'warn' })) }); // the demo's own lines tell the story; worker warnings still show, redacted
    Object.assign(process.env, env);
    const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
    const workers = await createWorkers({
      connection,
      dataConverter: rotatorDataConverter(parseKeyRing(DEMO_CODEC_KEYS)),
      // the worker's seal key stays in this process: .demo/env (for the CLI) never carries it
      sealer: demoSealer(),
      clients: {
        aws: createAwsClients(),
        soracom: new SoracomClient({ endpoint: env.SORACOM_ENDPOINT!, authKeyId: demo.soracomAuthKeyId, authKey: demo.soracomAuthKey }),
        csms: new CsmsClient(csmsConfigFromEnv(env)!),
      },
    });
    const running = runWorkers(workers);
    stops.unshift(async () => {
      workers.forEach((w) => w.shutdown());
      await running.catch(() => undefined);
      await connection.close();
    });

    printNextSteps(await rotateDemoUser(env));
    say();
    say(`Phases: ${PHASES.join(', ')}. The old key is deleted when its window ends, even across restarts.`);
    say('The demo keeps running (worker, servers); press Ctrl-C to stop everything it started.');
    await running;
  } catch (err) {
    process.stderr.write(`demo failed: ${(err as Error).message}\n`);
    await shutdown(1);
  }
}
