/**
 * Everything a `rotator worker` process (at debug level) and the `rotator` CLI print during rotations — a completed
 * one and a failed one — holds no secret: not the old or new secret access key, not the rotator's own AWS secret, not
 * its SORACOM auth key or session tokens, not the codec key.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEMO_CODEC_KEYS } from '../../src/codec/key-ring';
import { ACCOUNT, OPERATOR, soracomAuth, testAwsCredentials, useProviders } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';
import { providerEnv, startWorkerProcess, stopWorkerProcess, type WorkerProcess } from '../support/worker-process';

const run = promisify(execFile);
const rotatorBin = path.resolve(__dirname, '../../bin/rotator.js');

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('logs and CLI output hold no secret', () => {
  // the SORACOM sandbox refuses writes to sets named *-denied, so one rotation fails and compensates
  const providers = useProviders({ soracomDenies: (method, p) => method === 'PUT' && /-denied$/.test(p) });
  let worker: WorkerProcess | undefined;
  afterEach(async () => {
    await stopWorkerProcess(worker);
  });

  it('a completed and a compensated rotation, at debug level', async () => {
    const common = { ...providerEnv(providers.moto.server.endpoint, providers.sandbox.endpoint), TEMPORAL_ADDRESS: env.address };
    worker = await startWorkerProcess({ ...common, ROTATOR_LOG_LEVEL: 'debug' });
    const printed: string[] = [];
    const rotator = async (...args: string[]) => {
      const out = await run(process.execPath, [rotatorBin, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...common }, timeout: 90_000 }).catch(
        (err: { stdout: string; stderr: string }) => err,
      );
      printed.push(out.stdout, out.stderr);
      return out.stdout;
    };

    await providers.seedUser('logs-ok', 'logs-ok-set');
    await providers.seedUser('logs-bad', 'logs-bad-denied');
    await rotator('rotate', 'aws-iam-key', '--user', 'logs-ok', '--consumer', 'soracom:logs-ok-set', '--recovery-window', '7d', '--pickup-grace', '0s', '--wait', 'pending-deletion');
    const parked = JSON.parse(await rotator('status', `aws-iam:${ACCOUNT}:logs-ok`, '--json')) as { oldCredentialId: string; newCredentialId: string };
    await rotator('delete-now', `aws-iam:${ACCOUNT}:logs-ok`, '--yes');
    await rotator('rotate', 'aws-iam-key', '--user', 'logs-bad', '--consumer', 'soracom:logs-bad-denied', '--pickup-grace', '0s', '--wait', 'pending-deletion');
    await rotator('status', `aws-iam:${ACCOUNT}:logs-bad`);
    await rotator('list');

    // every secret that existed during the run, read at the providers (moto's dump keeps deleted keys' secrets too)
    const dump = (await (await fetch(`${providers.moto.server.endpoint}/moto-api/data.json`)).json()) as { iam: { AccessKey: { secret_access_key: string; user_name: string }[] } };
    const keySecrets = dump.iam.AccessKey.map((k) => k.secret_access_key);
    expect(keySecrets.length).toBeGreaterThanOrEqual(4); // two old keys, two new ones
    const sessions = providers.sandbox.sessions();
    expect(sessions.length).toBeGreaterThan(0);
    const secrets = [
      ...keySecrets,
      testAwsCredentials.secretAccessKey,
      soracomAuth.authKey,
      ...sessions.flatMap((s) => [s.apiKey, s.token]),
      DEMO_CODEC_KEYS.split(':')[1]!,
    ];

    const logs = worker.output();
    // the capture is real: debug lines, the activity that created the key, the failure that was compensated
    expect(logs).toMatch(/"level":20/);
    expect(logs).toContain(parked.newCredentialId);
    expect(logs).toMatch(/created access key/);
    expect(printed.join('\n')).toMatch(/\[SoracomPermissionDenied\]/);
    expect(providers.sandbox.credentialsOf(OPERATOR).length).toBe(2);
    for (const secret of secrets) {
      expect({ where: 'worker log', found: logs.includes(secret) }).toEqual({ where: 'worker log', found: false });
      expect({ where: 'CLI output', found: printed.some((p) => p.includes(secret)) }).toEqual({ where: 'CLI output', found: false });
    }
  });
});
