/**
 * Telling people, on the time-skipping server with moto and the SORACOM sandbox: a local receiver verifies every
 * webhook's signature (and rejects replays) and a Slack-shaped one reads the blocks, for a completed, a failed and a
 * restored rotation, a fleet run and a skipped scheduled run; the reminder comes three days before deleteAt; a receiver
 * down for the whole rotation leaves it completed, with the failure in its status; no message holds a secret.
 */
import { Client } from '@temporalio/client';
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SIGNATURE_HEADER } from '../../src/notify/formats';
import { restoreRotation, rotationStatus, startRotation } from '../../src/operations';
import type { RotationRequestInput, RotationStatus } from '../../src/rotation/model';
import { failedStatus, waitForPhase } from '../support/phases';
import { ACCOUNT, useProviders, withWorkers } from '../support/rotation-env';
import { createTimeSkippingEnv, testDataConverter } from '../support/temporal';

const DAY_MS = 24 * 60 * 60 * 1000;
const signingKey = randomBytes(32).toString('hex');

interface Received {
  target: 'hook' | 'slack';
  body: Record<string, unknown>;
  raw: string;
}

/** A receiver as an operator would write one: verify the signature over "<t>.<body>", refuse stale or replayed events. */
function verify(raw: string, header: string | undefined, seen: Set<string>, now: number): string | undefined {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=') as [string, string]));
  const expected = createHmac('sha256', signingKey).update(`${parts.t}.${raw}`).digest('hex');
  if (!parts.v1 || parts.v1.length !== expected.length || parts.v1 !== expected) return 'bad signature';
  if (Math.abs(now / 1000 - Number(parts.t)) > 300) return 'stale';
  const id = (JSON.parse(raw) as { id: string }).id;
  if (seen.has(id)) return 'replayed';
  seen.add(id);
  return undefined;
}

let env: TestWorkflowEnvironment;
let receiver: http.Server;
let port = 0;
const received: Received[] = [];
const refusals: string[] = [];
beforeAll(async () => {
  env = await createTimeSkippingEnv();
  const seen = new Set<string>();
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      if (req.url === '/hook') {
        const refused = verify(raw, req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined, seen, Date.now());
        if (refused) {
          refusals.push(refused);
          res.writeHead(refused === 'replayed' ? 200 : 401).end();
          return;
        }
      }
      received.push({ target: req.url === '/hook' ? 'hook' : 'slack', body: JSON.parse(raw) as Record<string, unknown>, raw });
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
  refusals.length = 0;
});

const targets = () =>
  JSON.stringify({
    ops: { type: 'webhook', url: `http://127.0.0.1:${port}/hook`, signingKey },
    chat: { type: 'slack', url: `http://127.0.0.1:${port}/slack` },
    down: { type: 'webhook', url: 'http://127.0.0.1:9/hook', signingKey },
  });
const of = (rotationId: string, target: Received['target']) => received.filter((r) => r.target === target && (r.body.rotationId === rotationId || JSON.stringify(r.body).includes(rotationId)));

describe('notifications', () => {
  const providers = useProviders({ soracomDenies: (method, p) => method === 'PUT' && /-denied$/.test(p) });
  const request = (user: string, set: string, notify: string[], days = 7): RotationRequestInput => ({
    source: { kind: 'aws-iam-access-key', userName: user, accountId: ACCOUNT },
    consumers: [{ kind: 'soracom-credentials-set', credentialsId: set, mode: 'update' }],
    recoveryWindowDays: days,
    pickupGraceSeconds: 0,
    notify,
  });
  const run = <T>(body: () => Promise<T>) => withWorkers(env, providers.clients(), body, { workerEnv: { ROTATOR_NOTIFY_TARGETS: targets() } });
  const motoSecrets = async () => {
    const dump = (await (await fetch(`${providers.moto.server.endpoint}/moto-api/data.json`)).json()) as { iam: { AccessKey: { secret_access_key: string }[] } };
    return dump.iam.AccessKey.map((k) => k.secret_access_key);
  };

  it('completed: the window, a reminder 3 days before deleteAt, the deletion; signed, to a webhook and to Slack, no secret', async () => {
    await providers.seedUser('notify-ok', 'notify-ok-set');
    const result = await run(async () => (await startRotation(env.client, request('notify-ok', 'notify-ok-set', ['ops', 'chat']))).result());
    expect(result.phase).toBe('completed');
    const id = result.rotationId;
    const hook = of(id, 'hook');
    expect(hook.map((r) => r.body.type)).toEqual(['rotation.pending-deletion', 'rotation.deletion-reminder', 'rotation.completed']);
    expect(refusals).toEqual([]); // every signature verified
    const parked = hook[0]!.body;
    expect(parked).toMatchObject({ rotationId: id, phase: 'pending-deletion', deleteAt: result.deleteAt, commands: [`rotator delete-now ${id} --yes`, `rotator restore ${id}`] });
    // the reminder came three days before deleteAt, in the rotation's own (skipped) time
    expect(Date.parse(result.deleteAt!) - Date.parse(hook[1]!.body.time as string)).toBeGreaterThan(3 * DAY_MS - 1000);
    expect(Date.parse(result.deleteAt!) - Date.parse(hook[1]!.body.time as string)).toBeLessThanOrEqual(3 * DAY_MS);
    const slack = of(id, 'slack');
    expect(slack).toHaveLength(3);
    expect(slack[0]!.body.blocks).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'context', elements: [{ type: 'mrkdwn', text: `\`rotator delete-now ${id} --yes\`` }, { type: 'mrkdwn', text: `\`rotator restore ${id}\`` }] })]));
    expect(result.notifications?.every((n) => n.state === 'delivered')).toBe(true);
    for (const secret of [...(await motoSecrets()), signingKey]) for (const r of received) expect(r.raw).not.toContain(secret);
    expect(JSON.stringify(result)).not.toContain(signingKey);
  });

  it('failed: what failed and what compensation did', async () => {
    await providers.seedUser('notify-bad', 'notify-bad-denied');
    const status = await run(async () => failedStatus(env.client, await startRotation(env.client, request('notify-bad', 'notify-bad-denied', ['ops']))));
    const [failed] = of(status.rotationId, 'hook');
    expect(failed!.body).toMatchObject({ type: 'rotation.failed', phase: 'failed', problemType: 'SoracomPermissionDenied', commands: [`rotator status ${status.rotationId}`] });
    expect(failed!.body.problem).toMatch(/compensation: .*deleted new credential/);
  });

  it('restored, and a receiver down for the whole rotation: the rotation ends as it would, the failure in its status', async () => {
    await providers.seedUser('notify-restore', 'notify-restore-set');
    const status = await run(async () => {
      const handle = await startRotation(env.client, request('notify-restore', 'notify-restore-set', ['ops', 'down'], 30));
      await waitForPhase(env.client, handle.workflowId, 'pending-deletion');
      await restoreRotation(env.client, handle.workflowId);
      await handle.result();
      return await rotationStatus(env.client, handle.workflowId);
    });
    expect(status.phase).toBe('restored');
    expect(of(status.rotationId, 'hook').map((r) => r.body.type)).toEqual(['rotation.pending-deletion', 'rotation.restored']);
    const down = (status.notifications ?? []).filter((n) => n.target === 'down');
    expect(down.map((n) => [n.type, n.state])).toEqual([
      ['rotation.pending-deletion', 'undelivered'],
      ['rotation.restored', 'undelivered'],
    ]);
    expect(down[0]!.problem).toMatch(/target 'down' did not answer/);
    // the target's URL and key are the worker's secrets: the status names the target only
    expect(JSON.stringify(status)).not.toContain('127.0.0.1:9/hook');
    expect(JSON.stringify(status)).not.toContain(signingKey);
  });

  it('a scheduled run that finds the credential rotating tells it skipped (a fleet run\'s summary: test/integration/fleets-and-schedules.test.ts)', async () => {
    await providers.seedUser('notify-sched', 'notify-sched-set');
    const outcome: RotationStatus | undefined = await run(async () => {
      const parked = await startRotation(env.client, request('notify-sched', 'notify-sched-set', []));
      await waitForPhase(env.client, parked.workflowId, 'pending-deletion');
      // what a schedule starts: the same request, the credential already rotating
      const launch = await env.client.workflow.start('launchRotation', { taskQueue: 'rotations', workflowId: 'schedule:notify-sched-1', args: [{ request: request('notify-sched', 'notify-sched-set', ['ops']) }] });
      // the time-skipping client's result() lets the server skip past the parked rotation's deleteAt: a plain client's does not
      const skipped = await new Client({ connection: env.connection, dataConverter: testDataConverter }).workflow.getHandle(launch.workflowId).result();
      expect(skipped).toMatchObject({ outcome: 'skipped' });
      const status = await rotationStatus(env.client, parked.workflowId);
      await restoreRotation(env.client, parked.workflowId); // nothing left open on a worker about to stop
      return status;
    });
    expect(outcome?.phase).toBe('pending-deletion');
    expect(received.map((r) => r.body.type)).toEqual(['schedule.run-skipped']);
    expect(received[0]!.body).toMatchObject({ rotationId: `aws-iam:${ACCOUNT}:notify-sched`, reason: 'a rotation of it is in progress', schedule: 'schedule:notify-sched-1' });
  });
});
