/**
 * Chaos on the self-hosted cluster: rotations in flight while the Temporal **history** service process is SIGKILLed and
 * restarted, then the **matching** one, then **PostgreSQL** itself (SIGKILL of the postmaster's whole group: a crash,
 * recovered from its WAL on restart). Every rotation must reach pending-deletion and then complete with delete-now, with
 * exactly one key per user at the end (no orphan) and exactly the sets the design says (no duplicate). A rotation
 * parked in its window before all this must keep its deleteAt across a restart of every process: the four services,
 * both workers and PostgreSQL.
 *
 * The workers are two `rotator worker` processes; a worker that exits on its own while the cluster is down is started
 * again, as a supervisor would. SORACOM's pace is lowered so that every kill lands while rotations are in flight.
 */
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import type { Client } from '@temporalio/client';
import { DEMO_CODEC_KEYS } from '../../src/codec/key-ring';
import { deleteNow, rotationStatus, startRotation } from '../../src/operations';
import type { ConsumerSpec, RotationStatus } from '../../src/rotation/model';
import { DeleteAtKey, RotationPhaseKey } from '../../src/rotation/search-attributes';
import { SoracomClient } from '../../src/providers/soracom/client';
import { startMoto, type MotoServer } from '../../sandbox/moto';
import { startSoracomSandbox, type SoracomSandbox } from '../../sandbox/soracom/server';
import { TEMPORAL_SERVICES } from '../../sandbox/cluster/temporal-cluster';
import { startTestCluster, type TestCluster } from '../support/cluster';
import { testAwsCredentials } from '../support/moto';
import { freePort, withStartupRetries } from '../support/ports';
import { trackPid, untrackPid } from '../support/processes';
import { seededRandom, testSeed } from '../support/random';
import { awaitServerBuild } from '../../sandbox/cluster/server-build';

const ACCOUNT = '123456789012';
const OPERATOR = 'OP0000CHAOS2';
const soracomAuth = { authKeyId: 'keyId-cluster-chaos', authKey: 'secret-cluster-chaos' };

const ROTATIONS = 30;
const VERSIONED_FROM = 25; // users 25–30 use versioned sets: the path that creates sets, where a duplicate could appear
const RUN_LIMIT_MS = 8 * 60_000;

const user = (n: number) => `cluster-chaos-${String(n).padStart(2, '0')}`;
const versioned = (n: number) => n >= VERSIONED_FROM;
const seededSet = (n: number) => (versioned(n) ? `${user(n)}-aws-20250101` : `${user(n)}-aws`);
const rotationId = (n: number) => `aws-iam:${ACCOUNT}:${user(n)}`;
const numbers = Array.from({ length: ROTATIONS }, (_, i) => i + 1);
const PARKED_USER = 'cluster-parked';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const random = seededRandom(testSeed('cluster chaos'));
const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));
const say = (line: string) => process.stdout.write(`[cluster chaos] ${line}\n`);

describe('chaos on the self-hosted cluster: history, matching and PostgreSQL crash mid-run', () => {
  // npm test builds the server in the background while the rest of the suite runs (these tests run last)
  beforeAll(() => awaitServerBuild(), 46 * 60_000);
  let moto: MotoServer;
  let sandbox: SoracomSandbox;
  let t: TestCluster;
  let client: Client;
  let iam: IAMClient;
  let passed = false;

  beforeAll(async () => {
    moto = await withStartupRetries('moto_server', async () => startMoto({ port: await freePort() }));
    trackPid(moto.pid, 'moto_server (cluster chaos)');
    sandbox = await withStartupRetries('SORACOM sandbox', async () =>
      startSoracomSandbox({ port: await freePort(), operators: [{ operatorId: OPERATOR, users: [{ userName: 'rotator', authKeys: [soracomAuth] }] }] }),
    );
    iam = new IAMClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: testAwsCredentials, maxAttempts: 1 });
    t = await startTestCluster('chaos');
    client = await t.client();
    await t.startWorkers({
      AWS_ENDPOINT_URL_IAM: moto.endpoint,
      AWS_ENDPOINT_URL_STS: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: testAwsCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: testAwsCredentials.secretAccessKey,
      SORACOM_ENDPOINT: sandbox.endpoint,
      SORACOM_AUTH_KEY_ID: soracomAuth.authKeyId,
      SORACOM_AUTH_KEY: soracomAuth.authKey,
      ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS,
      // SORACOM at 1 activity/s across both workers (2 SORACOM activities per rotation): the run lasts at least 60 s,
      // so every crash lands while rotations are in flight
      ROTATOR_SORACOM_RPS: '1',
    });
  }, 10 * 60_000);

  afterAll(async () => {
    await t?.stop(passed);
    await sandbox?.stop();
    if (moto) {
      await moto.stop();
      untrackPid(moto.pid);
    }
    iam?.destroy();
  });

  /** A worker that exited on its own (it gives up when the cluster is gone long enough) is started again. */
  let restartsAfterOwnExit = 0;
  async function superviseWorkers(): Promise<void> {
    for (const worker of t.workers) {
      if (!worker.running) {
        restartsAfterOwnExit++;
        await worker.start();
      }
    }
  }

  /** Phases by rotation id from PostgreSQL visibility; null while the cluster does not answer. */
  async function phases(): Promise<Map<string, string> | null> {
    try {
      const seen = new Map<string, string>();
      for await (const wf of client.workflow.list({ query: `WorkflowType = 'rotateCredential'` })) seen.set(wf.workflowId, wf.typedSearchAttributes.get(RotationPhaseKey) ?? 'starting');
      return seen;
    } catch {
      return null;
    }
  }
  const parkedAmong = (p: Map<string, string> | null) => (p ? numbers.filter((n) => p.get(rotationId(n)) === 'pending-deletion').length : NaN);

  async function seedUser(userName: string, set: string): Promise<string> {
    await iam.send(new CreateUserCommand({ UserName: userName }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    await new SoracomClient({ endpoint: sandbox.endpoint, ...soracomAuth }).createCredentials(set, {
      type: 'aws-credentials',
      credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! },
    });
    return AccessKey!.AccessKeyId!;
  }
  const request = (userName: string, set: string, mode: 'update' | 'versioned') => ({
    source: { kind: 'aws-iam-access-key' as const, userName, accountId: ACCOUNT },
    consumers: [{ kind: 'soracom-credentials-set', credentialsId: set, mode } satisfies ConsumerSpec],
    recoveryWindowDays: 30,
    pickupGraceSeconds: 0,
  });
  async function waitForPhase(id: string, phase: string, limitMs: number): Promise<RotationStatus> {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const status = await rotationStatus(client, id).catch(() => undefined);
      if (status?.phase === phase) return status;
      if (status && ['failed', 'compensating', 'needs-attention'].includes(status.phase)) throw new Error(`${id} is ${status.phase}: ${status.problem ?? ''}; see ${t.dir}/logs`);
      if (Date.now() > deadline) throw new Error(`${id} not in ${phase} within ${limitMs / 1000} s (now ${status?.phase ?? 'unreadable'}); see ${t.dir}/logs`);
      await superviseWorkers();
      await sleep(500);
    }
  }

  let parkedBefore: RotationStatus;

  it(`${ROTATIONS} rotations through crashes of history, matching and PostgreSQL: all park, all complete, no orphan key, no duplicate set`, async () => {
    const began = Date.now();
    const elapsed = () => `${((Date.now() - began) / 1000).toFixed(1)} s`;

    // a rotation parked in its window before the chaos (checked in the next test)
    const parkedOld = await seedUser(PARKED_USER, `${PARKED_USER}-aws`);
    await startRotation(client, request(PARKED_USER, `${PARKED_USER}-aws`, 'update'));
    parkedBefore = await waitForPhase(`aws-iam:${ACCOUNT}:${PARKED_USER}`, 'pending-deletion', 120_000);
    expect(parkedBefore.oldCredentialId).toBe(parkedOld);

    // ── seed and start the fleet ───────────────────────────────────────────────────────────────────────────────
    const oldKeys = new Map<number, string>();
    for (const n of numbers) oldKeys.set(n, await seedUser(user(n), seededSet(n)));
    await Promise.all(numbers.map((n) => startRotation(client, request(user(n), seededSet(n), versioned(n) ? 'versioned' : 'update'))));
    say(`${ROTATIONS} rotations started at ${elapsed()}`);

    // ── the crashes, each while rotations are in flight ─────────────────────────────────────────────────────────
    const crashes: { what: string; at: string; parkedBefore: number; downMs: number }[] = [];
    const crash = async (what: string, kill: () => Promise<void>, start: () => Promise<void>) => {
      await sleep(between(3_000, 6_000));
      await superviseWorkers();
      const before = parkedAmong(await phases());
      if (before === ROTATIONS) throw new Error(`all rotations were parked before the ${what} crash; the chaos must land mid-run`);
      const at = elapsed();
      const down = Date.now();
      await kill();
      say(`SIGKILL ${what} at ${at}, ${before} of ${ROTATIONS} parked`);
      await sleep(between(1_000, 3_000));
      await start();
      await t.cluster.waitUntilServing(180_000);
      crashes.push({ what, at, parkedBefore: before, downMs: Date.now() - down });
      say(`${what} back and serving at ${elapsed()}`);
    };
    await crash('history', () => t.cluster.services.history.kill(), () => t.cluster.services.history.start());
    await crash('matching', () => t.cluster.services.matching.kill(), () => t.cluster.services.matching.start());
    await crash('PostgreSQL', () => t.cluster.postgres.server.kill(), () => t.cluster.postgres.server.start());

    // ── every rotation parks ────────────────────────────────────────────────────────────────────────────────────
    for (;;) {
      const p = await phases();
      const off = p ? numbers.filter((n) => ['failed', 'compensating', 'needs-attention'].includes(p.get(rotationId(n)) ?? '')) : [];
      if (off.length > 0) throw new Error(`rotations left the happy path: ${off.map((n) => `${rotationId(n)} ${p!.get(rotationId(n))}`).join(', ')}; see ${t.dir}/logs`);
      if (parkedAmong(p) === ROTATIONS) break;
      if (Date.now() - began > RUN_LIMIT_MS) throw new Error(`after ${RUN_LIMIT_MS / 60_000} min only ${parkedAmong(p)} of ${ROTATIONS} are parked; see ${t.dir}/logs`);
      await superviseWorkers();
      await sleep(1_000);
    }
    const parkedAt = elapsed();
    const statuses = new Map<number, RotationStatus>();
    for (const n of numbers) statuses.set(n, await rotationStatus(client, rotationId(n)));
    for (const n of numbers) {
      const keys = ((await iam.send(new ListAccessKeysCommand({ UserName: user(n) }))).AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId!, k.Status!]).sort();
      expect({ user: user(n), keys }).toEqual({ user: user(n), keys: [[oldKeys.get(n)!, 'Inactive'], [statuses.get(n)!.newCredentialId!, 'Active']].sort() });
    }

    // ── every rotation completes: delete-now on each, the old key deleted at once ─────────────────────────────────
    const queue = [...numbers];
    const ended: { n: number; phase: string }[] = [];
    await Promise.all(Array.from({ length: 6 }, async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) ended.push({ n, phase: (await deleteNow(client, rotationId(n))).phase });
    }));
    expect(ended.sort((a, b) => a.n - b.n)).toEqual(numbers.map((n) => ({ n, phase: 'completed' })));
    const users = ((await iam.send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName!).sort();
    expect(users).toEqual([...numbers.map(user), PARKED_USER].sort());
    for (const n of numbers) {
      const keys = ((await iam.send(new ListAccessKeysCommand({ UserName: user(n) }))).AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId!, k.Status!]);
      expect({ user: user(n), keys }).toEqual({ user: user(n), keys: [[statuses.get(n)!.newCredentialId!, 'Active']] }); // no orphan key
    }
    // update sets hold the new key; a versioned user has exactly one new set (its old set went with the old key)
    const sets = new Map(sandbox.credentialsOf(OPERATOR).map((c) => [c.credentialsId, String((c.credentials as { accessKeyId?: string }).accessKeyId)]));
    const expected = new Map<string, string>([[`${PARKED_USER}-aws`, parkedBefore.newCredentialId!]]);
    for (const n of numbers) {
      const status = statuses.get(n)!;
      if (versioned(n)) expect(status.consumers[0]!.credentialsId).toMatch(new RegExp(`^${user(n)}-aws-\\d{8}$`));
      expected.set(versioned(n) ? status.consumers[0]!.credentialsId : seededSet(n), status.newCredentialId!);
    }
    expect(Object.fromEntries([...sets].sort())).toEqual(Object.fromEntries([...expected].sort())); // nothing more: no duplicate set

    // the crashes landed: activities that ran again, workflow tasks lost with the history or matching process
    const retried: Record<string, number> = {};
    let workflowTaskTimeouts = 0;
    for (const n of numbers) {
      const events = (await client.workflow.getHandle(rotationId(n)).fetchHistory()).events ?? [];
      const typeOf = new Map(events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes!.activityType!.name!]));
      for (const e of events) {
        const attempt = e.activityTaskStartedEventAttributes?.attempt ?? 1;
        if (attempt > 1) {
          const type = typeOf.get(String(e.activityTaskStartedEventAttributes!.scheduledEventId)) ?? '?';
          retried[type] = (retried[type] ?? 0) + attempt - 1;
        }
        if (e.workflowTaskTimedOutEventAttributes || e.workflowTaskFailedEventAttributes) workflowTaskTimeouts++;
      }
    }
    expect(crashes.map((c) => c.what)).toEqual(['history', 'matching', 'PostgreSQL']);
    say(
      `summary: ${ROTATIONS} rotations (${ROTATIONS - VERSIONED_FROM + 1} versioned) all parked at ${parkedAt}, all completed by ${elapsed()}; ` +
        `crashes: ${crashes.map((c) => `${c.what} at ${c.at} with ${c.parkedBefore} parked, serving again after ${(c.downMs / 1000).toFixed(1)} s`).join('; ')}; ` +
        `worker restarts after exiting on their own: ${restartsAfterOwnExit}; activity attempts re-run: ${JSON.stringify(retried)}; workflow tasks timed out or failed: ${workflowTaskTimeouts}`,
    );
  }, RUN_LIMIT_MS + 4 * 60_000);

  it('a rotation parked in its window keeps its deleteAt, its timer and its search attributes across a restart of every process', async () => {
    const id = `aws-iam:${ACCOUNT}:${PARKED_USER}`;
    // everything down: both workers, the four services, PostgreSQL (a crash: SIGKILL to every process)
    for (const worker of t.workers) await worker.kill();
    for (const service of TEMPORAL_SERVICES) await t.cluster.services[service].kill();
    await t.cluster.postgres.server.kill();
    await sleep(1_000);
    // and back up, in the compose order
    await t.cluster.postgres.server.start();
    await t.cluster.services.history.start();
    await Promise.all((['matching', 'frontend', 'worker'] as const).map((s) => t.cluster.services[s].start()));
    await t.cluster.waitUntilServing(180_000);
    for (const worker of t.workers) await worker.start();

    const after = await waitForPhase(id, 'pending-deletion', 120_000);
    expect({ deleteAt: after.deleteAt, old: after.oldCredentialId, new: after.newCredentialId }).toEqual({ deleteAt: parkedBefore.deleteAt, old: parkedBefore.oldCredentialId, new: parkedBefore.newCredentialId });
    // the durable timer is still pending, due at deleteAt: started, never fired
    const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
    const timers = events.filter((e) => e.timerStartedEventAttributes);
    const fired = events.filter((e) => e.timerFiredEventAttributes);
    expect(fired).toHaveLength(0);
    const windowTimer = timers.at(-1)!;
    const firesAt = Number(windowTimer.eventTime!.seconds) * 1000 + Math.floor((windowTimer.eventTime!.nanos ?? 0) / 1e6) + Number(windowTimer.timerStartedEventAttributes!.startToFireTimeout!.seconds) * 1000;
    expect(Math.abs(firesAt - Date.parse(parkedBefore.deleteAt!))).toBeLessThan(2_000);
    // visibility (PostgreSQL) still shows it parked, with the same DeleteAt
    const description = await client.workflow.getHandle(id).describe();
    expect({ phase: description.typedSearchAttributes.get(RotationPhaseKey), deleteAt: description.typedSearchAttributes.get(DeleteAtKey)?.toISOString() }).toEqual({ phase: 'pending-deletion', deleteAt: parkedBefore.deleteAt });
    // its keys as the window left them
    const keys = ((await iam.send(new ListAccessKeysCommand({ UserName: PARKED_USER }))).AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId!, k.Status!]).sort();
    expect(keys).toEqual([[parkedBefore.oldCredentialId!, 'Inactive'], [parkedBefore.newCredentialId!, 'Active']].sort());
    passed = true;
  }, 8 * 60_000);
});
