/**
 * Provider faults injected by a proxy in front of moto and the SORACOM sandbox, on the Temporal dev server (real
 * time, so retry delays are real and measurable at the proxy). Every test asserts what the providers hold afterwards.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { deleteNow, rotationStatus, startRotation } from '../../src/operations';
import type { ConsumerSpec, Phase, RotationRequestInput, RotationStatus } from '../../src/rotation/model';
import { DEMO_CODEC_KEYS } from '../../src/codec/key-ring';
import { startFaultProxy, type FaultProxy, type ProxiedCall } from '../support/fault-proxy';
import { ACCOUNT, testAwsCredentials, useProviders, withWorkers } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';
import { waitForPhase as waitUntil } from '../support/phases';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

// the dev server keeps every workflow of the file: each test names its own users
let serial = 0;
beforeEach(() => {
  serial++;
});
const user = (name: string) => `${name}-f${serial}`;
const update = (credentialsId: string): ConsumerSpec => ({ kind: 'soracom-credentials-set', credentialsId, mode: 'update' });
const versioned = (credentialsId: string): ConsumerSpec => ({ kind: 'soracom-credentials-set', credentialsId, mode: 'versioned' });
const request = (userName: string, consumers: ConsumerSpec[]): RotationRequestInput => ({
  source: { kind: 'aws-iam-access-key', userName, accountId: ACCOUNT },
  consumers,
  recoveryWindowDays: 7,
  pickupGraceSeconds: 0, // real time here: no grace
});

/** Real time on the dev server: a longer wait than the shared default. */
const waitForPhase = (rotationId: string, phase: Phase, timeoutMs = 100_000) => waitUntil(env.client, rotationId, phase, timeoutMs);

/** Rotates to pending-deletion, then expedites the deletion; returns the final status. */
async function rotateThroughDeleteNow(rotationRequest: RotationRequestInput): Promise<RotationStatus> {
  const handle = await startRotation(env.client, rotationRequest);
  const parked = await waitForPhase(handle.workflowId, 'pending-deletion');
  await deleteNow(env.client, handle.workflowId, parked.oldCredentialId!);
  return await handle.result();
}

/** `rotation <id>; <activityType> <activityId> attempt <n>` → its parts. */
function attemptOf(call: ProxiedCall): { activity: string; attempt: number } | undefined {
  const m = /^rotation (.+); (\S+) (\S+) attempt (\d+)$/.exec(call.label ?? '');
  return m ? { activity: `${m[1]} ${m[2]} ${m[3]}`, attempt: Number(m[4]) } : undefined;
}

describe('provider faults, injected at a proxy in front of moto and the SORACOM sandbox', () => {
  const providers = useProviders();
  let aws: FaultProxy;
  let soracom: FaultProxy;
  beforeEach(async () => {
    aws = await startFaultProxy({ upstream: providers.moto.server.endpoint, flavor: 'aws', seed: serial });
    soracom = await startFaultProxy({ upstream: providers.sandbox.endpoint, flavor: 'soracom', seed: serial });
  });
  afterEach(async () => {
    await aws.stop();
    await soracom.stop();
  });
  const proxiedClients = () => providers.clients({ iamEndpoint: aws.endpoint, stsEndpoint: aws.endpoint, soracomEndpoint: soracom.endpoint });

  /**
   * Every access key IAM holds for `userName` (ListAccessKeys: moto's `/moto-api/data.json` also lists deleted keys,
   * so it cannot prove the absence of an orphan).
   */
  async function motoKeysOf(userName: string): Promise<{ access_key_id: string; status: string }[]> {
    return (await providers.keysOf(userName)).map(([access_key_id, status]) => ({ access_key_id, status }));
  }

  it('a lost CreateAccessKey response leaves no orphan: exactly one new key, and the rotation completes', async () => {
    const name = user('lost-create');
    await providers.seedUser(name, `${name}-set`);
    aws.addRule({ match: { action: 'CreateAccessKey' }, fault: { kind: 'drop-response' }, times: 1 });

    const result = await withWorkers(env, proxiedClients(), () => rotateThroughDeleteNow(request(name, [update(`${name}-set`)])));

    expect(result.phase).toBe('completed');
    const creates = aws.callsTo({ action: 'CreateAccessKey' });
    expect(creates.map((c) => c.fault ?? c.status)).toEqual(['drop-response', 200]);
    // the key minted by the lost call was found and deleted before the second create
    expect(aws.callsTo({ action: 'DeleteAccessKey' })).toHaveLength(2); // the orphan, then the old key
    expect(await motoKeysOf(name)).toEqual([{ access_key_id: result.newCredentialId, status: 'Active' }]);
    expect(providers.setsHolding()).toEqual({ [`${name}-set`]: result.newCredentialId });
  });

  it('lost SORACOM POST and PUT responses: no duplicate and no missing set', async () => {
    const name = user('lost-writes');
    const { oldKeyId } = await providers.seedUser(name, `${name}-a`);
    await providers.addSet(`${name}-b`, oldKeyId);
    soracom.addRule({ match: { method: 'PUT', path: '^/credentials/' }, fault: { kind: 'drop-response' }, times: 1 });
    soracom.addRule({ match: { method: 'POST', path: '^/credentials/' }, fault: { kind: 'drop-response' }, times: 1 });

    const result = await withWorkers(env, proxiedClients(), async () => {
      const handle = await startRotation(env.client, request(name, [update(`${name}-a`), versioned(`${name}-b`)]));
      const parked = await waitForPhase(handle.workflowId, 'pending-deletion');
      const versionedSet = parked.consumers[1]!.credentialsId;
      // in the window: the updated set and the new versioned set hold the new key; the old versioned set the old key
      expect(providers.setsHolding()).toEqual({ [`${name}-a`]: parked.newCredentialId, [`${name}-b`]: oldKeyId, [versionedSet]: parked.newCredentialId });
      await deleteNow(env.client, handle.workflowId, oldKeyId);
      return await handle.result();
    });

    expect(soracom.calls.filter((c) => c.fault === 'drop-response').map((c) => c.method).sort()).toEqual(['POST', 'PUT']);
    const versionedSet = result.consumers[1]!.credentialsId;
    expect(versionedSet).toMatch(new RegExp(`^${name}-b-\\d{8}$`));
    expect(providers.setsHolding()).toEqual({ [`${name}-a`]: result.newCredentialId, [versionedSet]: result.newCredentialId });
  });

  it('a new key that IAM rejects for its first 20 s: verification waits it out', async () => {
    const name = user('slow-key');
    await providers.seedUser(name, `${name}-set`);
    aws.addRule({ match: { service: 'sts' }, fault: { kind: 'aws-key-validity', newKeyRejectedForMs: 20_000, exemptKeyIds: [testAwsCredentials.accessKeyId] } });

    const parked = await withWorkers(env, proxiedClients(), async () => {
      const handle = await startRotation(env.client, request(name, [update(`${name}-set`)]));
      return await waitForPhase(handle.workflowId, 'pending-deletion');
    });

    const created = aws.callsTo({ action: 'CreateAccessKey' })[0]!;
    const probes = aws.callsTo({ service: 'sts', accessKeyId: parked.newCredentialId! });
    expect(probes.filter((c) => c.status === 403).length).toBeGreaterThanOrEqual(2);
    const accepted = probes.filter((c) => c.status === 200);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.at - created.at).toBeGreaterThanOrEqual(20_000);
    expect(providers.setsHolding()).toEqual({ [`${name}-set`]: parked.newCredentialId });
  });

  it('a new key that IAM never accepts: compensation deletes it and the consumer keeps the old key', async () => {
    const name = user('dead-key');
    const { oldKeyId } = await providers.seedUser(name, `${name}-set`);
    aws.addRule({ match: { service: 'sts' }, fault: { kind: 'aws-key-validity', newKeyRejectedForMs: null, exemptKeyIds: [testAwsCredentials.accessKeyId] } });

    const status = await withWorkers(env, proxiedClients(), async () => {
      const handle = await startRotation(env.client, request(name, [update(`${name}-set`)]));
      await handle.result().catch(() => undefined);
      return await rotationStatus(env.client, handle.workflowId);
    });

    expect(status.phase).toBe('failed');
    expect(status.problemType).toBe('CredentialNotYetValid');
    expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'compensating', 'failed']);
    expect(await motoKeysOf(name)).toEqual([{ access_key_id: oldKeyId, status: 'Active' }]);
    expect(providers.setsHolding()).toEqual({ [`${name}-set`]: oldKeyId });
  });

  it('30 % of calls throttled: every rotation completes, and each retry waits what the provider advised', async () => {
    const names = [user('busy-a'), user('busy-b'), user('busy-c')];
    for (const name of names) await providers.seedUser(name, `${name}-set`);
    aws.addRule({ fault: { kind: 'throttle' }, probability: 0.3 });
    soracom.addRule({ fault: { kind: 'throttle', seconds: 2 }, probability: 0.3 });

    const results = await withWorkers(env, proxiedClients(), () => Promise.all(names.map((name) => rotateThroughDeleteNow(request(name, [update(`${name}-set`)])))));

    expect(results.map((r) => r.phase)).toEqual(['completed', 'completed', 'completed']);
    for (const [i, name] of names.entries()) {
      expect(await motoKeysOf(name)).toEqual([{ access_key_id: results[i]!.newCredentialId, status: 'Active' }]);
      expect(providers.setsHolding()[`${name}-set`]).toBe(results[i]!.newCredentialId);
    }
    // spacing: the next attempt of a throttled activity comes no sooner than advised (IAM: ≥ 1 s jittered; SORACOM: the header's 2 s)
    for (const [proxy, advisedMs] of [
      [aws, 1_000],
      [soracom, 2_000],
    ] as const) {
      const throttled = proxy.calls.filter((c) => c.fault === 'throttle');
      expect(throttled.length).toBeGreaterThan(0);
      for (const call of throttled) {
        const from = attemptOf(call)!;
        expect(from).toBeDefined();
        const next = [aws, soracom].flatMap((p) => p.calls).filter((c) => {
          const a = attemptOf(c);
          return a?.activity === from.activity && a.attempt === from.attempt + 1;
        });
        expect(next.length).toBeGreaterThan(0);
        expect(Math.min(...next.map((c) => c.at)) - call.at).toBeGreaterThanOrEqual(advisedMs - 50);
      }
    }
  });

  it('a non-retryable error: one attempt, the typed error in `rotator status`, and compensation ran', async () => {
    const name = user('denied');
    const { oldKeyId } = await providers.seedUser(name, `${name}-set`);
    soracom.addRule({ match: { method: 'PUT', path: '^/credentials/' }, fault: { kind: 'deny' } });

    const rotationId = await withWorkers(env, proxiedClients(), async () => {
      const handle = await startRotation(env.client, request(name, [update(`${name}-set`)]));
      await handle.result().catch(() => undefined);
      return handle.workflowId;
    });

    expect(soracom.callsTo({ method: 'PUT' })).toHaveLength(1); // bounded: retrying a permission error cannot help
    const status = await rotationStatus(env.client, rotationId);
    expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'registering', 'compensating', 'failed']);
    expect(await motoKeysOf(name)).toEqual([{ access_key_id: oldKeyId, status: 'Active' }]); // the new key was deleted
    expect(providers.setsHolding()).toEqual({ [`${name}-set`]: oldKeyId });

    const cli = await promisify(execFile)(process.execPath, [path.resolve(__dirname, '../../bin/rotator.js'), 'status', rotationId], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: env.address, ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS },
    }).catch((err: { stdout: string }) => err);
    expect(cli.stdout).toMatch(/phase +failed/);
    expect(cli.stdout).toMatch(/problem +\[SoracomPermissionDenied\] rotation failed in registering: .*AUM0017/);
    expect(cli.stdout).toMatch(/compensation: .*deleted new credential/);
  });

  it('the per-provider budget holds: three workers sharing the IAM queue never exceed its rate at the proxy', async () => {
    const rps = 2;
    const names = Array.from({ length: 6 }, (_, i) => user(`budget-${i}`));
    for (const name of names) await providers.seedUser(name, `${name}-set`);
    const workerEnv = { ROTATOR_AWS_IAM_RPS: String(rps), ROTATOR_AWS_IAM_CONCURRENCY: '10' };

    // one connection per worker set, as three replicas would have (the SDK refuses two pollers of a queue on one client)
    const connections = await Promise.all([1, 2, 3].map(() => NativeConnection.connect({ address: env.address })));
    const nest = (n: number, body: () => Promise<RotationStatus[]>): Promise<RotationStatus[]> =>
      n === 0 ? body() : withWorkers(env, proxiedClients(), () => nest(n - 1, body), { workerEnv, connection: connections[n - 1] });
    const parked = await nest(3, async () =>
      Promise.all(
        names.map(async (name) => {
          const handle = await startRotation(env.client, request(name, [update(`${name}-set`)]));
          return await waitForPhase(handle.workflowId, 'pending-deletion');
        }),
      ),
    );
    await Promise.all(connections.map((c) => c.close()));
    expect(parked.map((s) => s.phase)).toEqual(names.map(() => 'pending-deletion'));

    // an activity attempt's start is its first call at the proxy
    const starts = new Map<string, number>();
    for (const call of aws.calls) {
      const a = attemptOf(call);
      if (a && !starts.has(`${a.activity}#${a.attempt}`)) starts.set(`${a.activity}#${a.attempt}`, call.at);
    }
    const times = [...starts.values()].sort((a, b) => a - b);
    expect(times.length).toBeGreaterThanOrEqual(names.length * 4); // inspect, create, verify, deactivate each
    // The pace formula: the server paces a task queue as a token bucket per partition, rps/P each with a burst of
    // max(⌈rps/P⌉, 1) (Temporal's matching service; P = 4 partitions by default), so N activity starts over Δ seconds
    // need N ≤ rps·Δ + bucket. The proxy sees each start a little after the server dispatched it: SLACK_S of tokens
    // covers that offset at either end of the run. Unpaced, all of them would start within a couple of seconds.
    const PARTITIONS = 4;
    const SLACK_S = 2;
    const bucket = PARTITIONS * Math.max(Math.ceil(rps / PARTITIONS), 1);
    const spanS = (times.at(-1)! - times[0]!) / 1000;
    process.stderr.write(
      `[pace] ${times.length} IAM activity starts at the proxy in ${spanS.toFixed(1)} s at ${rps}/s: ${((times.length - bucket) / spanS).toFixed(2)}/s beyond the bucket of ${bucket}\n`,
    );
    expect(times.length).toBeLessThanOrEqual(rps * (spanS + SLACK_S) + bucket);
  });
});
