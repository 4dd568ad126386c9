import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv, createTimeSkippingEnv, testDataConverter, workflowBundle } from '../support/temporal';
import { markPhase, sleepForDays } from '../support/workflows/harness';
import { RotationPhaseKey } from '../../src/rotation/search-attributes';

const DAY_MS = 24 * 60 * 60 * 1000;
const workflowsPath = require.resolve('../support/workflows/harness');

describe('Temporal time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('skips a 30-day durable timer', async () => {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      dataConverter: testDataConverter,
      taskQueue: 'harness-time-skipping',
      workflowBundle: await workflowBundle(workflowsPath),
    });
    const wallStart = Date.now();
    const result = await worker.runUntil(
      env.client.workflow.execute(sleepForDays, { args: [{ days: 30 }], workflowId: 'sleep-30-days', taskQueue: 'harness-time-skipping' }),
    );
    expect(result.endedMs - result.startedMs).toBeGreaterThanOrEqual(30 * DAY_MS);
    // the server's clock moved by the 30 days while the wall clock did not
    expect(Date.now() - wallStart).toBeLessThan(30 * DAY_MS);
  });
});

describe('Temporal dev server (temporal server start-dev)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createDevServerEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow that upserts a registered rotator search attribute, visible through describe()', async () => {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      dataConverter: testDataConverter,
      taskQueue: 'harness-dev-server',
      workflowBundle: await workflowBundle(workflowsPath),
    });
    const handle = await env.client.workflow.start(markPhase, {
      args: [{ phase: 'verifying' }],
      workflowId: 'mark-phase',
      taskQueue: 'harness-dev-server',
    });
    await expect(worker.runUntil(handle.result())).resolves.toBe('verifying');
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(RotationPhaseKey)).toBe('verifying');
  });
});
