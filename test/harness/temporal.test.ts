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
    const serverBefore = await env.currentTimeMs();
    const result = await worker.runUntil(
      env.client.workflow.execute(sleepForDays, { args: [{ days: 30 }], workflowId: 'sleep-30-days', taskQueue: 'harness-time-skipping' }),
    );
    // inside the workflow, the timer took its 30 days …
    expect(result.endedMs - result.startedMs).toBeGreaterThanOrEqual(30 * DAY_MS);
    // … and the server's own clock, read from outside, moved by as much: it skipped them (the test's timeout, not an
    // assertion, bounds the wall time; it is reported, as the suite reports times rather than asserting them)
    expect((await env.currentTimeMs()) - serverBefore).toBeGreaterThanOrEqual(30 * DAY_MS);
    process.stderr.write(`[harness] 30 days of server time skipped in ${Date.now() - wallStart} ms of wall time\n`);
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
