/**
 * The way to change the workflow without breaking rotations in flight, shown on a real edit of the workflow source
 * (test/replay/workflow-variants.ts): made without `patched()` it breaks the committed histories that reach the changed
 * code; behind `patched()` every history replays; `deprecatePatch()` replays only histories written by the patched code.
 * (Split from replay.test.ts, which replays the committed histories against the current code alone: mutation testing
 * runs that one against mutants of the workflow, and this one edits the source text, which a mutant's is not.)
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { deleteNow, rotationStatus, startRotation } from '../../src/operations';
import { createWorkers, runWorkers } from '../../src/worker';
import { ACCOUNT, useProviders } from '../support/rotation-env';
import { createTimeSkippingEnv, testDataConverter, testSealer } from '../support/temporal';
import { isEncrypted, isPlainByDesign, patchMarkers, payloadsIn } from './history-payloads';
import { committedHistories, REACHES_DELETING, SHAPES, type RecordedHistory } from './shapes';
import { bundleVariant, PATCH_ID } from './workflow-variants';

const histories = committedHistories();
const byShape = (shape: string) => histories.find((h) => h.shape === shape)!;
const replay = (bundle: WorkflowBundleWithSourceMap, h: RecordedHistory) =>
  Worker.runReplayHistory({ workflowBundle: bundle, dataConverter: testDataConverter, replayName: `replay-${h.shape}` }, h.history, `fixture-${h.shape}`);

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
