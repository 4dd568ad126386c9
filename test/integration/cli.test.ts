/**
 * The operator's path on a real Temporal dev server: the `rotator` CLI spawned as a user runs it,
 * a worker with the real activities, moto and the SORACOM sandbox. Outcomes are checked at the providers.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ACCOUNT, OPERATOR, testAwsCredentials, useProviders, withWorkers } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';
import { DEMO_CODEC_KEYS } from '../../src/codec/key-ring';
import { toolPath } from '../../sandbox/tools';
import { Client } from '@temporalio/client';

/** Every string and every byte field (as UTF-8) in an object tree: what a reader of the raw history could see. */
function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).map(textOf).join('\n');
  return String(value);
}

const run = promisify(execFile);
const rotatorBin = path.resolve(__dirname, '../../bin/rotator.js');

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('rotator CLI on the dev server', () => {
  const providers = useProviders();

  /** Runs `rotator …` in a child process with only the environment an operator would set. */
  async function rotator(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const childEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: 'default',
      AWS_ENDPOINT_URL_STS: providers.moto.server.endpoint,
      AWS_ENDPOINT_URL_IAM: providers.moto.server.endpoint,
      AWS_ACCESS_KEY_ID: testAwsCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: testAwsCredentials.secretAccessKey,
      AWS_REGION: 'us-east-1',
      ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS,
    };
    try {
      const { stdout, stderr } = await run(process.execPath, [rotatorBin, ...args], { env: childEnv, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }
  const jsonLines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  it('rotates to pending-deletion, shows status, deletes now, and ends completed', async () => {
    const { oldKeyId } = await providers.seedUser('cli-funnel', 'cli-funnel-aws');
    const secretsBefore = providers.sandbox.credentialsOf(OPERATOR).map((c) => String((c.credentials as { secretAccessKey?: string }).secretAccessKey));

    await withWorkers(env, providers.clients(), async () => {
      const started = await rotator('rotate', 'aws-iam-key', '--user', 'cli-funnel', '--consumer', 'soracom:cli-funnel-aws', '--recovery-window', '14d', '--pickup-grace', '0s', '--wait', 'pending-deletion', '--json');
      expect(started).toMatchObject({ code: 0 });
      const lines = jsonLines(started.stdout);
      const rotationId = `aws-iam:${ACCOUNT}:cli-funnel`;
      expect(lines[0]).toMatchObject({ rotationId, started: true });
      expect(lines.filter((l) => 'at' in l).map((l) => l.phase)).toEqual(['preflight', 'creating', 'verifying', 'registering', 'deactivating', 'pending-deletion']);
      const parked = lines.at(-1)!;
      expect(parked).toMatchObject({ rotationId, phase: 'pending-deletion', oldCredentialId: oldKeyId, recoveryWindowDays: 14 });
      const newKeyId = parked.newCredentialId as string;
      expect(Date.parse(parked.deleteAt as string) - Date.parse(parked.deactivatedAt as string)).toBe(14 * 24 * 3600 * 1000);
      expect(await providers.keysOf('cli-funnel')).toEqual([[newKeyId, 'Active'], [oldKeyId, 'Inactive']].sort());
      expect(providers.setsHolding()).toEqual({ 'cli-funnel-aws': newKeyId });

      const status = await rotator('status', rotationId, '--json');
      expect(jsonLines(status.stdout)[0]).toMatchObject({ phase: 'pending-deletion', newCredentialId: newKeyId, oldCredentialId: oldKeyId });
      const human = await rotator('status', rotationId);
      expect(human.stdout).toMatch(/phase\s+pending-deletion/);
      expect(human.stdout).toMatch(/rotator delete-now .* --yes/);

      const again = await rotator('rotate', 'aws-iam-key', '--user', 'cli-funnel', '--consumer', 'soracom:cli-funnel-aws');
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/in its recovery window until .*run 'rotator delete-now/);

      const unconfirmed = await rotator('delete-now', rotationId);
      expect(unconfirmed.code).toBe(2);
      expect(await providers.keysOf('cli-funnel')).toHaveLength(2);

      const deleted = await rotator('delete-now', rotationId, '--yes', '--json');
      expect(deleted.code).toBe(0);
      expect(jsonLines(deleted.stdout)[0]).toMatchObject({ phase: 'completed' });
      expect(await providers.keysOf('cli-funnel')).toEqual([[newKeyId, 'Active']]);
      expect(providers.setsHolding()).toEqual({ 'cli-funnel-aws': newKeyId });

      const listed = await rotator('list', '--json');
      expect(jsonLines(listed.stdout)).toContainEqual(expect.objectContaining({ rotationId, status: 'COMPLETED' }));

      // no secret, old or new, ever reaches the operator's terminal
      const newSecret = String((providers.sandbox.credentialsOf(OPERATOR)[0]!.credentials as { secretAccessKey?: string }).secretAccessKey);
      const printed = [started, status, human, again, deleted, listed].map((r) => r.stdout + r.stderr).join('\n');
      for (const secret of [...secretsBefore, newSecret]) expect(printed).not.toContain(secret);

      // the history as the server stores it, read without the codec: every byte of every payload, as text
      const plain = new Client({ connection: env.connection });
      const stored = textOf(await plain.workflow.getHandle(rotationId).fetchHistory());
      expect(stored).toContain('cli-funnel'); // control: search attributes are plaintext, so the scan does read payload bytes
      expect(stored).toContain('binary/encrypted');
      for (const secret of [...secretsBefore, newSecret]) expect(stored).not.toContain(secret);
      const shown = await run(toolPath('temporal'), ['workflow', 'show', '--workflow-id', rotationId, '--address', env.address, '--output', 'json']);
      expect(shown.stdout).toContain(Buffer.from('binary/encrypted').toString('base64'));
      for (const secret of [...secretsBefore, newSecret]) expect(shown.stdout).not.toContain(secret);
    });
  });

  it('refuses bad input with exit code 2 and starts nothing', async () => {
    for (const args of [
      ['--recovery-window', '6d'],
      ['--recovery-window', '31d'],
      ['--consumer', 'soracom:bad id!'],
    ]) {
      const result = await rotator('rotate', 'aws-iam-key', '--user', 'cli-nobody', '--consumer', 'soracom:x', ...args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--recovery-window|--consumer/);
    }
    const listed = await rotator('list', '--json');
    expect(listed.stdout).not.toContain('cli-nobody');
  });
});
