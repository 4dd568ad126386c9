/**
 * CSMS and Wallarm faults injected by a proxy in front of their sandboxes, on the Temporal dev server (real time, so
 * retry delays are real and measurable at the proxy). Every test asserts what the providers hold afterwards.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deleteNow, rotationStatus, startRotation } from '../../src/operations';
import { WallarmClient } from '../../src/providers/wallarm/client';
import type { ConsumerSpec, Phase, RotationRequestInput, RotationStatus } from '../../src/rotation/model';
import type { ProviderClients } from '../../src/worker';
import { deployBot, rotator, sharedReader } from '../providers/wallarm-sandbox';
import { startFaultProxy, type FaultProxy, type ProxiedCall } from '../support/fault-proxy';
import { ACCOUNT, CSMS_PROJECT, useProviders, withWorkers } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';
import { useWallarmProviders } from '../support/wallarm-env';
import { waitForPhase as waitUntil } from '../support/phases';

const DAY_MS = 24 * 60 * 60 * 1000;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

// the dev server keeps every workflow of the file: each test names its own users (Wallarm: its own token ids)
let serial = 0;
beforeEach(() => {
  serial++;
});
const user = (name: string) => `${name}-cw${serial}`;

/** Real time on the dev server: a longer wait than the shared default. */
const waitForPhase = (rotationId: string, phase: Phase, timeoutMs = 100_000) => waitUntil(env.client, rotationId, phase, timeoutMs);

/** Rotates to pending-deletion, then expedites the deletion; returns the final status. */
async function rotateThroughDeleteNow(rotationRequest: RotationRequestInput, timeoutMs?: number): Promise<RotationStatus> {
  const handle = await startRotation(env.client, rotationRequest);
  const parked = await waitForPhase(handle.workflowId, 'pending-deletion', timeoutMs);
  await deleteNow(env.client, handle.workflowId, parked.oldCredentialId!);
  return await handle.result();
}

/** Runs a rotation expected to fail; returns its final status. */
async function rotateToFailure(rotationRequest: RotationRequestInput): Promise<RotationStatus> {
  const handle = await startRotation(env.client, rotationRequest);
  await expect(handle.result()).rejects.toThrow();
  return await rotationStatus(env.client, handle.workflowId);
}

/** `rotation <id>; <activityType> <activityId> attempt <n>` → its parts. */
function attemptOf(call: ProxiedCall): { activity: string; type: string; attempt: number } | undefined {
  const m = /^rotation (.+); (\S+) (\S+) attempt (\d+)$/.exec(call.label ?? '');
  return m ? { activity: `${m[1]} ${m[2]} ${m[3]}`, type: m[2]!, attempt: Number(m[4]) } : undefined;
}

/** The first call of the next attempt of the activity attempt that made `call`, or undefined if there was none. */
function nextAttemptAfter(proxy: FaultProxy, call: ProxiedCall): ProxiedCall | undefined {
  const from = attemptOf(call);
  if (from === undefined) throw new Error(`call ${call.method} ${call.path} carries no rotator User-Agent label`);
  return proxy.calls.find((c) => {
    const a = attemptOf(c);
    return a?.activity === from.activity && a.attempt === from.attempt + 1;
  });
}

/** For every call `fault` hit: the activity tried again, and no sooner than `minMs` after. */
function expectEachRetriedAfter(proxy: FaultProxy, fault: NonNullable<ProxiedCall['fault']>, minMs: number): void {
  const hit = proxy.calls.filter((c) => c.fault === fault);
  expect(hit.length).toBeGreaterThan(0);
  for (const call of hit) {
    const next = nextAttemptAfter(proxy, call);
    expect({ call: call.label, retried: next !== undefined }).toEqual({ call: call.label, retried: true });
    // the 50 ms allow for the proxy's and the worker's clocks being read at slightly different moments
    expect(next!.at - call.at).toBeGreaterThanOrEqual(minMs - 50);
  }
}

describe('CSMS faults, injected at a proxy in front of the CSMS sandbox', () => {
  const providers = useProviders();
  let csms: FaultProxy;
  beforeEach(async () => {
    // the client signs the Host it sends to (the proxy's): the sandbox checks the signature against that Host
    csms = await startFaultProxy({ upstream: providers.csmsSandbox.endpoint, flavor: 'csms', seed: serial, preserveHost: true });
  });
  afterEach(async () => {
    await csms.stop();
  });
  const proxiedClients = () => providers.clients({ csmsEndpoint: csms.endpoint });
  const secret = (secretName: string): ConsumerSpec => ({ kind: 'csms-secret', secretName });
  const request = (userName: string, secretNames: string[]): RotationRequestInput => ({
    source: { kind: 'aws-iam-access-key', userName, accountId: ACCOUNT },
    consumers: secretNames.map(secret),
    recoveryWindowDays: 7,
    pickupGraceSeconds: 0, // real time here: no grace
  });
  const versionsOf = (secretName: string) => [...providers.csmsSandbox.secret(CSMS_PROJECT, secretName)!.versions.keys()];
  const createVersionOf = (secretName: string) => ({ method: 'POST', path: `/secrets/${secretName}/versions$` });

  it('a lost CreateSecretVersion response adds no duplicate version: exactly one new version, SYSCURRENT on it', async () => {
    const name = user('lost-version');
    const { oldKeyId } = await providers.seedCsmsUser(name, name);
    csms.addRule({ match: createVersionOf(name), fault: { kind: 'drop-response' }, times: 1 });

    const result = await withWorkers(env, proxiedClients(), () => rotateThroughDeleteNow(request(name, [name])));

    expect(result.phase).toBe('completed');
    const creates = csms.callsTo(createVersionOf(name));
    // one write, committed upstream, its answer lost; the retry found the version it had written and wrote none
    expect(creates.map((c) => c.fault ?? c.status)).toEqual(['drop-response']);
    const retry = nextAttemptAfter(csms, creates[0]!);
    expect(attemptOf(retry!)).toMatchObject({ type: 'putCredential', attempt: 2 });
    expect(versionsOf(name)).toEqual(['v1', 'v2']);
    expect(providers.csmsHolding(name)).toEqual({ current: ['v2', result.newCredentialId], previous: ['v1', oldKeyId] });
    expect(await providers.keysOf(name)).toEqual([[result.newCredentialId, 'Active']]);
  });

  it('30 % of CSMS calls throttled (429 APIGW.0308, no Retry-After): every rotation completes, each retry 5 s later', async () => {
    const names = [user('busy-a'), user('busy-b'), user('busy-c')];
    const oldKeys = await Promise.all(names.map(async (name) => (await providers.seedCsmsUser(name, name)).oldKeyId));
    csms.addRule({ fault: { kind: 'throttle' }, probability: 0.3 });

    const results = await withWorkers(env, proxiedClients(), () => Promise.all(names.map((name) => rotateThroughDeleteNow(request(name, [name]), 300_000))));

    expect(results.map((r) => r.phase)).toEqual(['completed', 'completed', 'completed']);
    for (const [i, name] of names.entries()) {
      expect(versionsOf(name)).toEqual(['v1', 'v2']);
      expect(providers.csmsHolding(name)).toEqual({ current: ['v2', results[i]!.newCredentialId], previous: ['v1', oldKeys[i]] });
      expect(await providers.keysOf(name)).toEqual([[results[i]!.newCredentialId, 'Active']]);
    }
    const throttled = csms.calls.filter((c) => c.fault === 'throttle');
    expect(throttled.every((c) => c.status === 429)).toBe(true);
    // CSMS advises no delay: the client's own 5 s (src/providers/csms/errors.ts), longer than Temporal's first 1 s backoff
    expectEachRetriedAfter(csms, 'throttle', 5_000);
  }, 360_000);

  it('CSMS 5xx answers are retried with backoff and the rotation completes', async () => {
    const name = user('unavailable');
    const { oldKeyId } = await providers.seedCsmsUser(name, name);
    csms.addRule({ match: { method: 'GET', path: `/secrets/${name}$` }, fault: { kind: 'status', status: 500 }, times: 1 });
    csms.addRule({ match: createVersionOf(name), fault: { kind: 'status', status: 503 }, times: 1 });

    const result = await withWorkers(env, proxiedClients(), () => rotateThroughDeleteNow(request(name, [name])));

    expect(result.phase).toBe('completed');
    expect(csms.callsTo(createVersionOf(name)).map((c) => c.status)).toEqual([503, 200]);
    // Temporal's backoff: the first retry comes 1 s later
    expectEachRetriedAfter(csms, 'status', 1_000);
    expect(versionsOf(name)).toEqual(['v1', 'v2']);
    expect(providers.csmsHolding(name)).toEqual({ current: ['v2', result.newCredentialId], previous: ['v1', oldKeyId] });
  });

  it('a permission denial: one attempt, the typed error in the status, and compensation moves SYSCURRENT back', async () => {
    const name = user('denied');
    const [first, second] = [`${name}-a`, `${name}-b`];
    const { oldKeyId } = await providers.seedCsmsUser(name, first);
    await providers.addCsmsSecret(second, JSON.stringify({ accessKeyId: oldKeyId, secretAccessKey: 'x'.repeat(40) }));
    csms.addRule({ match: createVersionOf(second), fault: { kind: 'deny' } });

    const status = await withWorkers(env, proxiedClients(), () => rotateToFailure(request(name, [first, second])));

    // bounded: retrying a permission error cannot help
    expect(csms.callsTo(createVersionOf(second)).map((c) => c.status)).toEqual([403]);
    expect(status.problemType).toBe('CsmsPermissionDenied');
    expect(status.problem).toMatch(/rotation failed in registering: CSMS CreateSecretVersion of secret '.*-b' failed: HTTP 403 CSMS\.0403 .*Grant the IAM user the action csms:secret:createVersion on secret '.*-b'/);
    expect(status.problem).toMatch(/compensation: .*SYSCURRENT moved back from v2 to v1.*deleted new credential/);
    expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'registering', 'compensating', 'failed']);
    // the first secret got v2 and was put back: software reading SYSCURRENT has the old key again
    expect(versionsOf(first)).toEqual(['v1', 'v2']);
    expect(providers.csmsHolding(first).current).toEqual(['v1', oldKeyId]);
    expect(csms.callsTo({ method: 'PUT', path: `/secrets/${first}/stages/SYSCURRENT$` }).map((c) => c.status)).toEqual([200]);
    expect(versionsOf(second)).toEqual(['v1']);
    expect(await providers.keysOf(name)).toEqual([[oldKeyId, 'Active']]);
  });
});

describe('Wallarm faults, injected at a proxy in front of the Wallarm sandbox', () => {
  const p = useWallarmProviders(() => env);
  let wallarm: FaultProxy;
  beforeEach(async () => {
    wallarm = await startFaultProxy({ upstream: p.wallarm.endpoint, flavor: 'wallarm', seed: serial });
  });
  afterEach(async () => {
    await wallarm.stop();
  });
  const proxiedClients = (): ProviderClients => ({ ...p.clients(), wallarm: new WallarmClient({ cloud: 'us1', endpoint: wallarm.endpoint, token: rotator.secret }) });
  const request = (tokenId: number, credentialsId: string): RotationRequestInput => ({
    source: { kind: 'wallarm-api-token', cloud: 'us1', tokenId },
    consumers: [{ kind: 'soracom-credentials-set', credentialsId, mode: 'update' }],
    recoveryWindowDays: 7,
    pickupGraceSeconds: 0, // real time here: no grace
  });
  const createToken = { method: 'POST', path: '^/v2/api_tokens$' };
  const tokensNamed = async (realname: string) => (await p.listTokens()).filter((t) => t.realname === realname).map((t) => t.id);
  /** The deploy-bot token in a SORACOM set, as software uses it. */
  const seedDeployBot = async (): Promise<number> => {
    const oldId = p.id(deployBot.tokenId);
    await p.addTokenSet('wallarm-deploy', oldId, deployBot.secret);
    return oldId;
  };

  it('a lost create-token response leaves no orphan: exactly one new token, and the rotation completes', async () => {
    const oldId = await seedDeployBot();
    wallarm.addRule({ match: createToken, fault: { kind: 'drop-response' }, times: 1 });

    const result = await withWorkers(env, proxiedClients(), () => rotateThroughDeleteNow(request(oldId, 'wallarm-deploy')));

    expect(result.phase).toBe('completed');
    expect(wallarm.callsTo(createToken).map((c) => c.fault ?? c.status)).toEqual(['drop-response', 200]);
    // the token minted by the lost call was found and deleted before the second create, then the old token at the end
    expect(wallarm.callsTo({ method: 'DELETE' }).map((c) => attemptOf(c)?.type)).toEqual(['createCredential', 'destroyCredential']);
    const newId = Number(result.newCredentialId);
    expect(await tokensNamed('deploy-bot')).toEqual([newId]);
    expect(p.sets()['wallarm-deploy']).toMatchObject({ token: (await p.secretOf(newId)), description: `Wallarm token for devices [rotator: token ${newId}]` });
  });

  it('a 429 with Retry-After: the next attempt waits at least that long, and the rotation completes', async () => {
    const oldId = await seedDeployBot();
    wallarm.addRule({ match: createToken, fault: { kind: 'throttle', seconds: 3 }, times: 1 });

    const result = await withWorkers(env, proxiedClients(), () => rotateThroughDeleteNow(request(oldId, 'wallarm-deploy')));

    expect(result.phase).toBe('completed');
    const [throttled] = wallarm.calls.filter((c) => c.fault === 'throttle');
    expect(throttled).toMatchObject({ status: 429 });
    expect(attemptOf(throttled!)).toMatchObject({ type: 'createCredential', attempt: 1 });
    // Wallarm's advice (3 s), not Temporal's 1 s first backoff
    expectEachRetriedAfter(wallarm, 'throttle', 3_000);
    expect(wallarm.callsTo(createToken).map((c) => c.status)).toEqual([429, 200]);
    expect(await tokensNamed('deploy-bot')).toEqual([Number(result.newCredentialId)]);
  });

  it('Wallarm 5xx answers are retried with backoff and the rotation completes', async () => {
    const oldId = await seedDeployBot();
    wallarm.addRule({ match: { method: 'GET', path: '^/v2/api_tokens$' }, fault: { kind: 'status', status: 503 }, times: 2 });
    wallarm.addRule({ match: createToken, fault: { kind: 'status', status: 500 }, times: 1 });

    const result = await withWorkers(env, proxiedClients(), () => rotateThroughDeleteNow(request(oldId, 'wallarm-deploy')));

    expect(result.phase).toBe('completed');
    // inspectSource failed twice on the list and passed on its third attempt: 1 s, then 2 s of Temporal backoff
    const inspections = wallarm.calls.filter((c) => attemptOf(c)?.type === 'inspectSource' && c.path === '/v2/api_tokens');
    expect(inspections.map((c) => [attemptOf(c)!.attempt, c.status])).toEqual([
      [1, 503],
      [2, 503],
      [3, 200],
    ]);
    expect(inspections[2]!.at - inspections[1]!.at).toBeGreaterThanOrEqual(2_000 - 50);
    expectEachRetriedAfter(wallarm, 'status', 1_000);
    // the create hit by a 500 was not carried out: one new token, no orphan to delete
    expect(wallarm.callsTo(createToken).map((c) => c.status)).toEqual([500, 200]);
    expect(await tokensNamed('deploy-bot')).toEqual([Number(result.newCredentialId)]);
  });

  it('a 403 fails fast with what to check, and compensation deletes the new token', async () => {
    const oldId = await seedDeployBot();
    const before = (await p.tokens());
    // the rotator's token loses its role between creating the new token and verifying it
    const verifyList = { method: 'GET', path: '^/v2/api_tokens$', label: ' verifyCredential ' };
    wallarm.addRule({ match: verifyList, fault: { kind: 'deny' } });

    const status = await withWorkers(env, proxiedClients(), () => rotateToFailure(request(oldId, 'wallarm-deploy')));

    expect(wallarm.callsTo(verifyList).map((c) => [attemptOf(c)!.attempt, c.status])).toEqual([[1, 403]]);
    expect(status.problemType).toBe('WallarmPermissionDenied');
    expect(status.problem).toMatch(/rotation failed in verifying: Wallarm listTokens failed: HTTP 403 "Check permissions failed"\. Check WALLARM_API_TOKEN and WALLARM_CLOUD \/ WALLARM_API_HOST: .*Administrator role/);
    expect(status.problem).toMatch(/compensation: deleted new credential \d+/);
    expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'compensating', 'failed']);
    expect(await p.tokens()).toEqual(before);
    expect(p.sets()['wallarm-deploy']).toMatchObject({ token: deployBot.secret });
  });

  it('a 403 reading the new token\'s value fails fast and leaves no orphan token', async () => {
    const oldId = await seedDeployBot();
    const before = (await p.tokens());
    const readNewSecret = { method: 'GET', path: '^/v2/api_tokens/\\d+/secret$', label: ' createCredential ' };
    wallarm.addRule({ match: readNewSecret, fault: { kind: 'deny' } });

    const status = await withWorkers(env, proxiedClients(), () => rotateToFailure(request(oldId, 'wallarm-deploy')));

    expect(wallarm.callsTo(readNewSecret).map((c) => [attemptOf(c)!.attempt, c.status])).toEqual([[1, 403]]);
    expect(status.problemType).toBe('WallarmPermissionDenied');
    expect(status.problem).toMatch(/rotation failed in creating: Wallarm readTokenSecret of API token (\d+) failed: HTTP 403 .*\(new API token \1 was deleted again\)/);
    // the activity deleted it: the workflow never learned its id
    expect(wallarm.callsTo({ method: 'DELETE' }).map((c) => [attemptOf(c)?.type, c.status])).toEqual([['createCredential', 200]]);
    expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'compensating', 'failed']);
    // the token the failed attempt minted is gone: Wallarm holds what it held before
    expect(await p.tokens()).toEqual(before);
    expect(p.sets()['wallarm-deploy']).toMatchObject({ token: deployBot.secret });
  });

  it('30 % of Wallarm calls throttled (429, no Retry-After): every rotation completes, retried with backoff', async () => {
    const ciBot = await p.wallarmClient().createToken({
      client_id: 7,
      realname: 'ci-bot',
      user_id: rotator.userId,
      enabled: true,
      expire_at: new Date(p.clock.now() + 60 * DAY_MS).toISOString(),
      permissions: ['deploy'],
    });
    const rotations: [number, string, string][] = [
      [p.id(deployBot.tokenId), 'wallarm-deploy', deployBot.realname],
      [p.id(sharedReader.tokenId), 'wallarm-reader', sharedReader.realname],
      [ciBot.id, 'wallarm-ci', 'ci-bot'],
    ];
    for (const [id, set] of rotations) await p.addTokenSet(set, id, await p.wallarmClient().tokenSecret(id));
    wallarm.addRule({ fault: { kind: 'throttle' }, probability: 0.3 });

    // one after the other: the proxy's seeded draws then land on the same calls in every run (verification has 45 s)
    const results = await withWorkers(env, proxiedClients(), async () => {
      const done: RotationStatus[] = [];
      for (const [id, set] of rotations) done.push(await rotateThroughDeleteNow(request(id, set), 200_000));
      return done;
    });

    expect(results.map((r) => r.phase)).toEqual(['completed', 'completed', 'completed']);
    for (const [i, [oldId, set, realname]] of rotations.entries()) {
      const newId = Number(results[i]!.newCredentialId);
      expect(await tokensNamed(realname)).toEqual([newId]);
      expect(await p.token(oldId)).toBeUndefined();
      expect(p.sets()[set]!.token).toBe(await p.secretOf(newId));
    }
    expect(wallarm.calls.filter((c) => c.fault === 'throttle').every((c) => c.status === 429)).toBe(true);
    // no advice from Wallarm: Temporal's backoff, at least 1 s (verification's: 2 s)
    expectEachRetriedAfter(wallarm, 'throttle', 1_000);
  }, 600_000);
});
