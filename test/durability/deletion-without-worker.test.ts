/**
 * A deletion that falls due while no worker runs happens once a worker is back, and exactly once.
 *
 * On the time-skipping server, scheduling a workflow task locks time skipping until a worker completes it. So with
 * every worker down, the server's clock skips straight to `deleteAt`, fires the rotation's timer, and then waits
 * (advancing in real time only) with the resulting workflow task pending. The test watches for exactly that state
 * in the history, checks nothing was deleted, and only then starts workers again. Every IAM call of those workers
 * goes through a recording proxy, which counts the DeleteAccessKey requests.
 */
import { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startRotation } from '../../src/operations';
import { createAwsClients } from '../../src/providers/aws-iam/clients';
import { ROTATIONS_TASK_QUEUE, type ProviderQueue } from '../../src/rotation/task-queues';
import { providerActivities, providerPace, runWorkers } from '../../src/worker';
import type { rotateCredential } from '../../src/workflows/rotate-credential';
import { startRecordingProxy, type RecordingProxy } from '../contract/recording-proxy';
import { ACCOUNT, testAwsCredentials, useProviders } from '../support/rotation-env';
import { createTimeSkippingEnv, testDataConverter, testSealer, workflowBundle } from '../support/temporal';
import { waitForPhase } from '../support/phases';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('a deletion due while no worker runs (time-skipping server)', () => {
  const providers = useProviders();
  let iamProxy: RecordingProxy;
  beforeEach(async () => {
    iamProxy = await startRecordingProxy(providers.moto.server.endpoint);
  });
  afterEach(async () => {
    await iamProxy?.stop();
  });

  /** The workers' provider clients, with IAM behind the recording proxy. */
  const clients = () => ({
    aws: createAwsClients({ endpoint: { iam: iamProxy.endpoint, sts: providers.moto.server.endpoint }, credentials: testAwsCredentials }),
    soracom: providers.soracom(),
  });
  /**
   * The rotator's workers, with no workflow cache. With a cache, the worker asks for its workflow tasks on a sticky
   * queue of its own; the real server moves a task off a dead worker's sticky queue after a few seconds, but the
   * Java test server keeps the due task there forever (observed with temporal-test-server 1.40.0), which is why a
   * cached worker stopped before the timer fires never lets the rotation move again on this server.
   */
  async function withUncachedWorkers<T>(body: () => Promise<T>): Promise<T> {
    const common = { connection: env.nativeConnection, namespace: 'default', dataConverter: testDataConverter };
    const activities = providerActivities(clients(), testSealer);
    const workers = [
      await Worker.create({ ...common, taskQueue: ROTATIONS_TASK_QUEUE, workflowBundle: await workflowBundle(require.resolve('../../src/workflows')), maxCachedWorkflows: 0 }),
      ...(await Promise.all((Object.keys(activities) as ProviderQueue[]).map((queue) => Worker.create({ ...common, taskQueue: queue, activities: activities[queue], ...providerPace(queue) })))),
    ];
    const running = runWorkers(workers);
    try {
      return await body();
    } finally {
      workers.forEach((w) => w.shutdown());
      await running;
    }
  }
  const deleteRequests = () => iamProxy.calls.filter((c) => typeof c.body === 'string' && new URLSearchParams(c.body).get('Action') === 'DeleteAccessKey');

  it('happens once a worker is back, exactly once', async () => {
    const { oldKeyId } = await providers.seedUser('due-offline', 'due-offline-aws');
    const { handle, parked } = await withUncachedWorkers(async () => {
      const h = await startRotation(env.client, {
        source: { kind: 'aws-iam-access-key', userName: 'due-offline', accountId: ACCOUNT },
        consumers: [{ kind: 'soracom-credentials-set', credentialsId: 'due-offline-aws', mode: 'update' }],
        recoveryWindowDays: 7,
        pickupGraceSeconds: 0,
      });
      return { handle: h, parked: await waitForPhase(env.client, h.workflowId, 'pending-deletion') };
    });
    // every worker is shut down now
    const deleteAt = Date.parse(parked.deleteAt!);
    expect(await env.currentTimeMs()).toBeLessThan(deleteAt);

    // let server time run a day past deleteAt; it stops skipping once the timer fires, since nothing takes the task
    const sleeping = env.sleep(deleteAt - (await env.currentTimeMs()) + 24 * 60 * 60 * 1000);
    const due = await waitForHistory(handle, (events) => {
      // the window's timer (an earlier one is the pickup grace)
      const fired = events.findIndex((e) => e.timerFiredEventAttributes && Date.parse(timeOf(e)) >= deleteAt);
      return fired >= 0 && events.slice(fired).some((e) => e.workflowTaskScheduledEventAttributes);
    });
    expect(await env.currentTimeMs()).toBeGreaterThanOrEqual(deleteAt);
    expect(due.filter((e) => e.timerFiredEventAttributes).map((e) => Date.parse(timeOf(e))).at(-1)).toBeGreaterThanOrEqual(deleteAt);
    // due, but nothing can act on it: the history ends with the workflow task no worker has taken (no task started
    // after it, so no command can follow), no deletion is scheduled or requested, and the old key is still there
    const stillDue = (await handle.fetchHistory()).events ?? [];
    const lastScheduled = stillDue.reduce((last, e, i) => (e.workflowTaskScheduledEventAttributes ? i : last), -1);
    expect(lastScheduled).toBeGreaterThanOrEqual(0);
    expect(stillDue.slice(lastScheduled + 1).filter((e) => e.workflowTaskStartedEventAttributes || e.workflowTaskCompletedEventAttributes)).toEqual([]);
    expect(stillDue.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'destroyCredential')).toBe(false);
    expect(deleteRequests()).toHaveLength(0);
    expect(await providers.keysOf('due-offline')).toEqual([[oldKeyId, 'Inactive'], [parked.newCredentialId!, 'Active']].sort());

    // a worker comes back: the deletion runs. A plain client waits for the result: env.client's result() would unlock
    // time skipping a second time, and the clock could then jump past the workflow task's timeout while the worker runs it
    const result = await withUncachedWorkers(async () => await new Client({ connection: env.connection, dataConverter: testDataConverter }).workflow.getHandle<typeof rotateCredential>(handle.workflowId).result());
    await sleeping;
    expect(result.phase).toBe('completed');
    expect(Date.parse(result.timeline.find((t) => t.phase === 'deleting')!.at)).toBeGreaterThanOrEqual(deleteAt);
    expect(await providers.keysOf('due-offline')).toEqual([[parked.newCredentialId!, 'Active']]);
    expect(providers.setsHolding()).toEqual({ 'due-offline-aws': parked.newCredentialId });

    // exactly once: one DeleteAccessKey reached IAM, for the old key, from one scheduled activity attempt
    expect(deleteRequests().map((c) => new URLSearchParams(c.body as string).get('AccessKeyId'))).toEqual([oldKeyId]);
    const events = (await handle.fetchHistory()).events ?? [];
    const deletions = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'destroyCredential');
    expect(deletions).toHaveLength(1);
    const started = events.filter((e) => e.activityTaskStartedEventAttributes?.scheduledEventId?.toString() === deletions[0]!.eventId?.toString());
    expect(started.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
  });

  async function waitForHistory(handle: { fetchHistory(): Promise<temporal.api.history.v1.IHistory> }, done: (events: HistoryEvent[]) => boolean): Promise<HistoryEvent[]> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const events = (await handle.fetchHistory()).events ?? [];
      if (done(events)) return events;
      if (Date.now() > deadline) throw new Error(`history never reached the expected state; last event ${events.at(-1)?.eventType}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
});

function timeOf(event: HistoryEvent): string {
  const t = event.eventTime!;
  return new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}
