/**
 * Rotations into Huawei Cloud CSMS secrets on the time-skipping server, with the real activities against moto, the
 * CSMS sandbox and the SORACOM sandbox. Each test asserts what the providers hold afterwards, and the invariant:
 * every consumer holds a key that is Active.
 */
import { type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deleteNow, OperatorError, restoreRotation, startRotation } from '../../src/operations';
import { parseConsumerArg, type ConsumerSpec, type Phase, type RotationRequestInput } from '../../src/rotation/model';
import { startTrackedMoto } from '../support/moto';
import { ACCOUNT, CSMS_PROJECT, useProviders, withWorkers } from '../support/rotation-env';
import { createTimeSkippingEnv } from '../support/temporal';
import { failedStatus as failedStatusOf, waitForPhase as waitUntil } from '../support/phases';

const DAY_MS = 24 * 60 * 60 * 1000;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

let userSerial = 0;
beforeEach(() => {
  userSerial++;
});
const user = (name: string) => `csms-${name}-${userSerial}`;

const csms = (secretName: string): ConsumerSpec => ({ kind: 'csms-secret', secretName });
const soracom = (credentialsId: string): ConsumerSpec => ({ kind: 'soracom-credentials-set', credentialsId, mode: 'update' });

function request(userName: string, consumers: ConsumerSpec[], recoveryWindowDays = 30): RotationRequestInput {
  // these tests poll for phases in real time: no pickup grace (rotation.test.ts checks the default)
  return { source: { kind: 'aws-iam-access-key', userName, accountId: ACCOUNT }, consumers, recoveryWindowDays, pickupGraceSeconds: 0 };
}

const waitForPhase = (handle: WorkflowHandle, phase: Phase) => waitUntil(env.client, handle.workflowId, phase);
const failedStatus = (handle: WorkflowHandle) => failedStatusOf(env.client, handle);

describe('rotation into CSMS secrets on the time-skipping server', () => {
  describe('happy path', () => {
    const providers = useProviders();

    /** The invariant at the providers: the key each consumer holds is Active in IAM. */
    async function expectEveryConsumerHoldsAnActiveKey(userName: string, held: (string | undefined)[]) {
      const keys = Object.fromEntries(await providers.keysOf(userName));
      for (const id of held) expect({ held: id, status: id === undefined ? undefined : keys[id] }).toEqual({ held: id, status: 'Active' });
    }

    it('adds a version that takes SYSCURRENT, keeps the old one as SYSPREVIOUS, waits 7 days, deletes the old key', async () => {
      const { oldKeyId } = await providers.seedCsmsUser(user('app'), 'app-aws');
      const result = await withWorkers(env, providers.clients(), async () => {
        const handle = await startRotation(env.client, request(user('app'), [csms('app-aws')], 7));
        const parked = await waitForPhase(handle, 'pending-deletion');
        expect(providers.csmsHolding('app-aws')).toEqual({ current: ['v2', parked.newCredentialId], previous: ['v1', oldKeyId] });
        await expectEveryConsumerHoldsAnActiveKey(user('app'), [parked.newCredentialId!]);
        return await handle.result();
      });

      expect(result.phase).toBe('completed');
      expect(Date.parse(result.deleteAt!) - Date.parse(result.deactivatedAt!)).toBe(7 * DAY_MS);
      expect(result.consumers).toEqual([{ consumer: 'csms:app-aws', mode: 'new-version', credentialsId: 'app-aws', holds: result.newCredentialId, state: 'registered' }]);
      expect(await providers.keysOf(user('app'))).toEqual([[result.newCredentialId, 'Active']]);
      // the value software reads: the new key, with the operator's other fields carried over
      const value = JSON.parse(providers.csmsSandbox.currentValue(CSMS_PROJECT, 'app-aws')!) as Record<string, string>;
      expect(Object.keys(value).sort()).toEqual(['accessKeyId', 'region', 'secretAccessKey']);
      expect(value).toMatchObject({ accessKeyId: result.newCredentialId, region: 'ap-northeast-1' });
      expect(value.secretAccessKey).toMatch(/^\S{40}$/);
    });

    it('restores on day 3: the old key is Active again and SYSCURRENT keeps the new key', async () => {
      const { oldKeyId } = await providers.seedCsmsUser(user('app'), 'app-aws');
      await withWorkers(env, providers.clients(), async () => {
        const handle = await startRotation(env.client, request(user('app'), [csms('app-aws')]));
        const parked = await waitForPhase(handle, 'pending-deletion');
        await env.sleep('3 days');
        expect(await restoreRotation(env.client, handle.workflowId)).toMatchObject({ phase: 'restored' });
        expect(await providers.keysOf(user('app'))).toEqual([[oldKeyId, 'Active'], [parked.newCredentialId, 'Active']].sort());
        expect(providers.csmsHolding('app-aws')).toEqual({ current: ['v2', parked.newCredentialId], previous: ['v1', oldKeyId] });
      });
    });

    it('deletes now on day 1: only the new key is left, and SYSCURRENT holds it', async () => {
      const { oldKeyId } = await providers.seedCsmsUser(user('app'), 'app-aws');
      await withWorkers(env, providers.clients(), async () => {
        const handle = await startRotation(env.client, request(user('app'), [csms('app-aws')]));
        const parked = await waitForPhase(handle, 'pending-deletion');
        await env.sleep('1 day');
        const done = await deleteNow(env.client, handle.workflowId, oldKeyId);
        expect(done.phase).toBe('completed');
        expect(await providers.keysOf(user('app'))).toEqual([[parked.newCredentialId, 'Active']]);
        expect(providers.csmsHolding('app-aws').current).toEqual(['v2', parked.newCredentialId]);
      });
    });

    it('fans out: one AWS key into two SORACOM sets and one CSMS secret, each holding an Active key throughout', async () => {
      const { oldKeyId } = await providers.seedUser(user('fan'), 'set-a');
      await providers.addSet('set-b', oldKeyId);
      await providers.addCsmsSecret('app-aws', JSON.stringify({ accessKeyId: oldKeyId, secretAccessKey: 'x'.repeat(40) }));
      const consumers = [soracom('set-a'), soracom('set-b'), csms('app-aws')];
      const result = await withWorkers(env, providers.clients(), async () => {
        const handle = await startRotation(env.client, request(user('fan'), consumers, 7));
        const parked = await waitForPhase(handle, 'pending-deletion');
        const held = [providers.setsHolding()['set-a'], providers.setsHolding()['set-b'], providers.csmsHolding('app-aws').current?.[1]];
        expect(held).toEqual([parked.newCredentialId, parked.newCredentialId, parked.newCredentialId]);
        await expectEveryConsumerHoldsAnActiveKey(user('fan'), held);
        return await handle.result();
      });
      expect(result.phase).toBe('completed');
      expect(result.consumers.map((c) => [c.consumer, c.mode, c.state, c.holds])).toEqual([
        ['soracom:set-a', 'update', 'registered', result.newCredentialId],
        ['soracom:set-b', 'update', 'registered', result.newCredentialId],
        ['csms:app-aws', 'new-version', 'registered', result.newCredentialId],
      ]);
      expect(providers.setsHolding()).toEqual({ 'set-a': result.newCredentialId, 'set-b': result.newCredentialId });
      expect(providers.csmsHolding('app-aws')).toEqual({ current: ['v2', result.newCredentialId], previous: ['v1', oldKeyId] });
      await expectEveryConsumerHoldsAnActiveKey(user('fan'), [result.newCredentialId!]);
    });
  });

  describe('bad input: refused in preflight, nothing changed', () => {
    const providers = useProviders();

    it('refuses a malformed secret name before starting anything', async () => {
      expect(() => parseConsumerArg('csms:bad.name')).toThrow(/CSMS secret name must be 1–64 characters/);
      expect(() => parseConsumerArg('csms:app:extra')).toThrow(/use soracom:<credentialsId>\[:update\|versioned\] or csms:<secretName>/);
      expect(parseConsumerArg('csms:app-aws')).toEqual({ kind: 'csms-secret', secretName: 'app-aws' });
      await expect(startRotation(env.client, request(user('bad'), [csms('bad.name')]))).rejects.toThrow(OperatorError);
      await expect(env.client.workflow.getHandle(`aws-iam:${ACCOUNT}:${user('bad')}`).describe()).rejects.toThrow(/not found/i);
    });

    it('refuses an unknown secret', async () => {
      const { oldKeyId } = await providers.seedCsmsUser(user('app'), 'app-aws');
      const status = await withWorkers(env, providers.clients(), async () => failedStatus(await startRotation(env.client, request(user('app'), [csms('no-such-secret')]))));
      expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'failed']);
      expect(status.problem).toMatch(/CSMS secret 'no-such-secret' does not exist in project \w+ \(cn-north-4\)/);
      expect(await providers.keysOf(user('app'))).toEqual([[oldKeyId, 'Active']]);
    });

    it('refuses a secret scheduled for deletion, saying when and how to cancel it', async () => {
      const { oldKeyId } = await providers.seedCsmsUser(user('app'), 'app-aws');
      await providers.csms().scheduleDeletion('app-aws', 7);
      const status = await withWorkers(env, providers.clients(), async () => failedStatus(await startRotation(env.client, request(user('app'), [csms('app-aws')]))));
      expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'failed']);
      expect(status.problem).toMatch(/CSMS secret 'app-aws' is scheduled for deletion on \d{4}-\d\d-\d\dT.*\(PENDING_DELETE\); no change was made\. Cancel the deletion with RestoreSecret/);
      expect(await providers.keysOf(user('app'))).toEqual([[oldKeyId, 'Active']]);
      expect(providers.csmsSandbox.secret(CSMS_PROJECT, 'app-aws')?.versions.size).toBe(1);
    });

    it('refuses a secret whose value is not the {"accessKeyId","secretAccessKey"} JSON the software would get', async () => {
      const { oldKeyId } = await providers.seedCsmsUser(user('app'), 'app-aws');
      await providers.addCsmsSecret('plain', 'AKIA-plain-text-value');
      const status = await withWorkers(env, providers.clients(), async () => failedStatus(await startRotation(env.client, request(user('app'), [csms('plain')]))));
      expect(status.problem).toMatch(/CSMS secret 'plain' SYSCURRENT \(v1\) is not a JSON object with "accessKeyId"/);
      expect(status.problem).not.toContain('AKIA-plain-text-value');
      expect(await providers.keysOf(user('app'))).toEqual([[oldKeyId, 'Active']]);
    });
  });

  describe('verification failure', () => {
    const providers = useProviders();

    it('a new key that never verifies is deleted and the secret never gets a version', async () => {
      const { oldKeyId } = await providers.seedCsmsUser(user('app'), 'app-aws');
      const otherSts = await startTrackedMoto();
      try {
        const status = await withWorkers(env, providers.clients({ stsEndpoint: otherSts.endpoint }), async () =>
          failedStatus(await startRotation(env.client, request(user('app'), [csms('app-aws')]))),
        );
        expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'compensating', 'failed']);
        expect(status.problem).toMatch(/deleted new credential/);
      } finally {
        await otherSts.stop();
      }
      expect(await providers.keysOf(user('app'))).toEqual([[oldKeyId, 'Active']]);
      expect(providers.csmsHolding('app-aws')).toEqual({ current: ['v1', oldKeyId] });
    });
  });

  describe('a later consumer failing: the CSMS secret is rolled back (SYSCURRENT moves back)', () => {
    const providers = useProviders({ soracomDenies: (method, path) => method === 'PUT' && path === '/credentials/set-b' });

    it('CSMS first, then a SORACOM set the SAM user may not write: SYSCURRENT back on v1, the new key deleted', async () => {
      const { oldKeyId } = await providers.seedCsmsUser(user('app'), 'app-aws');
      await providers.addSet('set-b', oldKeyId);
      const status = await withWorkers(env, providers.clients(), async () =>
        failedStatus(await startRotation(env.client, request(user('app'), [csms('app-aws'), soracom('set-b')]))),
      );
      expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'registering', 'compensating', 'failed']);
      expect(status.problem).toMatch(/SORACOM .*set-b.*403 AUM0017/);
      expect(status.problem).toMatch(/csms:app-aws SYSCURRENT moved back from v2 to v1/);
      expect(status.problem).toMatch(/deleted new credential/);
      expect(status.consumers[0]).toMatchObject({ consumer: 'csms:app-aws', state: 'rolled-back', holds: oldKeyId });
      // at the providers: both consumers hold the old key, which is the only key and Active
      expect(providers.csmsHolding('app-aws')).toEqual({ current: ['v1', oldKeyId], previous: ['v1', oldKeyId] });
      expect(providers.setsHolding()).toEqual({ 'set-b': oldKeyId });
      expect(await providers.keysOf(user('app'))).toEqual([[oldKeyId, 'Active']]);
    });
  });

  describe('a CSMS write failing (the IAM policy denies CreateSecretVersion on app-b)', () => {
    const providers = useProviders({ csmsDenies: (operation, secretName) => operation === 'CreateSecretVersion' && secretName === 'app-b' });

    it('app-a, already written, is rolled back; app-b is untouched; the new key is deleted', async () => {
      const { oldKeyId } = await providers.seedCsmsUser(user('app'), 'app-a');
      await providers.addCsmsSecret('app-b', JSON.stringify({ accessKeyId: oldKeyId, secretAccessKey: 'x'.repeat(40) }));
      // app-a already has an older version: the rollback restores SYSPREVIOUS too
      await providers.csms().createSecretVersion('app-a', JSON.stringify({ accessKeyId: oldKeyId, secretAccessKey: 'y'.repeat(40) }));
      const status = await withWorkers(env, providers.clients(), async () =>
        failedStatus(await startRotation(env.client, request(user('app'), [csms('app-a'), csms('app-b')]))),
      );
      expect(status.problem).toMatch(/CreateSecretVersion of secret 'app-b' failed: HTTP 403 .*Grant the IAM user the action csms:secret:createVersion/);
      expect(status.consumers.map((c) => [c.consumer, c.state, c.holds, c.note])).toEqual([
        ['csms:app-a', 'rolled-back', oldKeyId, `SYSCURRENT moved back from v3 to v2 (holds ${oldKeyId})`],
        ['csms:app-b', 'rolled-back', oldKeyId, 'SYSCURRENT is still v1; nothing to undo'],
      ]);
      expect(providers.csmsHolding('app-a')).toEqual({ current: ['v2', oldKeyId], previous: ['v1', oldKeyId] });
      expect(providers.csmsHolding('app-b')).toEqual({ current: ['v1', oldKeyId] });
      expect(await providers.keysOf(user('app'))).toEqual([[oldKeyId, 'Active']]);
    });
  });
});
