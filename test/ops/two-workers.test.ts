/**
 * Horizontal workers: two `rotator worker` processes on the same task queues share the rotations. One killed
 * mid-run (SIGKILL) leaves the other to finish its rotations; one stopped with SIGTERM finishes what it holds
 * within its grace time and exits cleanly. Activities are caught mid-flight by a gate in front of the SORACOM
 * sandbox that holds the consumer writes (PUT /credentials/{id}) until the test opens it.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { temporal } from '@temporalio/proto';
import { ACCOUNT, useProviders } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';
import { startGateProxy, type GateProxy } from '../support/gate-proxy';
import { providerEnv, startWorkerProcess, stopWorkerProcess, type WorkerProcess } from '../support/worker-process';
import { deleteNow, startRotation } from '../../src/operations';
import type { Phase } from '../../src/rotation/model';
import { waitForPhase as waitUntil } from '../support/phases';
import { eventually } from '../support/poll';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** Polls the status until the rotation reaches `phase` (real time: the dev server does not skip). */
const waitForPhase = (rotationId: string, phase: Phase, timeoutMs = 120_000) => waitUntil(env.client, rotationId, phase, timeoutMs);

/** Which worker runs each rotation's pending activity right now. */
async function pendingActivityWorkers(rotationIds: string[]): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  for (const id of rotationIds) {
    const { raw } = await env.client.workflow.getHandle(id).describe();
    const pending = raw.pendingActivities ?? [];
    if (pending.length !== 1) throw new Error(`${id} has ${pending.length} pending activities, expected the held consumer write`);
    owners.set(id, pending[0]!.lastWorkerIdentity ?? '');
  }
  return owners;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
/** The worker, attempt number and outcome of each putCredential in a rotation's history (its last attempt only). */
async function consumerWriteAttempts(rotationId: string): Promise<{ started: string; attempt: number; outcome: string }[]> {
  const history = await env.client.workflow.getHandle(rotationId).fetchHistory();
  const events: HistoryEvent[] = history.events ?? [];
  const scheduled = new Map<string, string>();
  const started = new Map<string, { identity: string; attempt: number }>();
  const attempts: { started: string; attempt: number; outcome: string }[] = [];
  for (const e of events) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) scheduled.set(id, e.activityTaskScheduledEventAttributes.activityType?.name ?? '');
    if (e.activityTaskStartedEventAttributes) {
      const a = e.activityTaskStartedEventAttributes;
      started.set(String(a.scheduledEventId), { identity: a.identity ?? '', attempt: a.attempt ?? 0 });
    }
    const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    if (closed && scheduled.get(String(closed.scheduledEventId)) === 'putCredential') {
      const start = started.get(String(closed.scheduledEventId))!;
      const outcome = e.activityTaskCompletedEventAttributes ? 'completed' : e.activityTaskFailedEventAttributes ? 'failed' : 'timed-out';
      attempts.push({ started: start.identity, attempt: start.attempt, outcome });
    }
  }
  return attempts;
}

describe('two worker processes on one task queue', () => {
  const providers = useProviders();
  let gate: GateProxy;
  let workers: WorkerProcess[] = [];
  beforeEach(async () => {
    gate = await startGateProxy(providers.sandbox.endpoint, (method, path) => method === 'PUT' && path.includes('/credentials/'));
  });
  afterEach(async () => {
    await Promise.all(workers.map(stopWorkerProcess));
    workers = [];
    await gate.stop();
  });

  /** Two workers, each allowed two SORACOM activities at once: four held writes are necessarily two on each. */
  async function startTwoWorkers(extra: NodeJS.ProcessEnv = {}): Promise<[WorkerProcess, WorkerProcess]> {
    const workerEnv = {
      ...providerEnv(providers.moto.server.endpoint, gate.endpoint),
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: 'default',
      ROTATOR_SORACOM_CONCURRENCY: '2',
      ...extra,
    };
    workers = await Promise.all([startWorkerProcess(workerEnv), startWorkerProcess(workerEnv)]);
    return workers as [WorkerProcess, WorkerProcess];
  }

  /** Seeds `count` users with a set each and starts their rotations; returns the rotation ids. */
  async function startRotations(prefix: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 1; i <= count; i++) {
      const userName = `${prefix}-${i}`;
      await providers.seedUser(userName, `${userName}-aws`);
      const handle = await startRotation(env.client, {
        source: { kind: 'aws-iam-access-key', userName, accountId: ACCOUNT },
        consumers: [{ kind: 'soracom-credentials-set', credentialsId: `${userName}-aws`, mode: 'update' }],
        recoveryWindowDays: 7,
        pickupGraceSeconds: 0,
      });
      ids.push(handle.workflowId);
    }
    return ids;
  }

  /** Every rotation parks, then delete-now completes it: one Active key left, the set holding it. */
  async function finishAll(prefix: string, ids: string[]): Promise<void> {
    for (const [i, id] of ids.entries()) {
      const parked = await waitForPhase(id, 'pending-deletion');
      expect((await deleteNow(env.client, id)).phase).toBe('completed');
      const userName = `${prefix}-${i + 1}`;
      expect(await providers.keysOf(userName)).toEqual([[parked.newCredentialId, 'Active']]);
      expect(providers.setsHolding()[`${userName}-aws`]).toBe(parked.newCredentialId);
    }
  }

  it('share the rotations; SIGKILL one mid-run and the other finishes them all', async () => {
    const [a, b] = await startTwoWorkers();
    const ids = await startRotations('kill', 4);
    await gate.waitHeld(4);
    const owners = await pendingActivityWorkers(ids);
    expect([...owners.values()].sort()).toEqual([a.identity, a.identity, b.identity, b.identity].sort());

    a.kill('SIGKILL');
    expect(await a.exited).toMatchObject({ signal: 'SIGKILL' });
    gate.open();

    // A's writes come back to the queue when their start-to-close timeout expires, and B runs them as attempt 2
    // (history keeps only an activity's last attempt)
    await finishAll('kill', ids);
    for (const id of ids) {
      const attempt = owners.get(id) === a.identity ? 2 : 1;
      expect(await consumerWriteAttempts(id)).toEqual([{ started: b.identity, attempt, outcome: 'completed' }]);
    }
  });

  it('SIGTERM: the stopping worker takes no new task, finishes what it holds within its grace time, and exits 0', async () => {
    const [a, b] = await startTwoWorkers({ ROTATOR_SHUTDOWN_GRACE_SECONDS: '20' });
    const ids = await startRotations('term', 4);
    await gate.waitHeld(4);
    const owners = await pendingActivityWorkers(ids);
    expect([...owners.values()].filter((o) => o === a.identity)).toHaveLength(2);

    a.kill('SIGTERM');
    // A is draining once it says so: its held writes are still in flight, and it takes no new task
    await eventually('worker A draining after SIGTERM', () => a.output().includes('SIGTERM, no new tasks'));
    expect(gate.held()).toBe(4);
    gate.open();
    expect(await a.exited).toEqual({ code: 0, signal: null });
    expect(a.output()).toContain('worker stopped');

    await finishAll('term', ids);
    for (const id of ids) {
      // each write ran once, on the worker that held it: A finished its own before leaving, nothing timed out
      expect(await consumerWriteAttempts(id)).toEqual([{ started: owners.get(id), attempt: 1, outcome: 'completed' }]);
    }
    // everything after A left ran on B
    expect(b.output()).not.toContain('worker stopped');
  });
});
