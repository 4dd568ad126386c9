/**
 * The real components a benchmark runs against, each in its own process group: the Temporal dev server, moto,
 * the SORACOM and CSMS sandboxes and a `rotator worker`.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { rotatorDataConverter } from '../../src/codec/data-converter';
import { DEMO_CODEC_KEYS, parseKeyRing } from '../../src/codec/key-ring';
import { DEMO_SEAL_KEYS } from '../../src/codec/sealed-secrets';
import { rotationSearchAttributes } from '../../src/rotation/search-attributes';
import { startMoto, type MotoServer } from '../../sandbox/moto';
import { projectRoot, toolPath } from '../../sandbox/tools';
import type { RateLimits } from '../../sandbox/soracom/server';
import { freePort, ownGroup, killGroup, portOpen, spawnGroup, waitFor, type Child } from './processes';

// Bench-only identities: moto and the sandboxes accept nothing else; none is a real secret.
export const identities = {
  accountId: '123456789012',
  operatorId: 'OP0000BENCH1',
  soracomAuthKeyId: 'keyId-bench-rotator',
  soracomAuthKey: 'secret-bench-rotator-not-a-real-key',
  awsAccessKeyId: 'AKIABENCHROTATOR0000',
  awsSecretAccessKey: 'bench-rotator-admin-secret-not-real',
  csmsAccessKey: 'HPUABENCHROTATOR0001',
  csmsSecretKey: 'bench-rotator-csms-secret-not-real',
  csmsProjectId: '0b0e0n0c0h0p0r0o0j0e0c0t00000001',
};

const baseEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME });

/** Runs a TypeScript entry point under tsx in a single node process (no tsx CLI wrapper in between). */
function spawnTs(file: string, args: string[], env: NodeJS.ProcessEnv = baseEnv()): Child {
  return spawnGroup(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join(projectRoot, file), ...args], env);
}

/** The first JSON line a sandbox prints once it listens. */
async function announced<T>(what: string, child: Child): Promise<T> {
  let line: string | undefined;
  await waitFor(what, child, () => {
    line = child.output().split('\n').find((l) => l.startsWith('{'));
    return line !== undefined;
  });
  return JSON.parse(line!) as T;
}

export interface DevServer {
  readonly address: string;
  readonly child: Child;
  client(): Promise<{ client: Client; close(): Promise<void> }>;
}

/** `temporal server start-dev`, headless, in memory, with the rotator's search attributes. */
export async function startDevServer(): Promise<DevServer> {
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const args = ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--http-port', String(httpPort), '--metrics-port', String(metricsPort), '--log-level', 'error'];
  for (const key of rotationSearchAttributes) args.push('--search-attribute', `${key.name}=${key.type === 'DATETIME' ? 'Datetime' : 'Keyword'}`);
  const child = spawnGroup(toolPath('temporal'), args, baseEnv());
  await waitFor('temporal dev server', child, () => portOpen(port), 60_000);
  const address = `127.0.0.1:${port}`;
  const client = async () => {
    const connection = await Connection.connect({ address });
    return { client: new Client({ connection, namespace: 'default', dataConverter: rotatorDataConverter(parseKeyRing(DEMO_CODEC_KEYS)) }), close: () => connection.close() };
  };
  // the frontend opens its port before the namespace and search attributes are ready: wait for a visibility query
  const { client: probe, close } = await client();
  try {
    await waitFor('temporal dev server visibility', child, () => probe.workflow.count(`RotationPhase = 'preflight'`).then(() => true, () => false), 60_000);
  } finally {
    await close();
  }
  return { address, child, client };
}

export async function startMotoServer(): Promise<MotoServer> {
  const moto = await startMoto({ port: await freePort() });
  ownGroup(moto.pid);
  return {
    ...moto,
    stop: async () => {
      await moto.stop();
      killGroup(moto.pid);
    },
  };
}

export interface SoracomBench {
  readonly endpoint: string;
  readonly child: Child;
  /** answers so far, keyed `METHOD /path status` */
  stats(): Promise<Record<string, number>>;
}

export async function startSoracom(rateLimits?: RateLimits): Promise<SoracomBench> {
  const args = ['--operator-id', identities.operatorId, '--auth-key-id', identities.soracomAuthKeyId, '--auth-key', identities.soracomAuthKey];
  if (rateLimits) args.push('--rate-limits', JSON.stringify(rateLimits));
  const child = spawnTs('bench/soracom-sandbox.ts', args);
  const { endpoint, statsUrl } = await announced<{ endpoint: string; statsUrl: string }>('SORACOM sandbox', child);
  return { endpoint, child, stats: async () => (await (await fetch(statsUrl)).json()) as Record<string, number> };
}

/** CSMS allows 500 secrets per project; `secretsPerProject` raises the sandbox's quota to hold one per parked rotation. */
export async function startCsms(secretsPerProject = 500): Promise<{ endpoint: string; child: Child }> {
  const args = ['--access-key', identities.csmsAccessKey, '--secret-key', identities.csmsSecretKey, '--project-id', identities.csmsProjectId, '--secrets-per-project', String(secretsPerProject)];
  const child = spawnTs('bench/csms-sandbox.ts', args);
  const { endpoint } = await announced<{ endpoint: string }>('CSMS sandbox', child);
  return { endpoint, child };
}

/** What a worker and the baseline scripts need to reach the providers. */
export function providerEnv(endpoints: { moto: string; soracom: string; csms?: string }): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_IAM: endpoints.moto,
    AWS_ENDPOINT_URL_STS: endpoints.moto,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: identities.awsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: identities.awsSecretAccessKey,
    SORACOM_ENDPOINT: endpoints.soracom,
    SORACOM_AUTH_KEY_ID: identities.soracomAuthKeyId,
    SORACOM_AUTH_KEY: identities.soracomAuthKey,
    ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS,
    ...(endpoints.csms
      ? { CLOUD_SDK_AK: identities.csmsAccessKey, CLOUD_SDK_SK: identities.csmsSecretKey, CSMS_ENDPOINT: endpoints.csms, CSMS_PROJECT_ID: identities.csmsProjectId }
      : {}),
  };
}

/** The worker tuning an operator may set (ROTATOR_*, NODE_OPTIONS, MALLOC_*), passed from the bench's environment. */
export function workerTuning(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => /^(ROTATOR_|MALLOC_|NODE_OPTIONS$)/.test(key)));
}

/** `rotator worker` as an operator runs it; `pace` sets ROTATOR_<PROVIDER>_RPS / _CONCURRENCY. */
export async function startWorker(temporalAddress: string, providers: Record<string, string>, pace: Record<string, string>, namespace = 'default'): Promise<Child> {
  // the compiled build with its prebuilt workflow bundle, as the image runs it (`npm run bench` builds first)
  const env = { ...baseEnv(), ...workerTuning(), ...providers, ...pace, TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_NAMESPACE: namespace, ROTATOR_SEAL_KEYS: DEMO_SEAL_KEYS, ROTATOR_SHUTDOWN_GRACE_SECONDS: '0', ROTATOR_USE_BUILD: '1' };
  const child = spawnGroup(process.execPath, [path.join(projectRoot, 'bin/rotator.js'), 'worker'], env);
  await waitFor('rotator worker', child, () => child.output().includes('worker ready'), 120_000);
  return child;
}
