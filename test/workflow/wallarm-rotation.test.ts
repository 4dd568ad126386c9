/**
 * Wallarm API token rotations on the time-skipping test server, with the real activities against the Wallarm and
 * SORACOM sandboxes (the Wallarm sandbox on the test server's clock). Each test asserts what the providers hold.
 */
import { type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deleteNow, OperatorError, restoreRotation, startRotation } from '../../src/operations';
import type { ConsumerSpec, Phase, RotationRequestInput } from '../../src/rotation/model';
import { parseConsumerMap } from '../../src/providers/wallarm/token-selection';
import { rotateExpiringTokens } from '../../src/providers/wallarm/expiring-tokens';
import type { rotateCredential } from '../../src/workflows/rotate-credential';
import { analyst, deployBot, rotator, sharedReader } from '../providers/wallarm-sandbox';
import { withWorkers } from '../support/rotation-env';
import { createTimeSkippingEnv } from '../support/temporal';
import { useWallarmProviders } from '../support/wallarm-env';
import { failedStatus as failedStatusOf, waitForPhase as waitUntil } from '../support/phases';

const DAY_MS = 24 * 60 * 60 * 1000;
const FULL_PATH: Phase[] = ['preflight', 'creating', 'verifying', 'registering', 'deactivating', 'pending-deletion', 'deleting', 'completed'];

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const soracom = (credentialsId: string): ConsumerSpec => ({ kind: 'soracom-credentials-set', credentialsId, mode: 'update' });

function request(tokenId: number, consumers: ConsumerSpec[], recoveryWindowDays = 7, cloud: 'us1' | 'eu' = 'us1'): RotationRequestInput {
  // these tests poll for phases in real time: no pickup grace (rotation.test.ts checks the default)
  return { source: { kind: 'wallarm-api-token', cloud, tokenId }, consumers, recoveryWindowDays, pickupGraceSeconds: 0 };
}

const waitForPhase = (handle: WorkflowHandle, phase: Phase) => waitUntil(env.client, handle.workflowId, phase);
const failedStatus = (handle: WorkflowHandle) => failedStatusOf(env.client, handle);

describe('Wallarm API token rotation on the time-skipping server', () => {
  describe('happy path, restore, delete-now and the recovery window', () => {
    const p = useWallarmProviders(() => env);
    const seed = async () => {
      const oldId = p.id(deployBot.tokenId);
      await p.addTokenSet('wallarm-deploy', oldId, deployBot.secret);
      return oldId;
    };

    it('7-day window: the new token (same name, permissions, lifetime) goes to the set, the old one is disabled, then deleted', async () => {
      const oldId = await seed();
      const result = await withWorkers(env, p.clients(), async () => {
        const handle = await startRotation(env.client, request(oldId, [soracom('wallarm-deploy')]));
        const parked = await waitForPhase(handle, 'pending-deletion');
        const newId = Number(parked.newCredentialId);
        const created = (await p.token(newId))!;
        expect(created).toMatchObject({ realname: 'deploy-bot', permissions: ['deploy'], enabled: true, user_id: rotator.userId, shared: false });
        // the old token lived 90 days: so does the new one
        expect(Date.parse(created.expire_at!) - Date.parse(created.created_at)).toBeGreaterThanOrEqual(90 * DAY_MS - 1000);
        expect(await p.token(oldId)).toMatchObject({ enabled: false });
        expect(p.sets()['wallarm-deploy']).toEqual({ type: 'api-token-credentials', token: await p.secretOf(newId), description: `Wallarm token for devices [rotator: token ${newId}]` });
        // the software reading the set calls Wallarm with what it holds: the new token, which works
        expect(await p.callWith(p.sets()['wallarm-deploy']!.token)).toEqual({ userId: rotator.userId });
        expect(parked.consumers[0]).toMatchObject({ holds: String(newId), state: 'registered' });
        expect(parked.subject).toBe(`wallarm:us1:client/7/api-token/deploy-bot`);
        return await handle.result();
      });
      expect(result.timeline.map((t) => t.phase)).toEqual(FULL_PATH);
      expect(result.rotationId).toBe(`wallarm:us1:${oldId}`);
      expect(Date.parse(result.deleteAt!) - Date.parse(result.deactivatedAt!)).toBe(7 * DAY_MS);
      expect(await p.token(oldId)).toBeUndefined();
      expect(await p.token(Number(result.newCredentialId))).toMatchObject({ enabled: true });
    });

    it('restore on day 3 re-enables the old token with a new expiry; the set keeps the new token', async () => {
      const oldId = await seed();
      await withWorkers(env, p.clients(), async () => {
        const handle = await startRotation(env.client, request(oldId, [soracom('wallarm-deploy')]));
        const parked = await waitForPhase(handle, 'pending-deletion');
        await env.sleep('3 days');
        await p.clock.sync(env);
        const restored = await restoreRotation(env.client, handle.workflowId);
        expect(restored).toMatchObject({ phase: 'restored', deleteAt: null });
        const old = (await p.token(oldId))!;
        expect(old.enabled).toBe(true);
        // its own expiry (day 5) was too close: Wallarm needs a new one, at least 30 days ahead
        expect(Date.parse(old.expire_at!)).toBeGreaterThanOrEqual(p.clock.now() + 30 * DAY_MS - 60_000);
        expect(p.sets()['wallarm-deploy']!.token).toBe(await p.secretOf(Number(parked.newCredentialId)));
      });
    });

    it('delete-now on day 1 deletes the old token at once', async () => {
      const oldId = await seed();
      await withWorkers(env, p.clients(), async () => {
        const handle = await startRotation(env.client, request(oldId, [soracom('wallarm-deploy')]));
        const parked = await waitForPhase(handle, 'pending-deletion');
        await env.sleep('1 day');
        const done = await deleteNow(env.client, handle.workflowId, String(oldId));
        expect(done.phase).toBe('completed');
        expect(Date.parse(done.timeline.find((t) => t.phase === 'deleting')!.at)).toBeLessThan(Date.parse(parked.deleteAt!));
        expect(await p.token(oldId)).toBeUndefined();
        expect(await p.token(Number(parked.newCredentialId))).toMatchObject({ enabled: true });
      });
    });

    it('a 14-day window outlasts Wallarm\'s week: the old token stays enabled, expiring at deleteAt, and is restorable on day 10', async () => {
      const oldId = await seed();
      const disabledAtStart = p.id(sharedReader.tokenId);
      await p.wallarmClient().updateToken(disabledAtStart, { enabled: false }); // Wallarm deletes this one on day 7
      await withWorkers(env, p.clients(), async () => {
        const handle = await startRotation(env.client, request(oldId, [soracom('wallarm-deploy')], 14));
        const parked = await waitForPhase(handle, 'pending-deletion');
        expect(await p.token(oldId)).toMatchObject({ enabled: true, expire_at: parked.deleteAt });
        await env.sleep('10 days');
        await p.clock.sync(env);
        expect(await p.token(disabledAtStart)).toBeUndefined(); // a disabled token would be gone by now
        expect(await p.token(oldId)).toMatchObject({ enabled: true, expire_at: parked.deleteAt });
        const restored = await restoreRotation(env.client, handle.workflowId);
        expect(restored.phase).toBe('restored');
        expect(Date.parse((await p.token(oldId))!.expire_at!)).toBeGreaterThanOrEqual(p.clock.now() + 30 * DAY_MS - 60_000);
      });
    });

    it('a 14-day window left to run deletes the old token at deleteAt', async () => {
      const oldId = await seed();
      const result = await withWorkers(env, p.clients(), async () => (await startRotation(env.client, request(oldId, [soracom('wallarm-deploy')], 14))).result());
      expect(result.timeline.map((t) => t.phase)).toEqual(FULL_PATH);
      expect(Date.parse(result.timeline.find((t) => t.phase === 'deleting')!.at)).toBeGreaterThanOrEqual(Date.parse(result.deleteAt!));
      expect(await p.token(oldId)).toBeUndefined();
    });

    it('a shared token is rotated into a shared token', async () => {
      const oldId = p.id(sharedReader.tokenId);
      await p.addTokenSet('wallarm-reader', oldId, sharedReader.secret);
      const result = await withWorkers(env, p.clients(), async () => {
        const handle = await startRotation(env.client, request(oldId, [soracom('wallarm-reader')]));
        const parked = await waitForPhase(handle, 'pending-deletion');
        expect(await p.token(Number(parked.newCredentialId))).toMatchObject({ shared: true, permissions: ['auditor'], realname: 'shared-reader' });
        return await deleteNow(env.client, handle.workflowId);
      });
      expect(result.phase).toBe('completed');
    });
  });

  describe('refusals before any change', () => {
    const p = useWallarmProviders(() => env);

    const refused = async (req: RotationRequestInput) => {
      const before = (await p.tokens());
      const status = await withWorkers(env, p.clients(), async () => failedStatus(await startRotation(env.client, req)));
      expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'failed']);
      expect(await p.tokens()).toEqual(before);
      return status;
    };

    it('refuses a SORACOM aws-credentials set as the consumer of a Wallarm token', async () => {
      await p.soracom().createCredentials('funnel-aws', { type: 'aws-credentials', credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x'.repeat(40) } });
      const status = await refused(request(p.id(deployBot.tokenId), [soracom('funnel-aws')]));
      expect(status.problem).toMatch(/set 'funnel-aws' is of type aws-credentials, not api-token-credentials; it cannot hold a Wallarm API token/);
      expect(p.sets()['funnel-aws']!.type).toBe('aws-credentials');
    });

    it('refuses an unknown token, the rotator\'s own token, another user\'s personal token and the wrong cloud', async () => {
      await p.addTokenSet('wallarm-deploy', p.id(deployBot.tokenId), deployBot.secret);
      const consumers = [soracom('wallarm-deploy')];
      expect((await refused(request(999_999, consumers))).problem).toMatch(/has no API token 999999 that the rotator's user can see/);
      expect((await refused(request(p.id(rotator.tokenId), consumers))).problem).toMatch(/is the token this worker calls Wallarm with/);
      expect((await refused(request(p.id(analyst.tokenId), consumers))).problem).toMatch(/another user's personal token: only its owner can read/);
      expect((await refused(request(p.id(deployBot.tokenId), consumers, 7, 'eu'))).problem).toMatch(/names the Wallarm eu cloud but the worker's token is for us1/);
      expect(p.sets()['wallarm-deploy']!.token).toBe(deployBot.secret);
    });

    it.each([6, 31])('refuses a recovery window of %i days before starting anything', async (days) => {
      await expect(startRotation(env.client, request(p.id(deployBot.tokenId), [soracom('x')], days))).rejects.toThrow(OperatorError);
      await expect(env.client.workflow.getHandle(`wallarm:us1:${p.id(deployBot.tokenId)}`).describe()).rejects.toThrow(/not found/i);
    });
  });

  describe('a new token that never authenticates', () => {
    // the sandbox answers /v1/user with 403 for every token but the rotator's own
    const p = useWallarmProviders(() => env, { wallarmDenies: (_method, path, caller) => path === '/v1/user' && caller.tokenId !== p.id(rotator.tokenId) });

    it('is deleted; the old token stays enabled and the set untouched', async () => {
      const oldId = p.id(deployBot.tokenId);
      await p.addTokenSet('wallarm-deploy', oldId, deployBot.secret);
      const before = (await p.tokens());
      const status = await withWorkers(env, p.clients(), async () => failedStatus(await startRotation(env.client, request(oldId, [soracom('wallarm-deploy')]))));
      expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'compensating', 'failed']);
      expect(status.problem).toMatch(/does not authenticate yet: .*403 "Check permissions failed"/);
      expect(status.problem).toMatch(/deleted new credential/);
      expect(await p.tokens()).toEqual(before);
      expect(p.sets()['wallarm-deploy']!.token).toBe(deployBot.secret);
    });
  });

  describe('a consumer write failing (the SAM user may not write the set)', () => {
    const p = useWallarmProviders(() => env, { soracomDenies: (method, path) => method === 'PUT' && path === '/credentials/wallarm-deploy' });

    it('compensation deletes the new token; the old token and the set are as before', async () => {
      const oldId = p.id(deployBot.tokenId);
      await p.addTokenSet('wallarm-deploy', oldId, deployBot.secret);
      const before = (await p.tokens());
      const status = await withWorkers(env, p.clients(), async () => failedStatus(await startRotation(env.client, request(oldId, [soracom('wallarm-deploy')]))));
      expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'registering', 'compensating', 'failed']);
      expect(status.problem).toMatch(/403 AUM0017/);
      expect(status.problem).toMatch(/deleted new credential/);
      expect(await p.tokens()).toEqual(before);
      expect(p.sets()['wallarm-deploy']).toMatchObject({ token: deployBot.secret, description: `Wallarm token for devices [rotator: token ${oldId}]` });
    });
  });

  describe('a lost create response', () => {
    let creates = 0;
    // the first POST /v2/api_tokens is carried out, then its answer is lost
    const p = useWallarmProviders(() => env, { dropsResponse: (method, path) => method === 'POST' && path === '/v2/api_tokens' && ++creates === 1 });

    it('leaves no orphan: the token it minted is deleted, and exactly one new token remains', async () => {
      const oldId = p.id(deployBot.tokenId);
      await p.addTokenSet('wallarm-deploy', oldId, deployBot.secret);
      const result = await withWorkers(env, p.clients(), async () => {
        const handle = await startRotation(env.client, request(oldId, [soracom('wallarm-deploy')]));
        const parked = await waitForPhase(handle, 'pending-deletion');
        return await deleteNow(env.client, handle.workflowId, String(parked.oldCredentialId));
      });
      expect(creates).toBe(2);
      const deployBots = (await p.listTokens()).filter((t) => t.realname === 'deploy-bot');
      expect(deployBots.map((t) => t.id)).toEqual([Number(result.newCredentialId)]);
      const deletes = p.wallarm.exchanges().filter((e) => e.method === 'DELETE');
      expect(deletes).toHaveLength(2); // the orphan, then the old token
    });
  });

  describe('expiry-driven rotation: --expiring-within', () => {
    const p = useWallarmProviders(() => env);

    it('starts one rotation per token expiring within the period, reports unmapped ones, and skips an old token still in its window', async () => {
      const deployId = p.id(deployBot.tokenId);
      await p.addTokenSet('wallarm-deploy', deployId, deployBot.secret);
      // a second due token that no map entry names
      const { id: unmappedId } = await p.wallarmClient().createToken({ client_id: 7, realname: 'legacy-script', user_id: rotator.userId, enabled: true, expire_at: new Date(p.clock.now() + 2 * DAY_MS).toISOString(), permissions: ['auditor'] });
      const consumerMap = parseConsumerMap(JSON.stringify({ 'deploy-bot': ['soracom:wallarm-deploy'], 'shared-reader': ['soracom:elsewhere'] }), 'map.json');
      const options = { cloud: 'us1' as const, withinMs: 7 * DAY_MS, consumerMap, recoveryWindowDays: 14, pickupGraceSeconds: 0 };
      await withWorkers(env, p.clients(), async () => {
        const first = await rotateExpiringTokens(env.client, p.wallarmClient(), { ...options, now: p.clock.now() });
        // soonest first: legacy-script (day 2), deploy-bot (day 5); shared-reader (day 80) and tokens without expiry are not due
        expect(first.map((o) => [o.tokenId, o.outcome])).toEqual([
          [unmappedId, 'not-started'],
          [deployId, 'started'],
        ]);
        expect(first[0]!.detail).toMatch(/no consumers for "legacy-script"/);
        const handle = env.client.workflow.getHandle<typeof rotateCredential>(`wallarm:us1:${deployId}`);
        const parked = await waitForPhase(handle, 'pending-deletion');
        // a 14-day window keeps the old token enabled, expiring at deleteAt: on day 8 it is due again, but already rotating
        await env.sleep('8 days');
        await p.clock.sync(env);
        const again = await rotateExpiringTokens(env.client, p.wallarmClient(), { ...options, now: p.clock.now() });
        expect(again.find((o) => o.tokenId === deployId)).toMatchObject({ outcome: 'already-rotating', expireAt: parked.deleteAt });
        expect(again.find((o) => o.tokenId === Number(parked.newCredentialId))).toBeUndefined();
        expect((await deleteNow(env.client, handle.workflowId)).phase).toBe('completed');
      });
      expect(await p.token(deployId)).toBeUndefined();
      // the unmapped token was left alone: it simply expired on day 2
      expect((await p.listTokens()).filter((t) => t.realname === 'legacy-script').map((t) => [t.id, t.enabled])).toEqual([[unmappedId, false]]);
    });
  });
});
