/**
 * Rotations parked in their recovery window survive a full stop of every worker and of the Temporal server:
 * the dev server is restarted on the same SQLite file, and afterwards each rotation still waits for the same
 * `deleteAt`, and status, restore and delete-now act on it as before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deleteNow, listRotations, restoreRotation, rotationStatus, startRotation } from '../../src/operations';
import type { RotationStatus } from '../../src/rotation/model';
import { DeleteAtKey, RotationPhaseKey } from '../../src/rotation/search-attributes';
import { ACCOUNT, useProviders, withWorkers } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';

const DAY_MS = 24 * 60 * 60 * 1000;

describe('restart survival on the dev server with a persistent SQLite file', () => {
  const providers = useProviders();
  let dir: string;
  let env: TestWorkflowEnvironment | undefined;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rotator-restart-'));
  });
  afterAll(async () => {
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  const users = [
    { user: 'parked-restore', set: 'parked-restore-aws', days: 7 },
    { user: 'parked-delete', set: 'parked-delete-aws', days: 14 },
    { user: 'parked-wait', set: 'parked-wait-aws', days: 30 },
  ];
  const rotationId = (user: string) => `aws-iam:${ACCOUNT}:${user}`;

  async function waitParked(e: TestWorkflowEnvironment, id: string): Promise<RotationStatus> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const status = await rotationStatus(e.client, id);
      if (status.phase === 'pending-deletion') return status;
      if (['completed', 'failed', 'restored'].includes(status.phase) || Date.now() > deadline) throw new Error(`${id} is ${status.phase}, not pending-deletion: ${status.problem}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('parked rotations keep their deleteAt across a stop and start of worker and server; status, restore and delete-now work after', async () => {
    const dbFilename = path.join(dir, 'temporal.db');
    const oldKeys: Record<string, string> = {};
    for (const u of users) oldKeys[u.user] = (await providers.seedUser(u.user, u.set)).oldKeyId;

    // ── before: rotate all three to pending-deletion ──────────────────────────────────────────────
    env = await createDevServerEnv({ dbFilename });
    const first = env;
    const before: Record<string, RotationStatus> = await withWorkers(first, providers.clients(), async () => {
      for (const u of users) {
        await startRotation(first.client, {
          source: { kind: 'aws-iam-access-key', userName: u.user, accountId: ACCOUNT },
          consumers: [{ kind: 'soracom-credentials-set', credentialsId: u.set, mode: 'update' }],
          recoveryWindowDays: u.days,
          pickupGraceSeconds: 0,
        });
      }
      return Object.fromEntries(await Promise.all(users.map(async (u) => [u.user, await waitParked(first, rotationId(u.user))] as const)));
    });
    for (const u of users) expect(Date.parse(before[u.user]!.deleteAt!) - Date.parse(before[u.user]!.deactivatedAt!)).toBe(u.days * DAY_MS);

    // ── full stop: the workers are down (withWorkers returned), now the server ────────────────────
    await first.teardown();
    env = undefined;
    await expect(Connection.connect({ address: first.address, connectTimeout: '2 seconds' })).rejects.toThrow(); // nothing listens there now

    // ── start again on the same file ──────────────────────────────────────────────────────────────
    env = await createDevServerEnv({ dbFilename });
    const second = env;
    // with no worker yet: the server alone remembers each rotation, its phase and its deleteAt
    for (const u of users) {
      const described = await second.client.workflow.getHandle(rotationId(u.user)).describe();
      expect(described.status.name).toBe('RUNNING');
      expect(described.typedSearchAttributes.get(RotationPhaseKey)).toBe('pending-deletion');
      expect(described.typedSearchAttributes.get(DeleteAtKey)?.toISOString()).toBe(before[u.user]!.deleteAt);
    }
    expect((await listRotations(second.client, { phase: 'pending-deletion' })).map((r) => r.rotationId).sort()).toEqual(users.map((u) => rotationId(u.user)).sort());

    await withWorkers(second, providers.clients(), async () => {
      // status: the workflow state, rebuilt from history by a worker that never saw it, is the same as before
      for (const u of users) expect(await rotationStatus(second.client, rotationId(u.user))).toEqual(before[u.user]);

      const restored = await restoreRotation(second.client, rotationId('parked-restore'));
      expect(restored).toMatchObject({ phase: 'restored', deleteAt: null });
      const deleted = await deleteNow(second.client, rotationId('parked-delete'), oldKeys['parked-delete']);
      expect(deleted.phase).toBe('completed');
      expect(Date.parse(deleted.timeline.find((t) => t.phase === 'deleting')!.at)).toBeLessThan(Date.parse(before['parked-delete']!.deleteAt!));

      const waiting = await rotationStatus(second.client, rotationId('parked-wait'));
      expect(waiting).toMatchObject({ phase: 'pending-deletion', deleteAt: before['parked-wait']!.deleteAt });
    });

    // at the providers: restore re-enabled the old key, delete-now removed it, the third still waits with it Inactive
    const newKey = (user: string) => before[user]!.newCredentialId!;
    expect(await providers.keysOf('parked-restore')).toEqual([[oldKeys['parked-restore']!, 'Active'], [newKey('parked-restore'), 'Active']].sort());
    expect(await providers.keysOf('parked-delete')).toEqual([[newKey('parked-delete'), 'Active']]);
    expect(await providers.keysOf('parked-wait')).toEqual([[oldKeys['parked-wait']!, 'Inactive'], [newKey('parked-wait'), 'Active']].sort());
    expect(providers.setsHolding()).toEqual(Object.fromEntries(users.map((u) => [u.set, newKey(u.user)])));
  });
});
