/**
 * People change things by hand during a recovery window of up to 30 days. Each row of docs/operations.md's table
 * "Changed by hand during the window", on the time-skipping server with moto and the SORACOM sandbox: the change is
 * made the way a person would (through the provider's API), then the window ends, or an operator restores or deletes
 * now. An action the world no longer allows is refused and leaves the rotation where it was; the old key is never
 * deleted while a consumer does not hold a working new key. Each test asserts what the providers hold afterwards.
 */
import { DeleteAccessKeyCommand, DeleteUserCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ActionRefusedError, deleteNow, restoreRotation, rotationStatus, startRotation } from '../../src/operations';
import type { Phase, RotationRequestInput, RotationStatus } from '../../src/rotation/model';
import { failedStatus, waitForPhase as waitUntil } from '../support/phases';
import { ACCOUNT, useProviders, withWorkers } from '../support/rotation-env';
import { createTimeSkippingEnv } from '../support/temporal';

const DAY_MS = 24 * 60 * 60 * 1000;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

let serial = 0;
beforeEach(() => {
  serial++;
});

describe('changed by hand during the recovery window', () => {
  const providers = useProviders();
  const iam = () => providers.moto.iam();
  const waitForPhase = (handle: WorkflowHandle, phase: Phase) => waitUntil(env.client, handle.workflowId, phase);

  /** A rotation of a fresh user into one SORACOM set, parked in its 7-day window. */
  async function parked(): Promise<{ user: string; set: string; handle: WorkflowHandle; oldId: string; newId: string }> {
    const user = `hand-${serial}`;
    const set = `hand-${serial}-set`;
    const { oldKeyId } = await providers.seedUser(user, set);
    const request: RotationRequestInput = { source: { kind: 'aws-iam-access-key', userName: user, accountId: ACCOUNT }, consumers: [{ kind: 'soracom-credentials-set', credentialsId: set, mode: 'update' }], recoveryWindowDays: 7, pickupGraceSeconds: 0 };
    const handle = await startRotation(env.client, request);
    const status = await waitForPhase(handle, 'pending-deletion');
    return { user, set, handle, oldId: oldKeyId, newId: status.newCredentialId! };
  }
  const setKey = (user: string, id: string, status: 'Active' | 'Inactive') => iam().send(new UpdateAccessKeyCommand({ UserName: user, AccessKeyId: id, Status: status }));
  const deleteKey = (user: string, id: string) => iam().send(new DeleteAccessKeyCommand({ UserName: user, AccessKeyId: id }));
  /** What a refused action says; the rotation must still be where it was. */
  async function refused(action: Promise<RotationStatus>, handle: WorkflowHandle, phase: Phase): Promise<string> {
    const err = await action.then(
      () => new Error('the action was not refused'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ActionRefusedError);
    expect((await rotationStatus(env.client, handle.workflowId)).phase).toBe(phase);
    return (err as Error).message;
  }
  /** Lets the window run out (time-skipping), then reads where the rotation went. */
  async function afterWindow(handle: WorkflowHandle, expected: Phase): Promise<RotationStatus> {
    await env.sleep(8 * DAY_MS);
    return await waitForPhase(handle, expected);
  }

  describe('the old key deleted by hand', () => {
    it('at deleteAt: counts as done, the rotation completes and says when', async () => {
      await withWorkers(env, providers.clients(), async () => {
        const { user, handle, oldId, newId } = await parked();
        await deleteKey(user, oldId);
        const done = await handle.result();
        expect(done).toMatchObject({ phase: 'completed', problem: null });
        expect(done.deletedAt).toEqual(expect.any(String));
        expect(await providers.keysOf(user)).toEqual([[newId, 'Active']]);
      });
    });

    it('restore is refused (nothing to restore) and the rotation stays in its window; delete-now then completes it', async () => {
      await withWorkers(env, providers.clients(), async () => {
        const { user, set, handle, oldId, newId } = await parked();
        await deleteKey(user, oldId);
        const why = await refused(restoreRotation(env.client, handle.workflowId), handle, 'pending-deletion');
        expect(why).toMatch(new RegExp(`restore refused: the old credential ${oldId} no longer exists \\(deleted outside the rotator\\): there is nothing to restore`));
        expect(await deleteNow(env.client, handle.workflowId, oldId)).toMatchObject({ phase: 'completed', deletedAt: expect.any(String) });
        expect(await providers.keysOf(user)).toEqual([[newId, 'Active']]);
        expect(providers.setsHolding()[set]).toBe(newId);
      });
    });
  });

  describe('the old key re-enabled by hand', () => {
    it('at deleteAt: not deleted, the rotation waits in needs-attention saying why; restore then ends it restored', async () => {
      await withWorkers(env, providers.clients(), async () => {
        const { user, handle, oldId, newId } = await parked();
        await setKey(user, oldId, 'Active');
        const waiting = await afterWindow(handle, 'needs-attention');
        expect(waiting.problemType).toBe('DeletionRefused');
        expect(waiting.problem).toContain(`the old credential ${oldId} is Active again (re-enabled outside the rotator)`);
        expect(waiting.problem).toContain(`rotator restore ${handle.workflowId}`);
        expect(await providers.keysOf(user)).toEqual([[oldId, 'Active'], [newId, 'Active']].sort());
        expect(await restoreRotation(env.client, handle.workflowId)).toMatchObject({ phase: 'restored', restoredAt: expect.any(String), problem: null });
        expect(await providers.keysOf(user)).toEqual([[oldId, 'Active'], [newId, 'Active']].sort());
      });
    });

    it('delete-now is refused: something may depend on it', async () => {
      await withWorkers(env, providers.clients(), async () => {
        const { user, handle, oldId, newId } = await parked();
        await setKey(user, oldId, 'Active');
        expect(await refused(deleteNow(env.client, handle.workflowId, oldId), handle, 'pending-deletion')).toMatch(/delete-now refused: the old credential .* is Active again/);
        // ended here: a rotation left open on a stopped worker's sticky queue stalls the time-skipping server for later tests
        expect(await restoreRotation(env.client, handle.workflowId)).toMatchObject({ phase: 'restored' });
        expect(await providers.keysOf(user)).toEqual([[oldId, 'Active'], [newId, 'Active']].sort());
      });
    });
  });

  describe('the new key deactivated or deleted by hand (consumers broken)', () => {
    it.each([['deactivated'], ['deleted']])('%s: at deleteAt the old key is kept, needs-attention; restore puts it back in use', async (how) => {
      await withWorkers(env, providers.clients(), async () => {
        const { user, handle, oldId, newId } = await parked();
        if (how === 'deleted') await deleteKey(user, newId);
        else await setKey(user, newId, 'Inactive');
        const waiting = await afterWindow(handle, 'needs-attention');
        expect(waiting.problem).toContain(`the new credential ${newId} is ${how === 'deleted' ? 'gone' : 'Inactive'} (changed outside the rotator)`);
        expect((await providers.keysOf(user)).find(([id]) => id === oldId)).toEqual([oldId, 'Inactive']);
        expect(await refused(deleteNow(env.client, handle.workflowId, oldId), handle, 'needs-attention')).toMatch(/delete-now refused: the new credential/);
        expect(await restoreRotation(env.client, handle.workflowId)).toMatchObject({ phase: 'restored' });
        expect((await providers.keysOf(user)).find(([id]) => id === oldId)).toEqual([oldId, 'Active']);
      });
    });
  });

  describe('a consumer changed by hand', () => {
    it('holding another key: delete-now refused; at deleteAt needs-attention; put right by hand, delete-now completes', async () => {
      await withWorkers(env, providers.clients(), async () => {
        const { user, set, handle, oldId, newId } = await parked();
        await providers.soracom().updateCredentials(set, { type: 'aws-credentials', credentials: { accessKeyId: oldId, secretAccessKey: 'y'.repeat(40) } });
        expect(await refused(deleteNow(env.client, handle.workflowId, oldId), handle, 'pending-deletion')).toContain(`soracom:${set} now holds ${oldId}, not the new credential ${newId}`);
        await afterWindow(handle, 'needs-attention');
        expect((await providers.keysOf(user)).map(([id]) => id)).toContain(oldId); // not cut off
        await providers.soracom().updateCredentials(set, { type: 'aws-credentials', credentials: { accessKeyId: newId, secretAccessKey: 'z'.repeat(40) } });
        expect(await deleteNow(env.client, handle.workflowId, oldId)).toMatchObject({ phase: 'completed' });
        expect(await providers.keysOf(user)).toEqual([[newId, 'Active']]);
      });
    });

    it('deleted: at deleteAt the old key is kept, needs-attention names the set', async () => {
      await withWorkers(env, providers.clients(), async () => {
        const { user, set, handle, oldId } = await parked();
        await providers.soracom().deleteCredentials(set);
        const waiting = await afterWindow(handle, 'needs-attention');
        expect(waiting.problem).toContain(`soracom:${set} no longer exists`);
        expect(await restoreRotation(env.client, handle.workflowId)).toMatchObject({ phase: 'restored' });
        expect((await providers.keysOf(user)).map(([id]) => id)).toContain(oldId);
      });
    });
  });

  describe('the IAM user deleted by hand', () => {
    it('restore and delete-now are refused; at deleteAt the rotation ends failed: nothing left to delete or restore', async () => {
      await withWorkers(env, providers.clients(), async () => {
        const { user, handle, oldId, newId } = await parked();
        for (const id of [oldId, newId]) await deleteKey(user, id);
        await iam().send(new DeleteUserCommand({ UserName: user }));
        expect(await refused(restoreRotation(env.client, handle.workflowId), handle, 'pending-deletion')).toMatch(/owner no longer exists/);
        expect(await refused(deleteNow(env.client, handle.workflowId, oldId), handle, 'pending-deletion')).toMatch(/owner no longer exists/);
        await env.sleep(8 * DAY_MS);
        const ended = await failedStatus(env.client, handle);
        expect(ended).toMatchObject({ phase: 'failed', problemType: 'SubjectGone' });
        expect(ended.problem).toMatch(/nothing left to delete or restore/);
      });
    });
  });

  it('an action on a rotation that already ended is refused before anything changes, in the rotator\'s words', async () => {
    await withWorkers(env, providers.clients(), async () => {
      const { handle, oldId } = await parked();
      await deleteNow(env.client, handle.workflowId, oldId);
      const err = (await restoreRotation(env.client, handle.workflowId).then(
        () => new Error('not refused'),
        (e: unknown) => e,
      )) as Error;
      expect(err).not.toBeInstanceOf(ActionRefusedError);
      expect(err.message).toMatch(/restore of .* was refused: the rotation already ended completed at .*, so there is nothing to restore/);
      expect(err.message).not.toMatch(/Workflow|Update/);
    });
  });
});
