/**
 * `restore`, `delete-now`, `status` and `list` as an operator runs them, on the dev server, when the world changed during
 * the window: exit codes (0 done, 2 nothing to act on, 3 the providers refuse), their JSON, and the rotation left where
 * it was. Last, the demo's restart: moto and the SORACOM sandbox come back empty, and every command still tells the truth.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeleteAccessKeyCommand } from '@aws-sdk/client-iam';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEMO_CODEC_KEYS } from '../../src/codec/key-ring';
import { startSoracomSandbox } from '../../sandbox/soracom/server';
import { ACCOUNT, OPERATOR, soracomAuth, useProviders, withWorkers } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';

const run = promisify(execFile);
const rotatorBin = path.resolve(__dirname, '../../bin/rotator.js');

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('operator actions when the world changed, through the CLI', () => {
  const providers = useProviders();

  async function rotator(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const childEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'default', ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS };
    try {
      const { stdout, stderr } = await run(process.execPath, [rotatorBin, ...args], { env: childEnv, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }
  const json = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  /** A rotation of a fresh user into one set, parked in its 7-day window, started through the CLI. */
  async function park(user: string): Promise<{ id: string; oldId: string; newId: string }> {
    const { oldKeyId } = await providers.seedUser(user, `${user}-set`);
    const started = await rotator('rotate', 'aws-iam-key', '--user', user, '--account', ACCOUNT, '--consumer', `soracom:${user}-set`, '--recovery-window', '7d', '--pickup-grace', '0s', '--wait', 'pending-deletion', '--json');
    expect(started.code).toBe(0);
    const parked = json(started.stdout);
    return { id: `aws-iam:${ACCOUNT}:${user}`, oldId: oldKeyId, newId: parked.newCredentialId as string };
  }

  it('old key deleted by hand: restore exits 3 with the rotation as it stays; delete-now completes it; an action after the end exits 2', async () => {
    await withWorkers(env, providers.clients(), async () => {
      const { id, oldId, newId } = await park('cw-cli-gone');
      await providers.moto.iam().send(new DeleteAccessKeyCommand({ UserName: 'cw-cli-gone', AccessKeyId: oldId }));

      const restore = await rotator('restore', id, '--json');
      expect(restore.code).toBe(3);
      expect(restore.stderr).toMatch(new RegExp(`rotator: restore refused: the old credential ${oldId} no longer exists \\(deleted outside the rotator\\)`));
      expect(restore.stderr).not.toMatch(/Workflow|Update/);
      expect(json(restore.stdout)).toMatchObject({ rotationId: id, phase: 'pending-deletion', refused: expect.stringMatching(/restore refused/) });
      expect(json((await rotator('status', id, '--json')).stdout)).toMatchObject({ phase: 'pending-deletion', deletedAt: null });

      const done = await rotator('delete-now', id, '--yes', '--json');
      expect(done.code).toBe(0);
      expect(json(done.stdout)).toMatchObject({ phase: 'completed', newCredentialId: newId, deletedAt: expect.any(String) });
      const text = await rotator('status', id);
      expect(text.stdout).toMatch(/old key +\S+ \(deleted \d{4}-/);
      expect(text.stdout).toMatch(/^deleted +\d{4}-/m);
      expect(text.stdout).not.toMatch(/^delete at/m);

      const late = await rotator('restore', id);
      expect(late.code).toBe(2);
      expect(late.stderr).toMatch(/restore of .* was refused: the rotation already ended completed at .*, so there is nothing to restore/);
    });
  });

  it('restored: status shows the old key in use again, with no window line pretending otherwise', async () => {
    await withWorkers(env, providers.clients(), async () => {
      const { id, oldId } = await park('cw-cli-restore');
      const restored = await rotator('restore', id, '--json');
      expect(restored.code).toBe(0);
      expect(json(restored.stdout)).toMatchObject({ phase: 'restored', restoredAt: expect.any(String), deleteAt: null });
      expect((await rotator('status', id)).stdout).toMatch(new RegExp(`old key +${oldId} \\(in use again since `));
      expect(await providers.keysOf('cw-cli-restore')).toContainEqual([oldId, 'Active']);
    });
  });

  it('after a demo-style restart (the emulators empty): restore and delete-now exit 3, status and list still say pending-deletion', async () => {
    await withWorkers(env, providers.clients(), async () => {
      const { id } = await park('cw-cli-restart');
      // the demo restarted: moto and the SORACOM sandbox come back empty, on the same ports
      await providers.moto.server.reset();
      const port = Number(new URL(providers.sandbox.endpoint).port);
      await providers.sandbox.stop();
      const empty = await startSoracomSandbox({ port, operators: [{ operatorId: OPERATOR, users: [{ userName: 'rotator', authKeys: [soracomAuth] }] }] });
      try {
        for (const action of [['restore', id], ['delete-now', id, '--yes']]) {
          const refused = await rotator(...action);
          expect({ action: action[0], code: refused.code }).toEqual({ action: action[0], code: 3 });
          expect(refused.stderr).toMatch(/owner no longer exists/);
        }
        expect(json((await rotator('status', id, '--json')).stdout)).toMatchObject({ rotationId: id, phase: 'pending-deletion' });
        const listed = (await rotator('list', '--phase', 'pending-deletion', '--json')).stdout.trim().split('\n').map((l) => JSON.parse(l) as { rotationId: string });
        expect(listed.map((r) => r.rotationId)).toContain(id);
      } finally {
        await empty.stop();
      }
      // ended: terminated, it counts as failed everywhere, never as still in its window
      await env.client.workflow.getHandle(id).terminate('test over');
      expect(json((await rotator('status', id, '--json')).stdout)).toMatchObject({ phase: 'failed', problemType: 'RotationTerminated' });
      const pending = (await rotator('list', '--phase', 'pending-deletion', '--json')).stdout;
      expect(pending).not.toContain(id);
      expect((await rotator('list', '--phase', 'failed', '--json')).stdout).toContain(id);
    });
  });

  it('without a codec key, in a checkout where a demo was started, the CLI says to load the demo\'s settings', async () => {
    const checkout = mkdtempSync(path.join(os.tmpdir(), 'rotator-demo-hint-'));
    mkdirSync(path.join(checkout, '.demo'));
    writeFileSync(path.join(checkout, '.demo', 'env'), 'TEMPORAL_ADDRESS=127.0.0.1:9\n');
    const out = await run(process.execPath, [rotatorBin, 'list'], { cwd: checkout, env: { PATH: process.env.PATH, HOME: process.env.HOME } }).catch((e: { code: number; stderr: string }) => e);
    expect(out).toMatchObject({ code: 2, stderr: expect.stringMatching(/no payload encryption key.*A demo was started here: load its settings first with `set -a; \. \.demo\/env; set \+a`/) });
    rmSync(checkout, { recursive: true, force: true });
  });
});
