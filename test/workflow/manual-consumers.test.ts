/**
 * A person or team as a consumer (`manual:NAME@csms:<secret>`), on the time-skipping server with moto and the CSMS
 * sandbox: the new key is put in the secret, the person is told (their notification target, a signed webhook here) and
 * reminded daily, and the old key is deactivated only once they confirm — after 3 days here — or, unconfirmed past the
 * deadline, the rotation holds in awaiting-use (never a silent deactivation) until an operator aborts or proceeds.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { abortRotation, confirmHandOver, deleteNow, OperatorError, rotationStatus, startRotation } from '../../src/operations';
import type { RotationRequestInput } from '../../src/rotation/model';
import { failedStatus, waitForPhase } from '../support/phases';
import { ACCOUNT, useProviders, withWorkers } from '../support/rotation-env';
import { createTimeSkippingEnv } from '../support/temporal';

const DAY_MS = 24 * 60 * 60 * 1000;
const signingKey = randomBytes(32).toString('hex');

interface Received {
  path: string;
  body: { type: string; rotationId: string; time: string; commands: string[]; [field: string]: unknown };
  raw: string;
}

let env: TestWorkflowEnvironment;
let receiver: http.Server;
let port = 0;
const received: Received[] = [];
beforeAll(async () => {
  env = await createTimeSkippingEnv();
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ path: req.url ?? '', body: JSON.parse(raw) as Received['body'], raw });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  port = (receiver.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((r) => receiver.close(() => r()));
  await env?.teardown();
});
beforeEach(() => {
  received.length = 0;
});

describe('a person or team as a consumer', () => {
  const providers = useProviders();
  const targets = () =>
    JSON.stringify({
      ops: { type: 'webhook', url: `http://127.0.0.1:${port}/ops`, signingKey },
      payments: { type: 'webhook', url: `http://127.0.0.1:${port}/payments`, signingKey },
    });
  const run = <T>(body: () => Promise<T>) => withWorkers(env, providers.clients(), body, { workerEnv: { ROTATOR_NOTIFY_TARGETS: targets() } });
  const request = (userName: string, person: string, extra: Partial<RotationRequestInput> = {}): RotationRequestInput => ({
    source: { kind: 'aws-iam-access-key', userName, accountId: ACCOUNT },
    consumers: [{ kind: 'csms-secret', secretName: `${userName}-handover`, person }],
    recoveryWindowDays: 7,
    pickupGraceSeconds: 0,
    notify: ['ops'],
    ...extra,
  });
  const to = (path: string, rotationId: string) => received.filter((r) => r.path === path && r.body.rotationId === rotationId);
  const motoSecrets = async () => {
    const dump = (await (await fetch(`${providers.moto.server.endpoint}/moto-api/data.json`)).json()) as { iam: { AccessKey: { secret_access_key: string }[] } };
    return dump.iam.AccessKey.map((k) => k.secret_access_key);
  };

  it('confirmed after 3 days: told once, reminded daily, and only then is the old key deactivated', async () => {
    const userName = 'manual-confirmed';
    const { oldKeyId } = await providers.seedCsmsUser(userName, `${userName}-handover`);
    const { handedOver, afterThreeDays, confirmed, parked } = await run(async () => {
      const handle = await startRotation(env.client, request(userName, 'payments'));
      const id = handle.workflowId;
      const handedOver = await waitForPhase(env.client, id, 'awaiting-confirmation');
      await env.sleep(3 * DAY_MS + 60 * 60 * 1000);
      const afterThreeDays = await rotationStatus(env.client, id);
      const confirmed = await confirmHandOver(env.client, id, 'manual:payments', 'alice');
      const parked = await waitForPhase(env.client, id, 'pending-deletion');
      await deleteNow(env.client, id, oldKeyId);
      await handle.result();
      return { handedOver, afterThreeDays, confirmed, parked };
    });
    const id = parked.rotationId;

    // handed over: the secret holds the new key, the person's consumer waits, nothing was deactivated
    expect(handedOver.consumers).toEqual([
      expect.objectContaining({ consumer: 'manual:payments', mode: 'hand-over', handover: `csms:${userName}-handover`, credentialsId: `${userName}-handover`, state: 'handed-over', holds: handedOver.newCredentialId }),
    ]);
    expect(afterThreeDays.phase).toBe('awaiting-confirmation');
    expect(afterThreeDays.deactivatedAt).toBeNull();
    expect(confirmed.consumers[0]).toMatchObject({ state: 'confirmed', confirmedBy: 'alice' });
    // deactivated only after the confirmation, three days on
    expect(parked.deactivatedAt).not.toBeNull();
    expect(Date.parse(parked.deactivatedAt!) - Date.parse(parked.consumers[0]!.handedOverAt!)).toBeGreaterThan(3 * DAY_MS);
    expect(Date.parse(parked.deactivatedAt!)).toBeGreaterThanOrEqual(Date.parse(parked.consumers[0]!.confirmedAt!));

    // the person: told where the key waits and how to confirm, then reminded once a day (days 1, 2 and 3)
    const told = to('/payments', id);
    expect(told.map((r) => r.body.type)).toEqual(['rotation.handover', 'rotation.confirmation-reminder', 'rotation.confirmation-reminder', 'rotation.confirmation-reminder']);
    expect(told[0]!.body).toMatchObject({
      place: `csms:${userName}-handover`,
      consumer: 'manual:payments',
      howToRead: expect.stringMatching(/CSMS/),
      confirmBy: new Date(Date.parse(parked.consumers[0]!.handedOverAt!) + 7 * DAY_MS).toISOString(),
      commands: [`rotator confirm ${id} --consumer manual:payments`],
    });
    const reminders = told.slice(1).map((r) => Date.parse(r.body.time) - Date.parse(told[0]!.body.time));
    expect(reminders.map((ms) => Math.round(ms / DAY_MS))).toEqual([1, 2, 3]);
    // the operators: the window and the end, not the person's messages
    expect(to('/ops', id).map((r) => r.body.type)).toEqual(['rotation.pending-deletion', 'rotation.completed']);
    for (const secret of await motoSecrets()) for (const r of received) expect(r.raw).not.toContain(secret);
  });

  it('never confirmed: reminders, then awaiting-use instead of a deactivation; abort puts the secret back and keeps the handed-over key', async () => {
    const userName = 'manual-silent';
    const { oldKeyId } = await providers.seedCsmsUser(userName, `${userName}-handover`);
    const { held, aborted } = await run(async () => {
      const handle = await startRotation(env.client, request(userName, 'payments', { confirmWithinSeconds: 2 * 24 * 3600 }));
      const id = handle.workflowId;
      await waitForPhase(env.client, id, 'awaiting-confirmation');
      await env.sleep(2 * DAY_MS + 60 * 1000);
      const held = await waitForPhase(env.client, id, 'awaiting-use');
      const aborted = await abortRotation(env.client, id, 'bob');
      return { held, aborted };
    });
    const id = held.rotationId;

    expect(held.problemType).toBe('HandOverUnconfirmed');
    expect(held.problem).toMatch(/^manual:payments did not confirm within 2 days \(by .*\) that the new credential .* is applied\. The old credential .* is still Active: nothing was deactivated\./);
    expect(held.deactivatedAt).toBeNull();
    expect((await providers.keysOf(userName)).map(([, status]) => status)).toEqual(['Active', 'Active']);
    expect(to('/payments', id).map((r) => r.body.type)).toEqual(['rotation.handover', 'rotation.confirmation-reminder', 'rotation.awaiting-use']);
    expect(to('/ops', id).map((r) => r.body.type)).toEqual(['rotation.awaiting-use', 'rotation.failed']);
    expect(to('/ops', id)[0]!.body.commands).toEqual([`rotator proceed ${id} --yes`, `rotator abort ${id}`]);

    // aborted: the secret's previous version is current again; the new key stays Active, as the person may use it
    expect(aborted).toMatchObject({ phase: 'failed', problemType: 'RotationAborted' });
    expect(aborted.problem).toMatch(new RegExp(`kept new credential ${held.newCredentialId} Active: it was handed over to manual:payments, who may have applied it`));
    expect(providers.csmsHolding(`${userName}-handover`).current?.[1]).toBe(oldKeyId);
    expect(await providers.keysOf(userName)).toEqual([[oldKeyId, 'Active'], [held.newCredentialId, 'Active']].sort() as [string, string][]);
  });

  it('a person the workers cannot tell is refused in preflight, before any key is made', async () => {
    const userName = 'manual-nobody';
    const { oldKeyId } = await providers.seedCsmsUser(userName, `${userName}-handover`);
    const status = await run(async () => failedStatus(env.client, await startRotation(env.client, request(userName, 'nobody'))));
    expect(status.problemType).toBe('NotifyTargetUnknown');
    expect(status.problem).toMatch(/notification target 'nobody' is not defined on the workers \(ROTATOR_NOTIFY_TARGETS\).*No change was made/);
    expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'failed']);
    expect(await providers.keysOf(userName)).toEqual([[oldKeyId, 'Active']]);
  });

  it('confirm names a manual consumer of the rotation, while it waits for one', async () => {
    const userName = 'manual-wrong';
    const { oldKeyId } = await providers.seedCsmsUser(userName, `${userName}-handover`);
    const errors = await run(async () => {
      const handle = await startRotation(env.client, request(userName, 'payments'));
      const id = handle.workflowId;
      await waitForPhase(env.client, id, 'awaiting-confirmation');
      const wrong = await confirmHandOver(env.client, id, 'manual:someone-else').catch((e: unknown) => e);
      await confirmHandOver(env.client, id, 'manual:payments');
      await waitForPhase(env.client, id, 'pending-deletion');
      const late = await confirmHandOver(env.client, id, 'manual:payments').catch((e: unknown) => e);
      await deleteNow(env.client, id, oldKeyId);
      await handle.result();
      return { wrong, late };
    });
    expect(errors.wrong).toBeInstanceOf(OperatorError);
    expect((errors.wrong as Error).message).toMatch(/'manual:someone-else' is not a manual consumer of this rotation; its manual consumers: manual:payments/);
    expect((errors.late as Error).message).toMatch(/confirm is only possible while the rotation waits for confirmations .* it is in pending-deletion/);
  });
});
