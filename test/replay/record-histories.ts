/**
 * Re-records the committed replay fixtures (`npm run fixtures:record`); not part of `npm test`.
 * Each shape runs for real on the time-skipping server with moto and the SORACOM sandbox, then its history is
 * written as JSON after two checks: no secret the providers hold appears in the file, and main's workflow replays it.
 * Re-record only when a change to the workflow is meant to be incompatible, i.e. no execution of the old code is
 * still running anywhere (see README, "Changing the workflow while rotations are in flight").
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { DeleteAccessKeyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { deleteNow, restoreRotation, rotationStatus, startRotation } from '../../src/operations';
import type { ConsumerSpec, Phase, RotationRequestInput } from '../../src/rotation/model';
import type { rotateCredential } from '../../src/workflows/rotate-credential';
import { DEMO_CODEC_KEYS } from '../../src/codec/key-ring';
import { ACCOUNT, OPERATOR, testAwsCredentials, useProviders, withWorkers } from '../support/rotation-env';
import { createTimeSkippingEnv, testDataConverter, workflowBundle } from '../support/temporal';
import { decryptedSecrets, leakedForms } from './history-payloads';
import { historiesDir, type Shape } from './shapes';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
  mkdirSync(historiesDir, { recursive: true });
});
afterAll(async () => {
  await env?.teardown();
});

const update = (credentialsId: string): ConsumerSpec => ({ kind: 'soracom-credentials-set', credentialsId, mode: 'update' });
const versioned = (credentialsId: string): ConsumerSpec => ({ kind: 'soracom-credentials-set', credentialsId, mode: 'versioned' });
const request = (userName: string, consumers: ConsumerSpec[], recoveryWindowDays = 7): RotationRequestInput => ({
  source: { kind: 'aws-iam-access-key', userName, accountId: ACCOUNT },
  consumers,
  recoveryWindowDays,
  requestedBy: 'fixtures:record',
});

async function rotationStatusAt(handle: WorkflowHandle<typeof rotateCredential>, phase: Phase) {
  await waitForPhase(handle, phase);
  return await rotationStatus(env.client, handle.workflowId);
}

async function waitForPhase(handle: WorkflowHandle<typeof rotateCredential>, phase: Phase): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await rotationStatus(env.client, handle.workflowId)).phase !== phase) {
    if (Date.now() > deadline) throw new Error(`rotation never reached ${phase}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Checks the finished history and writes it: no known secret in any form, and main's workflow code replays it. */
async function record(shape: Shape, handle: WorkflowHandle<typeof rotateCredential>, knownSecrets: string[]): Promise<void> {
  await handle.result().catch(() => undefined); // failed shapes end in a failure; the history is what we want
  const history = await handle.fetchHistory();
  const text = historyToJSON(history);
  const carried = await decryptedSecrets(JSON.parse(text));
  const secrets = [...new Set([...knownSecrets, ...carried, testAwsCredentials.secretAccessKey, 'secret-test-rotator', DEMO_CODEC_KEYS.split(':')[1]!])];
  for (const secret of secrets) for (const form of leakedForms(secret)) expect(text).not.toContain(form);
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle(require.resolve('../../src/workflows')), dataConverter: testDataConverter }, JSON.parse(text));
  writeFileSync(path.join(historiesDir, `${shape}.json`), `${text}\n`);
  process.stdout.write(`recorded ${shape}: ${history.events?.length ?? 0} events, ${carried.length} secret(s) inside encrypted payloads, none in clear\n`);
}

describe('record replay fixtures', () => {
  const providers = useProviders();
  /** Every secret access key the SORACOM sets hold now: the old one before a rotation, the new one after. */
  const setSecrets = () => providers.sandbox.credentialsOf(OPERATOR).map((c) => String((c.credentials as { secretAccessKey?: string }).secretAccessKey));

  it('completed', async () => {
    await providers.seedUser('fixture-completed', 'fixture-completed-aws');
    const before = setSecrets();
    await withWorkers(env, providers.clients(), async () => {
      const handle = await startRotation(env.client, request('fixture-completed', [update('fixture-completed-aws')]));
      await handle.result();
      await record('completed', handle, [...before, ...setSecrets()]);
    });
  });

  it('completed-versioned', async () => {
    await providers.seedUser('fixture-versioned', 'fixture-versioned-aws-20250101');
    const before = setSecrets();
    await withWorkers(env, providers.clients(), async () => {
      const handle = await startRotation(env.client, request('fixture-versioned', [versioned('fixture-versioned-aws-20250101')]));
      await handle.result();
      await record('completed-versioned', handle, [...before, ...setSecrets()]);
    });
  });

  it('restored', async () => {
    await providers.seedUser('fixture-restored', 'fixture-restored-aws');
    const before = setSecrets();
    await withWorkers(env, providers.clients(), async () => {
      const handle = await startRotation(env.client, request('fixture-restored', [update('fixture-restored-aws')], 30));
      await waitForPhase(handle, 'pending-deletion');
      await env.sleep('3 days');
      await restoreRotation(env.client, handle.workflowId);
      await record('restored', handle, [...before, ...setSecrets()]);
    });
  });

  it('expedited', async () => {
    const { oldKeyId } = await providers.seedUser('fixture-expedited', 'fixture-expedited-aws');
    const before = setSecrets();
    await withWorkers(env, providers.clients(), async () => {
      const handle = await startRotation(env.client, request('fixture-expedited', [update('fixture-expedited-aws')], 30));
      await waitForPhase(handle, 'pending-deletion');
      await env.sleep('1 day');
      await deleteNow(env.client, handle.workflowId, oldKeyId);
      await record('expedited', handle, [...before, ...setSecrets()]);
    });
  });

  it('cancelled-in-window', async () => {
    await providers.seedUser('fixture-cancelled', 'fixture-cancelled-aws');
    const before = setSecrets();
    await withWorkers(env, providers.clients(), async () => {
      const handle = await startRotation(env.client, request('fixture-cancelled', [update('fixture-cancelled-aws')], 30));
      await waitForPhase(handle, 'pending-deletion');
      await handle.cancel();
      await record('cancelled-in-window', handle, [...before, ...setSecrets()]);
    });
  });

  it('failed', async () => {
    await providers.seedUser('fixture-failed', 'fixture-failed-aws');
    await providers.addKey('fixture-failed', 'Inactive'); // at IAM's 2-key limit: refused in preflight, nothing changed
    const before = setSecrets();
    await withWorkers(env, providers.clients(), async () => {
      const handle = await startRotation(env.client, request('fixture-failed', [update('fixture-failed-aws')]));
      await record('failed', handle, before);
    });
  });
});

describe('record the shapes of a world changed by hand', () => {
  const providers = useProviders();
  const setSecrets = () => providers.sandbox.credentialsOf(OPERATOR).map((c) => String((c.credentials as { secretAccessKey?: string }).secretAccessKey));

  it('restore-refused-then-expedited', async () => {
    const { oldKeyId } = await providers.seedUser('fixture-refused', 'fixture-refused-aws');
    const before = setSecrets();
    await withWorkers(env, providers.clients(), async () => {
      const handle = await startRotation(env.client, request('fixture-refused', [update('fixture-refused-aws')], 30));
      await waitForPhase(handle, 'pending-deletion');
      await providers.moto.iam().send(new DeleteAccessKeyCommand({ UserName: 'fixture-refused', AccessKeyId: oldKeyId }));
      await expect(restoreRotation(env.client, handle.workflowId)).rejects.toThrow(/restore refused/);
      await deleteNow(env.client, handle.workflowId, oldKeyId);
      await record('restore-refused-then-expedited', handle, [...before, ...setSecrets()]);
    });
  });

  it('needs-attention-restored', async () => {
    await providers.seedUser('fixture-attention', 'fixture-attention-aws');
    const before = setSecrets();
    await withWorkers(env, providers.clients(), async () => {
      const handle = await startRotation(env.client, request('fixture-attention', [update('fixture-attention-aws')]));
      const parked = await rotationStatusAt(handle, 'pending-deletion');
      await providers.moto.iam().send(new UpdateAccessKeyCommand({ UserName: 'fixture-attention', AccessKeyId: parked.newCredentialId!, Status: 'Inactive' }));
      await env.sleep('8 days');
      await waitForPhase(handle, 'needs-attention');
      await restoreRotation(env.client, handle.workflowId);
      await record('needs-attention-restored', handle, [...before, ...setSecrets()]);
    });
  });
});

describe('record the compensated shape', () => {
  // versioned mode, the SAM user may not create set-b-*: the new set-a-* is removed and the new key deleted
  const providers = useProviders({ soracomDenies: (method, p) => method === 'POST' && /^\/credentials\/fixture-b-(?!20250101)/.test(p) });

  it('compensated', async () => {
    const { oldKeyId } = await providers.seedUser('fixture-compensated', 'fixture-a-20250101');
    await providers.addSet('fixture-b-20250101', oldKeyId);
    const before = providers.sandbox.credentialsOf(OPERATOR).map((c) => String((c.credentials as { secretAccessKey?: string }).secretAccessKey));
    await withWorkers(env, providers.clients(), async () => {
      const handle = await startRotation(env.client, request('fixture-compensated', [versioned('fixture-a-20250101'), versioned('fixture-b-20250101')]));
      const status = await handle.result().then(
        () => null,
        () => rotationStatus(env.client, handle.workflowId),
      );
      expect(status?.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'registering', 'compensating', 'failed']);
      await record('compensated', handle, before);
    });
  });
});
