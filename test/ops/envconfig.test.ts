/**
 * The same binaries reach a dev server, a self-hosted cluster or Temporal Cloud through the standard client
 * configuration (@temporalio/envconfig): a temporal.toml profile, overridden by TEMPORAL_* variables. Proved against
 * a dev server whose namespace is not "default": a worker and the CLI only meet there if both honour the namespace.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ACCOUNT, useProviders } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';
import { providerEnv, startWorkerProcess, stopWorkerProcess, type WorkerProcess } from '../support/worker-process';
import { OperatorError, temporalConnectConfig } from '../../src/operations';
import { DEMO_SEAL_KEYS } from '../../src/codec/sealed-secrets';

const run = promisify(execFile);
const rotatorBin = path.resolve(__dirname, '../../bin/rotator.js');
const NAMESPACE = 'rotator-org';

let env: TestWorkflowEnvironment;
let dir: string;
let profileFile: string;
beforeAll(async () => {
  env = await createDevServerEnv({ namespace: NAMESPACE });
  dir = mkdtempSync(path.join(os.tmpdir(), 'rotator-envconfig-'));
  profileFile = path.join(dir, 'temporal.toml');
  // the default profile points where nothing listens: only a profile chosen by name, or the variables, can work
  writeFileSync(
    profileFile,
    `[profile.default]\naddress = "127.0.0.1:9"\nnamespace = "default"\n\n[profile.org]\naddress = "${env.address}"\nnamespace = "${NAMESPACE}"\n`,
  );
});
afterAll(async () => {
  await env?.teardown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function rotator(childEnv: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [rotatorBin, ...args], { env: { PATH: process.env.PATH, HOME: dir, ...childEnv }, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;

describe('Temporal connection from a profile file and TEMPORAL_* variables', () => {
  const providers = useProviders();
  let worker: WorkerProcess | undefined;
  afterEach(async () => {
    await stopWorkerProcess(worker);
    worker = undefined;
  });

  it('a worker and the CLI on profile "org" rotate in its namespace; the variables then override the file', async () => {
    const { oldKeyId } = await providers.seedUser('org-funnel', 'org-funnel-aws');
    const fromProfile = { TEMPORAL_CONFIG_FILE: profileFile, TEMPORAL_PROFILE: 'org' };
    const endpoints = providerEnv(providers.moto.server.endpoint, providers.sandbox.endpoint);
    // the worker's scope from its environment: the set rotated below is allowed, and the worker says what it may touch
    worker = await startWorkerProcess({ ...endpoints, ...fromProfile, ROTATOR_ALLOW_SORACOM_SETS: 'org-funnel-*' });
    expect(worker.output()).toContain(`worker ready: ${env.address}, namespace ${NAMESPACE}`);
    expect(worker.output()).toContain(
      'worker scope: file consumers: none (ROTATOR_FILE_DIRS and SORACOM_AUTH_KEY_FILE unset); IAM user paths: any (ROTATOR_ALLOW_IAM_PATH_PREFIXES unset); ' +
        'SORACOM sets: org-funnel-* (ROTATOR_ALLOW_SORACOM_SETS); CSMS secrets: any (ROTATOR_ALLOW_CSMS_SECRETS unset)',
    );

    const cli = { ...endpoints, ...fromProfile };
    const started = await rotator(cli, 'rotate', 'aws-iam-key', '--user', 'org-funnel', '--consumer', 'soracom:org-funnel-aws', '--recovery-window', '7d', '--pickup-grace', '0s', '--wait', 'pending-deletion', '--json');
    expect(started).toMatchObject({ code: 0 });
    const rotationId = `aws-iam:${ACCOUNT}:org-funnel`;
    expect(lastJson(started.stdout)).toMatchObject({ rotationId, phase: 'pending-deletion', oldCredentialId: oldKeyId });

    // the rotation lives in the profile's namespace, and nowhere in "default"
    const inOrg = new Client({ connection: env.connection, namespace: NAMESPACE });
    expect((await inOrg.workflow.getHandle(rotationId).describe()).status.name).toBe('RUNNING');
    const inDefault = new Client({ connection: env.connection, namespace: 'default' });
    await expect(inDefault.workflow.getHandle(rotationId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    // the default profile alone points nowhere; TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE win over it
    const unreachable = await rotator({ ...endpoints, TEMPORAL_CONFIG_FILE: profileFile }, 'status', rotationId);
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toContain('cannot reach Temporal at 127.0.0.1:9');
    const overridden = { ...endpoints, TEMPORAL_CONFIG_FILE: profileFile, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: NAMESPACE };
    const status = await rotator(overridden, 'status', rotationId, '--json');
    expect(status).toMatchObject({ code: 0 });
    expect(lastJson(status.stdout)).toMatchObject({ phase: 'pending-deletion' });
    // the namespace variable alone overrides the named profile's namespace: "default" has no such rotation
    const wrongNamespace = await rotator({ ...cli, TEMPORAL_NAMESPACE: 'default' }, 'status', rotationId);
    expect(wrongNamespace.code).toBe(2);
    expect(wrongNamespace.stderr).toContain(`no rotation with id '${rotationId}'`);

    const deleted = await rotator(overridden, 'delete-now', rotationId, '--yes', '--json');
    expect(deleted).toMatchObject({ code: 0 });
    expect(lastJson(deleted.stdout)).toMatchObject({ phase: 'completed' });
    expect((await providers.keysOf('org-funnel')).map(([, status]) => status)).toEqual(['Active']);
  });

  it('a profile that does not exist stops the CLI and the worker with an operator error, before anything starts', async () => {
    const endpoints = providerEnv(providers.moto.server.endpoint, providers.sandbox.endpoint);
    const missing = { ...endpoints, TEMPORAL_CONFIG_FILE: profileFile, TEMPORAL_PROFILE: 'staging' };
    const cli = await rotator(missing, 'list');
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/Temporal client configuration .*profile 'staging'.*Profile 'staging' not found/);
    const workerRun = await rotator({ ...missing, ROTATOR_SEAL_KEYS: DEMO_SEAL_KEYS }, 'worker');
    expect(workerRun.code).toBe(2);
    expect(workerRun.stderr).toMatch(/profile 'staging'/);
    // so does a scope the worker cannot read, naming the variable
    const badScope = await rotator({ ...endpoints, ROTATOR_FILE_DIRS: 'var/lib/rotator' }, 'worker');
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toContain("worker configuration: worker scope: ROTATOR_FILE_DIRS: 'var/lib/rotator' must be an absolute directory, such as /var/lib/rotator");
  });

  it('a worker without a seal key, or with a codec key as its seal key, stops with an operator error before connecting', async () => {
    const endpoints = providerEnv(providers.moto.server.endpoint, providers.sandbox.endpoint);
    const unsealed = await rotator({ ...endpoints, TEMPORAL_ADDRESS: '127.0.0.1:9' }, 'worker');
    expect(unsealed.code).toBe(2);
    expect(unsealed.stderr).toMatch(/no seal key: .*ROTATOR_SEAL_KEYS/);
    const reused = await rotator({ ...endpoints, TEMPORAL_ADDRESS: '127.0.0.1:9', ROTATOR_SEAL_KEYS: `s1:${endpoints.ROTATOR_CODEC_KEYS!.split(':')[1]}` }, 'worker');
    expect(reused.code).toBe(2);
    expect(reused.stderr).toMatch(/seal key 's1' is the same key as codec key/);
  });
});

describe('temporalConnectConfig (what the worker and the CLI hand to the SDK)', () => {
  let files: string;
  beforeAll(() => {
    files = mkdtempSync(path.join(os.tmpdir(), 'rotator-tls-'));
    writeFileSync(path.join(files, 'client.pem'), 'CLIENT CERT');
    writeFileSync(path.join(files, 'client.key'), 'CLIENT KEY');
    writeFileSync(path.join(files, 'ca.pem'), 'SERVER CA');
  });
  afterAll(() => rmSync(files, { recursive: true, force: true }));

  it('Temporal Cloud with an API key: TLS on, the key passed, namespace and address from the variables', () => {
    const config = temporalConnectConfig({ TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233', TEMPORAL_NAMESPACE: 'rotator.a1b2c', TEMPORAL_API_KEY: 'key-123' });
    expect(config).toMatchObject({ address: 'eu-west-1.aws.api.temporal.io:7233', namespace: 'rotator.a1b2c' });
    expect(config.connectionOptions).toMatchObject({ apiKey: 'key-123', tls: true });
  });

  it('mTLS from files named by the variables, server name override included', () => {
    const config = temporalConnectConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'rotator',
      TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(files, 'client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(files, 'client.key'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(files, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal.internal',
    });
    const tls = config.connectionOptions.tls as { clientCertPair: { crt: Uint8Array; key: Uint8Array }; serverRootCACertificate: Uint8Array; serverNameOverride: string };
    const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
    expect(text(tls.clientCertPair.crt)).toBe('CLIENT CERT');
    expect(text(tls.clientCertPair.key)).toBe('CLIENT KEY');
    expect(text(tls.serverRootCACertificate)).toBe('SERVER CA');
    expect(tls.serverNameOverride).toBe('frontend.temporal.internal');
  });

  it('nothing configured: the local default, and an unreadable TLS file is an operator error', () => {
    expect(temporalConnectConfig({ HOME: files })).toMatchObject({ address: 'localhost:7233', namespace: 'default' });
    expect(() => temporalConnectConfig({ HOME: files, TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(files, 'nope.pem'), TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(files, 'client.key') })).toThrow(OperatorError);
  });
});
