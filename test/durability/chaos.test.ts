/**
 * Chaos: 50 concurrent rotations while the worker process is SIGKILLed at random moments (at least 10 times) and
 * restarted, and the Temporal dev server is SIGKILLed once mid-run and restarted on the same SQLite file. moto and the
 * SORACOM sandbox stay up throughout. Afterwards every rotation must be parked in pending-deletion, each user must
 * hold exactly its new Active key and its old Inactive key, each SORACOM set must hold what the design says, and
 * there must be no orphan key and no duplicate set.
 *
 * The worker is `rotator worker` as an operator runs it (its own process, configured by environment variables).
 * Every kill lands while rotations are still in flight, by construction: a gate in front of the SORACOM sandbox holds
 * the consumer writes of the first few rotations until the last kill, and the last kill waits until one is held.
 * The kill moments are random, drawn from a seed that is printed (ROTATOR_TEST_SEED replays a run). Times are
 * reported, never asserted: a summary with the numbers observed is printed at the end.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { Client, Connection } from '@temporalio/client';
import { DEMO_CODEC_KEYS } from '../../src/codec/key-ring';
import { rotationStatus, startRotation } from '../../src/operations';
import type { ConsumerSpec, RotationStatus } from '../../src/rotation/model';
import { RotationPhaseKey } from '../../src/rotation/search-attributes';
import { startMoto, type MotoServer } from '../../sandbox/moto';
import { SoracomClient } from '../../src/providers/soracom/client';
import { startSoracomSandbox, type SoracomSandbox } from '../../sandbox/soracom/server';
import { devServerProcess, type DevServerProcess } from '../support/dev-server-process';
import { startGateProxy, type GateProxy } from '../support/gate-proxy';
import { eventually } from '../support/poll';
import { seededRandom, testSeed } from '../support/random';
import { testAwsCredentials } from '../support/moto';
import { freePort, withStartupRetries } from '../support/ports';
import { trackPid, untrackPid } from '../support/processes';
import { testDataConverter } from '../support/temporal';
import { workerProcess, type WorkerProcess } from '../support/restartable-worker';

const ACCOUNT = '123456789012';
const OPERATOR = 'OP0000CHAOS1';
const soracomAuth = { authKeyId: 'keyId-chaos-rotator', authKey: 'secret-chaos-rotator' };

const ROTATIONS = 50;
const VERSIONED_FROM = 41; // users 41–50 use versioned sets: the path that creates sets, where a duplicate could appear
const WORKER_KILLS = 10;
const SERVER_KILL_AT = 4; // the server dies once, after the 4th worker kill, while a worker is running
/** users 1–5 (update sets): their consumer writes wait at the gate until the last worker kill */
const HELD_UNTIL_LAST_KILL = 5;
// not a limit on the run, which is reported: only what ends a run that would otherwise hang
const HANG_GUARD_MS = 40 * 60_000;

const user = (n: number) => `chaos-${String(n).padStart(2, '0')}`;
const versioned = (n: number) => n >= VERSIONED_FROM;
const seededSet = (n: number) => (versioned(n) ? `${user(n)}-aws-20250101` : `${user(n)}-aws`);
const rotationId = (n: number) => `aws-iam:${ACCOUNT}:${user(n)}`;
const numbers = Array.from({ length: ROTATIONS }, (_, i) => i + 1);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const random = seededRandom(testSeed('chaos'));
const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));
const say = (line: string) => process.stdout.write(`[chaos] ${line}\n`);

describe('chaos: crashes and restarts at any moment', () => {
  let dir: string;
  let moto: MotoServer;
  let sandbox: SoracomSandbox;
  let gate: GateProxy;
  let server: DevServerProcess;
  let worker: WorkerProcess;
  let connection: Connection | undefined;
  let iam: IAMClient;
  let passed = false;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rotator-chaos-'));
    moto = await withStartupRetries('moto_server', async () => startMoto({ port: await freePort() }));
    trackPid(moto.pid, 'moto_server (chaos)');
    sandbox = await withStartupRetries('SORACOM sandbox', async () =>
      startSoracomSandbox({ port: await freePort(), operators: [{ operatorId: OPERATOR, users: [{ userName: 'rotator', authKeys: [soracomAuth] }] }] }),
    );
    const held = new RegExp(`/credentials/(${numbers.slice(0, HELD_UNTIL_LAST_KILL).map(seededSet).join('|')})$`);
    gate = await startGateProxy(sandbox.endpoint, (method, p) => method === 'PUT' && held.test(p));
    server = devServerProcess({ port: await freePort(), dbFilename: path.join(dir, 'temporal.db') });
    await server.start();
    iam = new IAMClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: testAwsCredentials, maxAttempts: 1 });
    worker = workerProcess({
      logFile: path.join(dir, 'worker.log'),
      env: {
        TEMPORAL_ADDRESS: server.address,
        TEMPORAL_NAMESPACE: 'default',
        AWS_ENDPOINT_URL_IAM: moto.endpoint,
        AWS_ENDPOINT_URL_STS: moto.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: testAwsCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: testAwsCredentials.secretAccessKey,
        SORACOM_ENDPOINT: gate.endpoint,
        SORACOM_AUTH_KEY_ID: soracomAuth.authKeyId,
        SORACOM_AUTH_KEY: soracomAuth.authKey,
        ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS,
        // SORACOM at 1 request/s (default 5) makes the run last at least 100 s (2 SORACOM calls per rotation), so every
        // kill lands while rotations are in flight. IAM keeps its default pace: time queued there counts against
        // verifyCredential's 45 s scheduleToCloseTimeout
        ROTATOR_SORACOM_RPS: '1',
      },
    });
  });

  afterAll(async () => {
    await worker?.stop(5_000);
    await connection?.close();
    await server?.stop();
    await gate?.stop();
    await sandbox?.stop();
    if (moto) {
      await moto.stop();
      untrackPid(moto.pid);
    }
    iam?.destroy();
    if (passed) rmSync(dir, { recursive: true, force: true });
    else if (dir) say(`kept ${dir} (worker.log, temporal.db) for diagnosis`);
  });

  it(`${ROTATIONS} rotations all reach pending-deletion, with exactly one new and one old key each, through ${WORKER_KILLS}+ worker kills and a server kill`, async () => {
    const began = Date.now();
    // ── seed: 50 IAM users with one key each, each key registered in its SORACOM set ──────────────────
    const soracom = new SoracomClient({ endpoint: sandbox.endpoint, ...soracomAuth });
    const oldKeys = new Map<number, string>();
    for (const n of numbers) {
      await iam.send(new CreateUserCommand({ UserName: user(n) }));
      const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: user(n) }));
      oldKeys.set(n, AccessKey!.AccessKeyId!);
      await soracom.createCredentials(seededSet(n), {
        type: 'aws-credentials',
        credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! },
      });
    }

    // ── start the worker and all 50 rotations ─────────────────────────────────────────────────────────
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: 'default', dataConverter: testDataConverter });
    await worker.start();
    await Promise.all(
      numbers.map((n) => {
        const consumer: ConsumerSpec = { kind: 'soracom-credentials-set', credentialsId: seededSet(n), mode: versioned(n) ? 'versioned' : 'update' };
        return startRotation(client, { source: { kind: 'aws-iam-access-key', userName: user(n), accountId: ACCOUNT }, consumers: [consumer], recoveryWindowDays: 30 });
      }),
    );

    /** Phases by rotation, from the server's visibility store (no worker needed); null while the server is down. */
    const phases = async (): Promise<Map<string, string> | null> => {
      try {
        const seen = new Map<string, string>();
        for await (const wf of client.workflow.list({ query: `WorkflowType = 'rotateCredential'` })) seen.set(wf.workflowId, wf.typedSearchAttributes.get(RotationPhaseKey) ?? 'starting');
        return seen;
      } catch {
        return null;
      }
    };
    const parkedIn = (p: Map<string, string> | null) => (p ? [...p.values()].filter((v) => v === 'pending-deletion').length : NaN);

    // ── chaos: kill the worker at random moments, the server once; restart each right away ─────────────
    const kills: { at: number; parkedBefore: number; heldWrites: number }[] = [];
    let serverKill: { at: number; parkedBefore: number; pidBefore: number | undefined; pidAfter: number | undefined } | undefined;
    let restartsAfterOwnExit = 0;
    const checkHealth = (p: Map<string, string> | null) => {
      const failed = p ? [...p.entries()].filter(([, v]) => v === 'failed' || v === 'compensating') : [];
      if (failed.length > 0) throw new Error(`rotations left the happy path: ${failed.map(([id, v]) => `${id} ${v}`).join(', ')}; see ${dir}/worker.log`);
    };
    while (kills.length < WORKER_KILLS) {
      checkHealth(await phases());
      if (!worker.running) {
        restartsAfterOwnExit++; // the worker died on its own (e.g. while the server was down): an operator's supervisor restarts it
        await worker.start();
      }
      await sleep(between(1_000, 4_000)); // the worker lives a random while past ready
      if (kills.length === SERVER_KILL_AT && serverKill === undefined) {
        const at = Date.now() - began;
        const pidBefore = server.pid;
        const parkedBefore = parkedIn(await phases());
        say(`SIGKILL dev server (pid ${pidBefore}) at ${(at / 1000).toFixed(1)} s, ${parkedBefore} parked`);
        await server.kill();
        await sleep(between(500, 3_000)); // down for a random while
        await server.start(); // same port, same SQLite file; resolves once it answers
        serverKill = { at, parkedBefore, pidBefore, pidAfter: server.pid };
        say(`dev server back (pid ${server.pid}) at ${((Date.now() - began) / 1000).toFixed(1)} s`);
      }
      // the last kill lands while a write is in flight at the gate, so that attempt is lost with the worker
      if (kills.length === WORKER_KILLS - 1) await eventually('a consumer write held at the gate before the last kill', () => gate.held() > 0, { timeoutMs: 10 * 60_000, intervalMs: 500 });
      const before = parkedIn(await phases());
      const heldWrites = gate.held();
      await worker.kill();
      kills.push({ at: Date.now() - began, parkedBefore: before, heldWrites });
      say(`SIGKILL worker #${kills.length} at ${((Date.now() - began) / 1000).toFixed(1)} s, ${before} of ${ROTATIONS} parked, ${heldWrites} writes held`);
      await worker.start();
    }
    // the held rotations go on only now
    gate.open();
    // then let the last worker finish the work
    for (;;) {
      const p = await phases();
      checkHealth(p);
      if (parkedIn(p) === ROTATIONS) break;
      if (!worker.running) {
        restartsAfterOwnExit++;
        await worker.start();
      }
      await sleep(1_000);
    }
    const parkedAfterMs = Date.now() - began;

    // ── the outcome, read from the workflows and from the providers ─────────────────────────────────────
    const statuses = new Map<number, RotationStatus>();
    for (const n of numbers) statuses.set(n, await rotationStatus(client, rotationId(n)));
    for (const n of numbers) expect({ n, phase: statuses.get(n)!.phase, old: statuses.get(n)!.oldCredentialId }).toEqual({ n, phase: 'pending-deletion', old: oldKeys.get(n) });

    // every user: exactly its new key Active and its old key Inactive; no other key anywhere, so no orphan
    const users = ((await iam.send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName!).sort();
    expect(users).toEqual(numbers.map(user).sort());
    for (const n of numbers) {
      const keys = ((await iam.send(new ListAccessKeysCommand({ UserName: user(n) }))).AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId!, k.Status!]).sort();
      expect({ user: user(n), keys }).toEqual({ user: user(n), keys: [[oldKeys.get(n)!, 'Inactive'], [statuses.get(n)!.newCredentialId!, 'Active']].sort() });
    }

    // every set: update sets hold the new key; versioned users have their old set (old key, deleted with it) and exactly one new set
    const sets = new Map(sandbox.credentialsOf(OPERATOR).map((c) => [c.credentialsId, String((c.credentials as { accessKeyId?: string }).accessKeyId)]));
    const expected = new Map<string, string>();
    for (const n of numbers) {
      const status = statuses.get(n)!;
      if (versioned(n)) {
        expected.set(seededSet(n), oldKeys.get(n)!);
        expect(status.consumers[0]!.credentialsId).toMatch(new RegExp(`^${user(n)}-aws-\\d{8}$`));
        expected.set(status.consumers[0]!.credentialsId, status.newCredentialId!);
      } else {
        expected.set(seededSet(n), status.newCredentialId!);
      }
    }
    expect(Object.fromEntries([...sets].sort())).toEqual(Object.fromEntries([...expected].sort())); // nothing more: no duplicate set
    expect(sets.size).toBe(ROTATIONS + (ROTATIONS - VERSIONED_FROM + 1));

    // the chaos did land: every kill with rotations in flight (the held ones at least), the server replaced by a new
    // process with rotations in flight, and activities that had to run again
    expect(kills.length).toBe(WORKER_KILLS);
    expect(kills.filter((k) => k.parkedBefore >= ROTATIONS - HELD_UNTIL_LAST_KILL + 1)).toEqual([]);
    expect(kills.at(-1)!.heldWrites).toBeGreaterThan(0);
    expect(serverKill).toBeDefined();
    expect(serverKill!.pidAfter).not.toBe(serverKill!.pidBefore);
    expect(serverKill!.parkedBefore).toBeLessThan(ROTATIONS);
    const retried: Record<string, number> = {};
    let workflowTaskTimeouts = 0;
    for (const n of numbers) {
      const events = (await client.workflow.getHandle(rotationId(n)).fetchHistory()).events ?? [];
      const typeOf = new Map(events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes!.activityType!.name!]));
      for (const e of events) {
        const started = e.activityTaskStartedEventAttributes;
        if (started && (started.attempt ?? 1) > 1) {
          const type = typeOf.get(String(started.scheduledEventId)) ?? '?';
          retried[type] = (retried[type] ?? 0) + 1;
        }
        if (e.workflowTaskTimedOutEventAttributes || e.workflowTaskFailedEventAttributes) workflowTaskTimeouts++;
      }
    }
    // the write held when the last worker died was lost with it, and ran again on the next worker
    expect(retried.putCredential ?? 0).toBeGreaterThanOrEqual(1);
    const log = readFileSync(path.join(dir, 'worker.log'), 'utf8');
    const orphansCleaned = (log.match(/deleting orphan access key/g) ?? []).length;

    say(
      `summary: ${ROTATIONS} rotations (${ROTATIONS - VERSIONED_FROM + 1} versioned) all parked in pending-deletion after ${(parkedAfterMs / 1000).toFixed(0)} s; ` +
        `${kills.length} worker SIGKILLs (all with rotations in flight; parked before each: ${kills.map((k) => k.parkedBefore).join(',')}), ` +
        `1 dev-server SIGKILL at ${((serverKill?.at ?? 0) / 1000).toFixed(1)} s, ${restartsAfterOwnExit} worker restarts after it exited on its own, ` +
        `${worker.exits.filter((e) => !e.killedByTest).length} worker exits not caused by the test; ` +
        `activities that ran again after a lost attempt: ${JSON.stringify(retried)}; workflow tasks timed out or failed: ${workflowTaskTimeouts}; ` +
        `orphan keys cleaned after a lost CreateAccessKey response: ${orphansCleaned}; total ${((Date.now() - began) / 1000).toFixed(0)} s`,
    );
    passed = true;
  }, HANG_GUARD_MS);
});
