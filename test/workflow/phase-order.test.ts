/**
 * The order of a rotation, watched while it happens on the time-skipping server with moto and the SORACOM sandbox:
 * register every consumer → pickup grace → deactivate → window → delete. A gate in front of a provider holds one call
 * while the test reads the providers through their APIs, as a consumer or an operator would, so a step taken too early
 * is seen at the moment it would cut someone off, not only in the final state.
 */
import { CreateAccessKeyCommand } from '@aws-sdk/client-iam';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { rotationStatus, startRotation } from '../../src/operations';
import type { ConsumerSpec, RotationRequestInput } from '../../src/rotation/model';
import { startGateProxy, type GateProxy } from '../support/gate-proxy';
import { failedStatus } from '../support/phases';
import { ACCOUNT, useProviders, withWorkers } from '../support/rotation-env';
import { createTimeSkippingEnv, testDataConverter } from '../support/temporal';

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
const user = (name: string) => `order-${name}-${serial}`;
const update = (credentialsId: string): ConsumerSpec => ({ kind: 'soracom-credentials-set', credentialsId, mode: 'update' });
const request = (userName: string, consumers: ConsumerSpec[], recoveryWindowDays: number, pickupGraceSeconds: number): RotationRequestInput => ({
  source: { kind: 'aws-iam-access-key', userName, accountId: ACCOUNT },
  consumers,
  recoveryWindowDays,
  pickupGraceSeconds,
});

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * The rotation's commands in the order the server recorded them: each activity scheduled (with the consumer it
 * writes, for putCredential), each timer started with its length in minutes, each timer fired.
 */
async function story(handle: WorkflowHandle): Promise<string[]> {
  const events: HistoryEvent[] = (await handle.fetchHistory()).events ?? [];
  const lines: string[] = [];
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const name = scheduled.activityType?.name ?? '?';
      lines.push(name === 'putCredential' ? `${name} ${await consumerOf(scheduled)}` : name);
    }
    const timer = e.timerStartedEventAttributes;
    // in whole minutes: the window's timer runs to deleteAt, fixed a few milliseconds before it starts
    if (timer) lines.push(`timer ${Math.round(Number(timer.startToFireTimeout?.seconds ?? 0) / 60)} min`);
    if (e.timerFiredEventAttributes) lines.push('timer fired');
  }
  return lines;
}

/** The consumer a putCredential writes, read from its input as the codec server would decode it. */
async function consumerOf(scheduled: temporal.api.history.v1.IActivityTaskScheduledEventAttributes): Promise<string> {
  const [payload] = await testDataConverter.payloadCodecs![0]!.decode(scheduled.input?.payloads ?? []);
  const input = defaultPayloadConverter.fromPayload<{ consumer: { credentialsId?: string } }>(payload!);
  return input.consumer.credentialsId ?? '?';
}

describe('the phase order, watched at the providers', () => {
  const providers = useProviders();
  let gate: GateProxy | undefined;
  afterEach(async () => {
    await gate?.stop();
    gate = undefined;
  });

  /** What a SORACOM set holds, read through SORACOM's API (the access key id is public; the secret is never returned). */
  const holding = async (credentialsId: string) => (await providers.soracom().getCredentials(credentialsId))?.credentials.accessKeyId;

  it('two consumers: the old key stays Active while the second write is held and through the grace, and is deactivated only after', async () => {
    const userName = user('fan');
    const { oldKeyId } = await providers.seedUser(userName, `${userName}-a`);
    await providers.addSet(`${userName}-b`, oldKeyId);
    // the second consumer's write waits at the gate until the test opens it
    gate = await startGateProxy(providers.sandbox.endpoint, (method, p) => method === 'PUT' && p.endsWith(`/credentials/${userName}-b`));
    const keys = () => providers.keysOf(userName);

    const result = await withWorkers(env, providers.clients({ soracomEndpoint: gate.endpoint }), async () => {
      // a grace of an hour: the test server skips it only once the test waits for the result, so it is watched in full
      const handle = await startRotation(env.client, request(userName, [update(`${userName}-a`), update(`${userName}-b`)], 7, 3600));
      await gate!.waitHeld(1);

      // held: the first consumer holds the new key, the second still the old one, and both keys are Active
      const held = await rotationStatus(env.client, handle.workflowId);
      const newKeyId = held.newCredentialId!;
      expect(held.phase).toBe('registering');
      expect(held.consumers.map((c) => c.state)).toEqual(['registered', 'pending']);
      expect(await holding(`${userName}-a`)).toBe(newKeyId);
      expect(await holding(`${userName}-b`)).toBe(oldKeyId);
      expect(await keys()).toEqual([[oldKeyId, 'Active'], [newKeyId, 'Active']].sort());
      // and nothing else is under way: the held write is the one activity in flight, and nothing retires the old key
      const { raw } = await handle.describe();
      expect((raw.pendingActivities ?? []).map((a) => a.activityType?.name)).toEqual(['putCredential']);
      expect(await story(handle)).not.toContain('retireCredential');

      gate!.open();
      // both consumers hold the new key: the grace starts, and the old key stays Active through it
      for (;;) {
        const status = await rotationStatus(env.client, handle.workflowId);
        if (status.consumers.every((c) => c.state === 'registered')) break;
        expect(status.phase).toBe('registering');
        await new Promise((r) => setTimeout(r, 100));
      }
      await waitForStory(handle, (lines) => lines.includes('timer 60 min'));
      expect(await holding(`${userName}-b`)).toBe(newKeyId);
      expect(await keys()).toEqual([[oldKeyId, 'Active'], [newKeyId, 'Active']].sort());
      expect(await story(handle)).not.toContain('retireCredential');

      // waiting for the result lets the server skip the grace and the 7-day window
      return { status: await handle.result(), lines: await story(handle) };
    });

    const { status, lines } = result;
    expect(status.phase).toBe('completed');
    expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'registering', 'deactivating', 'pending-deletion', 'deleting', 'completed']);
    // register every consumer → grace → deactivate → window → check the world → delete
    expect(lines).toEqual([
      'inspectSource',
      'planConsumer',
      'planConsumer',
      'createCredential',
      'verifyCredential',
      `putCredential ${userName}-a`,
      `putCredential ${userName}-b`,
      'timer 60 min',
      'timer fired',
      'retireCredential',
      `timer ${7 * 24 * 60} min`,
      'timer fired',
      'credentialStates',
      'readConsumer',
      'readConsumer',
      'destroyCredential',
    ]);
    const at = (phase: string) => Date.parse(status.timeline.find((t) => t.phase === phase)!.at);
    expect(at('deactivating') - at('registering')).toBeGreaterThanOrEqual(3600_000);
    expect(Date.parse(status.deleteAt!) - Date.parse(status.deactivatedAt!)).toBe(7 * DAY_MS);
    expect(at('deleting')).toBeGreaterThanOrEqual(Date.parse(status.deleteAt!));
    expect(await keys()).toEqual([[status.newCredentialId, 'Active']]);
    expect([await holding(`${userName}-a`), await holding(`${userName}-b`)]).toEqual([status.newCredentialId, status.newCredentialId]);
  });

  it('a key someone else made appears before creating (IamUnexpectedKey): it is left untouched and the rotation stops, naming it', async () => {
    const userName = user('foreign');
    const { oldKeyId } = await providers.seedUser(userName, `${userName}-set`);
    // the workflow's clock runs ahead of moto's: a key moto makes now was created before this rotation began, as a
    // key made just before preflight, that IAM's eventually consistent listing did not show yet, would be
    await env.sleep('1 hour');
    // hold createCredential's listing of the user's keys (preflight's passes), and record every IAM action
    const actions: string[] = [];
    let held = false;
    gate = await startGateProxy(
      providers.moto.server.endpoint,
      (_method, _path, { headers, body }) => {
        const listing = new URLSearchParams(body.toString('utf8')).get('Action') === 'ListAccessKeys' && /createCredential/.test(String(headers['user-agent']));
        if (!listing || held) return false;
        held = true;
        return true;
      },
      { keepHost: true, onRequest: (_method, _path, body) => actions.push(new URLSearchParams(body.toString('utf8')).get('Action') ?? '?') },
    );

    const { status, foreignKeyId } = await withWorkers(env, providers.clients({ iamEndpoint: gate.endpoint }), async () => {
      const handle = await startRotation(env.client, request(userName, [update(`${userName}-set`)], 7, 0));
      await gate!.waitHeld(1);
      // someone else adds a key to the user while the rotation is between preflight and its first mint
      const { AccessKey } = await providers.moto.iam().send(new CreateAccessKeyCommand({ UserName: userName }));
      gate!.open();
      return { status: await failedStatus(env.client, handle), foreignKeyId: AccessKey!.AccessKeyId! };
    });

    expect(status.problemType).toBe('IamUnexpectedKey');
    expect(status.problem).toContain(`IAM user '${userName}' has access key ${foreignKeyId} (created `);
    expect(status.problem).toContain('that was not there when this rotation began; someone else changed the user — check it, then start the rotation again');
    expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'compensating', 'failed']);
    expect(status.newCredentialId).toBeNull();
    // the other party's key is untouched, no key was made, and the consumer keeps the old key
    expect(await providers.keysOf(userName)).toEqual([[oldKeyId, 'Active'], [foreignKeyId, 'Active']].sort());
    expect(actions).not.toContain('DeleteAccessKey');
    expect(actions).not.toContain('CreateAccessKey');
    expect(actions).not.toContain('UpdateAccessKey');
    expect(await holding(`${userName}-set`)).toBe(oldKeyId);
  });
});

async function waitForStory(handle: WorkflowHandle, done: (lines: string[]) => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (done(await story(handle))) return;
    if (Date.now() > deadline) throw new Error(`the rotation's history never got there: ${(await story(handle)).join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
