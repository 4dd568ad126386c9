/**
 * Every path of the rotation phase machine on the time-skipping test server, with the real activities
 * against moto and the SORACOM sandbox. Each test asserts what the providers hold afterwards.
 */
import { type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deleteNow, OperatorError, restoreRotation, startRotation } from '../../src/operations';
import type { ConsumerSpec, Phase, RotationRequestInput } from '../../src/rotation/model';
import { ACCOUNT, useProviders, withWorkers } from '../support/rotation-env';
import { createTimeSkippingEnv } from '../support/temporal';
import { startTrackedMoto } from '../support/moto';
import { ROTATIONS_TASK_QUEUE } from '../../src/rotation/task-queues';
import { failedStatus as failedStatusOf, waitForPhase as waitUntil } from '../support/phases';

const DAY_MS = 24 * 60 * 60 * 1000;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

// rotation ids derive from the user, and the test server keeps every workflow: each test gets its own user
let userSerial = 0;
beforeEach(() => {
  userSerial++;
});
const user = (name: string) => `${name}-${userSerial}`;

const update = (credentialsId: string): ConsumerSpec => ({ kind: 'soracom-credentials-set', credentialsId, mode: 'update' });
const versioned = (credentialsId: string): ConsumerSpec => ({ kind: 'soracom-credentials-set', credentialsId, mode: 'versioned' });

/** No pickup grace unless given: most tests poll for phases in real time, and queries do not skip time. */
function request(userName: string, consumers: ConsumerSpec[], recoveryWindowDays = 30, pickupGraceSeconds = 0): RotationRequestInput {
  return { source: { kind: 'aws-iam-access-key', userName, accountId: ACCOUNT }, consumers, recoveryWindowDays, pickupGraceSeconds };
}

const waitForPhase = (handle: WorkflowHandle, phase: Phase) => waitUntil(env.client, handle.workflowId, phase);
const failedStatus = (handle: WorkflowHandle) => failedStatusOf(env.client, handle);

describe('rotation on the time-skipping server', () => {
  describe('happy path', () => {
    const providers = useProviders();

    it.each([7, 30])('rotates, waits a %i-day window, then deletes the old key', async (days) => {
      const { oldKeyId } = await providers.seedUser(user('funnel'), 'funnel-aws');
      const result = await withWorkers(env, providers.clients(), async () => {
        const handle = await startRotation(env.client, { ...request(user('funnel'), [update('funnel-aws')], days), pickupGraceSeconds: undefined }); // the default grace
        return await handle.result();
      });

      expect(result.phase).toBe('completed');
      expect(result.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'registering', 'deactivating', 'pending-deletion', 'deleting', 'completed']);
      expect(Date.parse(result.deleteAt!) - Date.parse(result.deactivatedAt!)).toBe(days * DAY_MS);
      // the default pickup grace: consumers get 30 s with the new key before the old one is deactivated
      const at = (phase: Phase) => Date.parse(result.timeline.find((t) => t.phase === phase)!.at);
      expect(at('deactivating') - at('registering')).toBeGreaterThanOrEqual(30_000);
      const deleting = result.timeline.find((t) => t.phase === 'deleting')!;
      expect(Date.parse(deleting.at)).toBeGreaterThanOrEqual(Date.parse(result.deleteAt!));
      // at the providers: only the new key is left, Active, and the set holds it
      expect(result.oldCredentialId).toBe(oldKeyId);
      expect(await providers.keysOf(user('funnel'))).toEqual([[result.newCredentialId, 'Active']]);
      expect(providers.setsHolding()).toEqual({ 'funnel-aws': result.newCredentialId });
    });

    it('restores on day 3: the old key is Active again and the set keeps the new key', async () => {
      const { oldKeyId } = await providers.seedUser(user('funnel'), 'funnel-aws');
      await withWorkers(env, providers.clients(), async () => {
        const handle = await startRotation(env.client, request(user('funnel'), [update('funnel-aws')]));
        const parked = await waitForPhase(handle, 'pending-deletion');
        expect(await providers.keysOf(user('funnel'))).toEqual([[oldKeyId, 'Inactive'], [parked.newCredentialId, 'Active']].sort());
        await env.sleep('3 days');
        const restored = await restoreRotation(env.client, handle.workflowId);
        expect(restored.phase).toBe('restored');
        expect(await handle.result()).toMatchObject({ phase: 'restored', deleteAt: null });
        expect(await providers.keysOf(user('funnel'))).toEqual([[oldKeyId, 'Active'], [parked.newCredentialId, 'Active']].sort());
        expect(providers.setsHolding()).toEqual({ 'funnel-aws': parked.newCredentialId });
      });
    });

    it('deletes now on day 1 when confirmed with the old key id, and refuses a wrong confirmation', async () => {
      const { oldKeyId } = await providers.seedUser(user('funnel'), 'funnel-aws');
      await withWorkers(env, providers.clients(), async () => {
        const handle = await startRotation(env.client, request(user('funnel'), [update('funnel-aws')]));
        const parked = await waitForPhase(handle, 'pending-deletion');
        await env.sleep('1 day');
        await expect(deleteNow(env.client, handle.workflowId, 'AKIAWRONGWRONGWRONG0')).rejects.toThrow(/must be confirmed with the old credential id/);
        const done = await deleteNow(env.client, handle.workflowId, oldKeyId);
        expect(done.phase).toBe('completed');
        const deletedAt = Date.parse(done.timeline.find((t) => t.phase === 'deleting')!.at);
        expect(deletedAt).toBeLessThan(Date.parse(parked.deleteAt!));
        expect(await providers.keysOf(user('funnel'))).toEqual([[parked.newCredentialId, 'Active']]);
        expect(providers.setsHolding()).toEqual({ 'funnel-aws': parked.newCredentialId });
      });
    });

    it('versioned mode creates <prefix>-<date>, and deletes the old set with the old key', async () => {
      const { oldKeyId } = await providers.seedUser(user('funnel'), 'funnel-aws-20250101');
      const result = await withWorkers(env, providers.clients(), async () => {
        const handle = await startRotation(env.client, request(user('funnel'), [versioned('funnel-aws-20250101')], 7));
        const parked = await waitForPhase(handle, 'pending-deletion');
        const newSet = parked.consumers[0]!.credentialsId;
        expect(newSet).toMatch(/^funnel-aws-\d{8}$/);
        expect(providers.setsHolding()).toEqual({ 'funnel-aws-20250101': oldKeyId, [newSet]: parked.newCredentialId });
        return await handle.result();
      });
      expect(providers.setsHolding()).toEqual({ [result.consumers[0]!.credentialsId]: result.newCredentialId });
      expect(await providers.keysOf(user('funnel'))).toEqual([[result.newCredentialId, 'Active']]);
    });
  });

  describe('refusals before any change', () => {
    const providers = useProviders();

    it('refuses a user at the 2-key limit, naming both keys, and changes nothing', async () => {
      const { oldKeyId } = await providers.seedUser(user('full'), 'full-aws');
      const spare = await providers.addKey(user('full'), 'Inactive');
      const before = await providers.keysOf(user('full'));
      const status = await withWorkers(env, providers.clients(), async () => failedStatus(await startRotation(env.client, request(user('full'), [update('full-aws')]))));
      expect(status.phase).toBe('failed');
      expect(status.problem).toContain(oldKeyId);
      expect(status.problem).toContain(spare);
      expect(status.problem).toMatch(/No change was made/);
      expect(await providers.keysOf(user('full'))).toEqual(before);
      expect(providers.setsHolding()).toEqual({ 'full-aws': oldKeyId });
    });

    it('refuses an unknown IAM user', async () => {
      await providers.addSet('some-set', 'AKIAEXAMPLEEXAMPLE00');
      const status = await withWorkers(env, providers.clients(), async () => failedStatus(await startRotation(env.client, request(user('nobody'), [update('some-set')]))));
      expect(status.problem).toMatch(/IAM user 'nobody-\d+' does not exist in account 123456789012/);
      expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'failed']);
    });

    it('refuses an unknown SORACOM set before creating a key', async () => {
      const { oldKeyId } = await providers.seedUser(user('funnel'), 'funnel-aws');
      const status = await withWorkers(env, providers.clients(), async () => failedStatus(await startRotation(env.client, request(user('funnel'), [update('no-such-set')]))));
      expect(status.problem).toMatch(/SORACOM credentials set 'no-such-set' does not exist/);
      expect(await providers.keysOf(user('funnel'))).toEqual([[oldKeyId, 'Active']]);
    });

    it.each([6, 31, 7.5])('refuses a recovery window of %s days before starting anything', async (days) => {
      await expect(startRotation(env.client, request(user('funnel'), [update('funnel-aws')], days))).rejects.toThrow(OperatorError);
      await expect(startRotation(env.client, request(user('funnel'), [update('funnel-aws')], days))).rejects.toThrow(/recovery window must be/);
      await expect(env.client.workflow.getHandle(`aws-iam:${ACCOUNT}:${user('funnel')}`).describe()).rejects.toThrow(/not found/i);
    });

    it('the workflow itself refuses bad requests started without the CLI, then rotates a good one, in one worker (zod shared and frozen)', async () => {
      const { oldKeyId } = await providers.seedUser(user('direct'), 'direct-aws');
      const good = request(user('direct'), [update('direct-aws')]);
      const refusals: [unknown, RegExp][] = [
        [{ ...good, consumers: [update('direct-aws'), update('direct-aws')], recoveryWindowDays: 6, pickupGraceSeconds: -1 }, /recoveryWindowDays: recovery window must be 7–30 days.*pickupGraceSeconds: pickup grace must be 0–3600 seconds/],
        [{ ...good, consumers: [update('direct-aws'), update('direct-aws')] }, /consumers: each consumer may be named only once/],
        [{ ...good, source: { kind: 'wallarm-api-token', cloud: 'mars', tokenId: 7 } }, /source\.cloud: Wallarm cloud must be 'us1', 'eu' or 'me1'/],
        [{ ...good, source: { ...good.source, accountId: '12345' } }, /source\.accountId: AWS account id must be 12 digits/],
        [{ ...good, consumers: [{ kind: 'file', path: 'relative/path' }] }, /consumers\.0\.path: file path must be absolute/],
        [{ ...good, source: { kind: 'gcp-service-account-key' } }, /source/],
      ];
      const outcomes = await withWorkers(env, providers.clients(), async () => {
        const failures: unknown[] = [];
        for (const [i, [input]] of refusals.entries()) {
          failures.push(
            await env.client.workflow
              .execute('rotateCredential', { taskQueue: ROTATIONS_TASK_QUEUE, workflowId: `direct-${userSerial}-${i}`, args: [input] })
              .then(() => undefined, (err: Error) => err),
          );
        }
        // the same worker, after all those refusals, still rotates a good request to the end of its preflight and beyond
        const status = await waitForPhase(await startRotation(env.client, good), 'pending-deletion');
        // ended here: a rotation left open on this worker's sticky queue would stall the time-skipping server for later tests
        await deleteNow(env.client, status.rotationId, status.oldCredentialId!);
        return { failures, status };
      });
      for (const [i, failure] of outcomes.failures.entries()) {
        const cause = (failure as { cause?: { type?: string; message?: string; nonRetryable?: boolean } } | undefined)?.cause;
        expect(cause).toMatchObject({ type: 'InvalidRotationRequest', nonRetryable: true });
        expect(cause?.message).toMatch(refusals[i]![1]);
      }
      expect(outcomes.status.oldCredentialId).toBe(oldKeyId);
    });

    it('refuses a second rotation of the same user while the first is in its window', async () => {
      await providers.seedUser(user('funnel'), 'funnel-aws');
      await withWorkers(env, providers.clients(), async () => {
        const handle = await startRotation(env.client, request(user('funnel'), [update('funnel-aws')]));
        const parked = await waitForPhase(handle, 'pending-deletion');
        await expect(startRotation(env.client, request(user('funnel'), [update('funnel-aws')]))).rejects.toThrow(
          new RegExp(`recovery window until ${parked.deleteAt!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; run 'rotator delete-now`),
        );
        await deleteNow(env.client, handle.workflowId);
      });
    });
  });

  describe('failures after changes: compensation keeps every consumer working', () => {
    const providers = useProviders();

    it('a new key that never verifies is deleted and the consumer is untouched', async () => {
      const { oldKeyId } = await providers.seedUser(user('funnel'), 'funnel-aws');
      // STS answered by a second, empty moto: it does not know the new key, as AWS before propagation
      const otherSts = await startTrackedMoto();
      try {
        const status = await withWorkers(env, providers.clients({ stsEndpoint: otherSts.endpoint }), async () =>
          failedStatus(await startRotation(env.client, request(user('funnel'), [update('funnel-aws')]))),
        );
        expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'compensating', 'failed']);
        expect(status.problem).toMatch(/authenticates as .* expected arn:aws:iam::123456789012:user\/funnel-\d+/);
        expect(status.problem).toMatch(/deleted new credential/);
      } finally {
        await otherSts.stop();
      }
      expect(await providers.keysOf(user('funnel'))).toEqual([[oldKeyId, 'Active']]);
      expect(providers.setsHolding()).toEqual({ 'funnel-aws': oldKeyId });
    });
  });

  describe('cancellation', () => {
    const providers = useProviders();

    it('cancelled while verifying: compensation still deletes the new key, the consumer keeps the old one', async () => {
      const { oldKeyId } = await providers.seedUser(user('funnel'), 'funnel-aws');
      const otherSts = await startTrackedMoto(); // never verifies, so the rotation waits in verifying
      try {
        const status = await withWorkers(env, providers.clients({ stsEndpoint: otherSts.endpoint }), async () => {
          const handle = await startRotation(env.client, request(user('funnel'), [update('funnel-aws')]));
          await waitForPhase(handle, 'verifying');
          await handle.cancel();
          return await failedStatus(handle);
        });
        expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'compensating', 'failed']);
        expect(status.problem).toMatch(/cancelled.*deleted new credential/);
      } finally {
        await otherSts.stop();
      }
      expect(await providers.keysOf(user('funnel'))).toEqual([[oldKeyId, 'Active']]);
      expect(providers.setsHolding()).toEqual({ 'funnel-aws': oldKeyId });
    });

    it('cancelled in the recovery window: taken as restore, the old key is Active again', async () => {
      const { oldKeyId } = await providers.seedUser(user('funnel'), 'funnel-aws');
      await withWorkers(env, providers.clients(), async () => {
        const handle = await startRotation(env.client, request(user('funnel'), [update('funnel-aws')]));
        const parked = await waitForPhase(handle, 'pending-deletion');
        await handle.cancel();
        expect(await handle.result()).toMatchObject({ phase: 'restored' });
        expect(await providers.keysOf(user('funnel'))).toEqual([[oldKeyId, 'Active'], [parked.newCredentialId, 'Active']].sort());
      });
    });
  });

  describe('a consumer write failing in update mode (the SAM user may not write set-b)', () => {
    const providers = useProviders({ soracomDenies: (method, path) => method === 'PUT' && path === '/credentials/set-b' });

    it('update mode: the set that took the new key keeps it and the new key stays Active; the other keeps the old key', async () => {
      const { oldKeyId } = await providers.seedUser(user('funnel'), 'set-a');
      await providers.addSet('set-b', oldKeyId);
      const status = await withWorkers(env, providers.clients(), async () =>
        failedStatus(await startRotation(env.client, request(user('funnel'), [update('set-a'), update('set-b')]))),
      );
      expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'registering', 'compensating', 'failed']);
      expect(status.problem).toMatch(/SORACOM .*set-b.*403 AUM0017/);
      expect(status.problem).toMatch(/kept new credential .* Active/);
      // the invariant: each set holds a key that is Active
      const keys = Object.fromEntries(await providers.keysOf(user('funnel')));
      expect(providers.setsHolding()).toEqual({ 'set-a': status.newCredentialId, 'set-b': oldKeyId });
      expect(keys[status.newCredentialId!]).toBe('Active');
      expect(keys[oldKeyId]).toBe('Active');
    });

  });

  describe('a consumer write failing in versioned mode (the SAM user may not create set-b-*)', () => {
    // the seeding writes go through too, so only a set created today is denied
    const providers = useProviders({ soracomDenies: (method, path) => method === 'POST' && /^\/credentials\/set-b-(?!20250101)/.test(path) });

    it('versioned mode: the new set is removed, the new key deleted, both old sets keep the old key', async () => {
      const { oldKeyId } = await providers.seedUser(user('funnel'), 'set-a-20250101');
      await providers.addSet('set-b-20250101', oldKeyId);
      const status = await withWorkers(env, providers.clients(), async () =>
        failedStatus(await startRotation(env.client, request(user('funnel'), [versioned('set-a-20250101'), versioned('set-b-20250101')]))),
      );
      expect(status.phase).toBe('failed');
      expect(status.problem).toMatch(/deleted new credential/);
      expect(providers.setsHolding()).toEqual({ 'set-a-20250101': oldKeyId, 'set-b-20250101': oldKeyId });
      expect(await providers.keysOf(user('funnel'))).toEqual([[oldKeyId, 'Active']]);
    });
  });
});
