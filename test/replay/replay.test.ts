/**
 * The determinism guard for 30-day rotations: every committed history (one per shape a rotation can take,
 * recorded by `npm run fixtures:record`) must replay against the current workflow code, and must hold no secret
 * in clear. A change that would break in-flight rotations fails here; the way to make it safely is `patched()`,
 * shown below on a real edit of the workflow source.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { deleteNow, rotationStatus, startRotation } from '../../src/operations';
import { createWorkers, runWorkers } from '../../src/worker';
import { ACCOUNT, useProviders } from '../support/rotation-env';
import { createTimeSkippingEnv, testDataConverter, testSealer, workflowBundle } from '../support/temporal';
import { decryptedSecrets, isEncrypted, isPlainByDesign, leakedForms, patchMarkers, payloadsIn } from './history-payloads';
import { committedHistories, SHAPES, type RecordedHistory } from './shapes';
import { bundleVariant, PATCH_ID } from './workflow-variants';

const histories = committedHistories();
const byShape = (shape: string) => histories.find((h) => h.shape === shape)!;
const replay = (bundle: WorkflowBundleWithSourceMap, h: RecordedHistory) =>
  Worker.runReplayHistory({ workflowBundle: bundle, dataConverter: testDataConverter, replayName: `replay-${h.shape}` }, h.history, `fixture-${h.shape}`);

/** The shapes whose history reaches `deleting`, where the edit below inserts its step. */
const REACHES_DELETING = ['completed', 'completed-versioned', 'expedited', 'restore-refused-then-expedited'];

describe('committed workflow histories', () => {
  it('hold one history per shape a rotation can end in', () => {
    expect(histories.map((h) => h.shape).sort()).toEqual([...SHAPES].sort());
    for (const shape of REACHES_DELETING) expect(byShape(shape).text).toContain('"name": "destroyCredential"');
  });

  it.each([...SHAPES])('%s replays against the current workflow code', async (shape) => {
    await replay(await workflowBundle(require.resolve('../../src/workflows')), byShape(shape));
  });

  it.each([...SHAPES])('%s holds no secret in clear: every payload but search attributes and patch markers is encrypted', async (shape) => {
    const h = byShape(shape);
    const payloads = payloadsIn(h.history);
    expect(payloads.filter((p) => !isEncrypted(p) && !isPlainByDesign(p))).toEqual([]);
    expect(payloads.filter(isEncrypted).length).toBeGreaterThan(0);
    // failure messages and stacks travel in the encrypted encoded attributes
    for (const m of h.text.matchAll(/"message": "([^"]*)"/g)) expect(m[1]).toBe('Encoded failure');
    expect(h.text).not.toMatch(/"stackTrace": "[^"]/);
    // the secrets the history carries, found by decrypting it, appear nowhere in the file in clear or base64
    const secrets = await decryptedSecrets(h.history);
    if (shape !== 'failed') expect(secrets.length).toBeGreaterThan(0); // control: the new key's secret is carried, encrypted
    for (const secret of secrets) for (const form of leakedForms(secret)) expect(h.text).not.toContain(form);
  });
});

describe('changing the workflow while rotations are in flight', () => {
  // the same edit three ways: a new step before the old key is deleted
  let unpatched: WorkflowBundleWithSourceMap;
  let patched: WorkflowBundleWithSourceMap;
  let deprecated: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    unpatched = await bundleVariant('unpatched');
    patched = await bundleVariant('patched');
    deprecated = await bundleVariant('deprecated');
  });

  it.each(REACHES_DELETING)('the edit made without patched() breaks the %s history: DeterminismViolationError', async (shape) => {
    await expect(replay(unpatched, byShape(shape))).rejects.toThrow(DeterminismViolationError);
  });

  it.each(SHAPES.filter((s) => !REACHES_DELETING.includes(s)))('the same edit leaves %s alone: it never reaches the changed code', async (shape) => {
    await replay(unpatched, byShape(shape));
  });

  it.each([...SHAPES])(`the edit behind patched('${PATCH_ID}') replays the %s history`, async (shape) => {
    await replay(patched, byShape(shape));
  });

  describe('after the patch shipped', () => {
    const providers = useProviders();
    let env: TestWorkflowEnvironment;
    beforeAll(async () => {
      env = await createTimeSkippingEnv();
    });
    afterAll(async () => {
      await env?.teardown();
    });

    it('deprecatePatch() replays histories written by the patched code, but not those older than the patch', async () => {
      // a rotation run by the patched code: its history carries the patch marker and the new step
      const { oldKeyId } = await providers.seedUser('patched-run', 'patched-run-aws');
      const workers = await createWorkers({ connection: env.nativeConnection, clients: providers.clients(), dataConverter: testDataConverter, sealer: testSealer, workflowBundle: patched });
      const running = runWorkers(workers);
      let written: RecordedHistory;
      try {
        const handle = await startRotation(env.client, {
          source: { kind: 'aws-iam-access-key', userName: 'patched-run', accountId: ACCOUNT },
          consumers: [{ kind: 'soracom-credentials-set', credentialsId: 'patched-run-aws', mode: 'update' }],
          recoveryWindowDays: 7,
          pickupGraceSeconds: 0,
        });
        await waitUntilParked(handle.workflowId);
        await deleteNow(env.client, handle.workflowId, oldKeyId);
        const text = historyToJSON(await handle.fetchHistory());
        written = { shape: 'completed', file: '(patched run)', history: JSON.parse(text) as unknown, text };
      } finally {
        workers.forEach((w) => w.shutdown());
        await running;
      }
      expect(patchMarkers(written.history)).toContain(PATCH_ID);
      expect(payloadsIn(written.history).filter((p) => !isEncrypted(p) && !isPlainByDesign(p))).toEqual([]);

      await replay(deprecated, written);
      await replay(patched, written);
      // so deprecatePatch() may ship only once no rotation started before the patch is still open (30 days + retention)
      await expect(replay(deprecated, byShape('completed'))).rejects.toThrow(DeterminismViolationError);
      await expect(replay(unpatched, written)).rejects.toThrow(DeterminismViolationError);
    });

    async function waitUntilParked(rotationId: string): Promise<void> {
      const deadline = Date.now() + 60_000;
      while ((await rotationStatus(env.client, rotationId)).phase !== 'pending-deletion') {
        if (Date.now() > deadline) throw new Error('rotation never reached pending-deletion');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
});
