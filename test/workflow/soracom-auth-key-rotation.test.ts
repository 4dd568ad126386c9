/**
 * SORACOM AuthKey rotations — the rotator rotating its own login — on the time-skipping server, with the real
 * activities against the SORACOM sandbox (on the test server's clock), the CSMS sandbox, moto and real files.
 * Deleting an AuthKey here also ends the sessions issued for it (whether SORACOM does is unknown): the harder case.
 * Each test asserts what SORACOM, the files and the CSMS secrets hold afterwards.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deleteNow, OperatorError, restoreRotation, startRotation } from '../../src/operations';
import { SoracomClient } from '../../src/providers/soracom/client';
import type { ConsumerSpec, Phase, RotationRequestInput } from '../../src/rotation/model';
import type { OperatorSeed } from '../../sandbox/soracom/server';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { ACCOUNT, CSMS_PROJECT, OPERATOR, soracomAuth, useProviders, withWorkers } from '../support/rotation-env';
import { createTimeSkippingEnv } from '../support/temporal';
import { TestServerClock } from '../support/wallarm-env';
import { failedStatus as failedStatusOf, waitForPhase as waitUntil } from '../support/phases';

const DAY_MS = 24 * 60 * 60 * 1000;
const FULL_PATH: Phase[] = ['preflight', 'creating', 'verifying', 'registering', 'deactivating', 'pending-deletion', 'deleting', 'completed'];
/** AuthKey ids the sandbox generates (seeded ones are named) */
const GENERATED = /^keyId-[0-9a-f]{32}$/;

let env: TestWorkflowEnvironment;
const clock = new TestServerClock();
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

// one Temporal server for the file: each test rotates users no other test touched (rotation ids never collide)
let serial = 0;
beforeEach(async () => {
  serial++;
  await clock.sync(env);
});
const USERS = 40;
const selfKey = (n: number) => ({ authKeyId: `keyId-self-${n}`, authKey: `secret-self-authkey-${n}-0000` });
const appKey = (n: number) => ({ authKeyId: `keyId-app-${n}`, authKey: `secret-app-authkey-${n}-0000` });
/** The rotator's own user of test n (its worker logs in with selfKey(n)), and another user of the operator. */
const self = () => `self-${serial}`;
const app = () => `app-${serial}`;
const operators: OperatorSeed[] = [
  {
    operatorId: OPERATOR,
    users: [
      { userName: 'rotator', authKeys: [soracomAuth] },
      ...Array.from({ length: USERS }, (_, i) => [
        { userName: `self-${i + 1}`, authKeys: [selfKey(i + 1)] },
        { userName: `app-${i + 1}`, authKeys: [appKey(i + 1)] },
      ]).flat(),
    ],
  },
];

const fileConsumer = (file: string): ConsumerSpec => ({ kind: 'file', path: file });
const csms = (secretName: string): ConsumerSpec => ({ kind: 'csms-secret', secretName });

function request(userName: string, consumers: ConsumerSpec[], recoveryWindowDays = 7): RotationRequestInput {
  // these tests poll for phases in real time: no pickup grace (rotation.test.ts checks the default)
  return { source: { kind: 'soracom-auth-key', operatorId: OPERATOR, userName }, consumers, recoveryWindowDays, pickupGraceSeconds: 0 };
}

/** A key file as an operator sets one up: {"authKeyId","authKey"}, mode 0600, in a directory of its own. */
function keyFile(key: { authKeyId: string; authKey: string }, name = 'soracom-auth-key.json'): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'authkey-wf-')), name);
  writeFileSync(file, JSON.stringify(key), { mode: 0o600 });
  return file;
}
const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const modeOf = (file: string) => statSync(file).mode & 0o777;

const waitForPhase = (handle: WorkflowHandle, phase: Phase) => waitUntil(env.client, handle.workflowId, phase);
const failedStatus = (handle: WorkflowHandle) => failedStatusOf(env.client, handle);

describe('SORACOM AuthKey rotation on the time-skipping server', () => {
  let csmsHook: (operation: string, secretName: string | undefined) => boolean = () => false;
  let authFails: (authKeyId: string) => boolean = () => false;
  beforeEach(() => {
    csmsHook = () => false;
    authFails = () => false;
  });
  const providers = useProviders({
    csmsDenies: (operation, secretName) => csmsHook(operation, secretName),
    soracomSandbox: { operators, now: clock.now, revokeSessionsOnAuthKeyDelete: true, authFails: (id) => authFails(id) },
  });

  /** The worker's clients, its SORACOM login read from `file` as SORACOM_AUTH_KEY_FILE makes it. */
  const workerReading = (file: string, endpoint = providers.sandbox.endpoint) => {
    const key = readJson(file) as { authKeyId: string; authKey: string };
    return { ...providers.clients(), soracom: new SoracomClient({ endpoint, ...key, authKeyFile: file }) };
  };
  const keyIdsOf = (userName: string) => providers.sandbox.authKeysOf(OPERATOR, userName).map((k) => k.authKeyId).sort();
  const secretOf = (userName: string, authKeyId: string) => providers.sandbox.authKeysOf(OPERATOR, userName).find((k) => k.authKeyId === authKeyId)?.authKey;
  const logsIn = (key: { authKeyId: string; authKey: string }) => providers.soracom().identityOfAuthKey(key);
  /** What a CSMS secret's stage holds, parsed. */
  const csmsStage = (secretName: string, stage: string) => {
    const secret = providers.csmsSandbox.secret(CSMS_PROJECT, secretName)!;
    const versionId = secret.stages.get(stage)!.versionId;
    return { versionId, value: JSON.parse(secret.versions.get(versionId)!.secretString!) as Record<string, string> };
  };

  describe('self-rotation into the worker\'s key file', () => {
    it('the worker switches to the new key; the old key still logs in during the window and is deleted at its end; the same worker then rotates an AWS key into a SORACOM set', async () => {
      const me = self();
      const old = selfKey(serial);
      const file = keyFile(old);
      const worker = workerReading(file);
      const { done, aws } = await withWorkers(env, worker, async () => {
        const handle = await startRotation(env.client, request(me, [fileConsumer(file)]));
        const parked = await waitForPhase(handle, 'pending-deletion');
        const newId = parked.newCredentialId!;
        expect(newId).toMatch(GENERATED);
        expect(keyIdsOf(me)).toEqual([old.authKeyId, newId].sort());
        // the file holds the new key, as private as before; the previous content sits beside it, as private
        expect(readJson(file)).toEqual({ authKeyId: newId, authKey: secretOf(me, newId) });
        expect(modeOf(file)).toBe(0o600);
        expect(readJson(`${file}.previous`)).toEqual(old);
        expect(modeOf(`${file}.previous`)).toBe(0o600);
        expect(parked.consumers).toEqual([{ consumer: `file:${file}`, mode: 'replace', credentialsId: file, holds: newId, state: 'registered' }]);
        expect(parked.subject).toBe(`soracom:${OPERATOR}:user/${me}`);
        // SORACOM cannot disable an AuthKey: the old one still logs in during the window
        await expect(logsIn(old)).resolves.toEqual({ operatorId: OPERATOR, userName: me });
        // the worker already logs in with the new key
        expect((await worker.soracom.switchToConfiguredAuthKey()).authKeyId).toBe(newId);
        const done = await handle.result();

        // the old key is deleted and its sessions with it: the same worker's SORACOM client must be on the new key
        await expect(logsIn(old)).rejects.toMatchObject({ type: 'SoracomAuthFailed' });
        await providers.seedUser(`funnel-${serial}`, `funnel-${serial}`);
        const awsRotation = await startRotation(env.client, {
          source: { kind: 'aws-iam-access-key', userName: `funnel-${serial}`, accountId: ACCOUNT },
          consumers: [{ kind: 'soracom-credentials-set', credentialsId: `funnel-${serial}`, mode: 'update' }],
          recoveryWindowDays: 7,
          pickupGraceSeconds: 0,
        });
        return { done, aws: await awsRotation.result() };
      });

      expect(done.timeline.map((t) => t.phase)).toEqual(FULL_PATH);
      expect(done.rotationId).toBe(`soracom-auth-key:${OPERATOR}:${me}`);
      expect(done.provider).toBe('soracom');
      expect(Date.parse(done.deleteAt!) - Date.parse(done.deactivatedAt!)).toBe(7 * DAY_MS);
      expect(keyIdsOf(me)).toEqual([done.newCredentialId]);
      expect(aws.phase).toBe('completed');
      expect(providers.setsHolding()[`funnel-${serial}`]).toBe(aws.newCredentialId);
    });

    it('restore on day 3 keeps the old key (both log in); the file keeps the new one', async () => {
      const me = self();
      const old = selfKey(serial);
      const file = keyFile(old);
      const worker = workerReading(file);
      await withWorkers(env, worker, async () => {
        const handle = await startRotation(env.client, request(me, [fileConsumer(file)], 14));
        const parked = await waitForPhase(handle, 'pending-deletion');
        await env.sleep('3 days');
        await clock.sync(env); // the worker's sessions are now 3 days old in SORACOM's eyes: expired
        const restored = await restoreRotation(env.client, handle.workflowId);
        expect(restored).toMatchObject({ phase: 'restored', deleteAt: null });
        const newId = parked.newCredentialId!;
        expect(keyIdsOf(me)).toEqual([old.authKeyId, newId].sort());
        await expect(logsIn(old)).resolves.toEqual({ operatorId: OPERATOR, userName: me });
        expect(readJson(file)).toEqual({ authKeyId: newId, authKey: secretOf(me, newId) });
        // the worker logs in again (its session expired) with the file's key
        await expect(worker.soracom.identity()).resolves.toEqual({ operatorId: OPERATOR, userName: me });
        expect((await worker.soracom.switchToConfiguredAuthKey()).authKeyId).toBe(newId);
      });
    });

    it('delete-now on day 1 deletes the old key at once', async () => {
      const me = self();
      const old = selfKey(serial);
      const file = keyFile(old);
      await withWorkers(env, workerReading(file), async () => {
        const handle = await startRotation(env.client, request(me, [fileConsumer(file)], 30));
        const parked = await waitForPhase(handle, 'pending-deletion');
        await env.sleep('1 day');
        await expect(deleteNow(env.client, handle.workflowId, 'keyId-wrong')).rejects.toThrow(/confirmed with the old credential id keyId-self-/);
        const done = await deleteNow(env.client, handle.workflowId, old.authKeyId);
        expect(done.phase).toBe('completed');
        expect(Date.parse(done.timeline.find((t) => t.phase === 'deleting')!.at)).toBeLessThan(Date.parse(parked.deleteAt!));
        expect(keyIdsOf(me)).toEqual([parked.newCredentialId]);
        await expect(logsIn(old)).rejects.toMatchObject({ type: 'SoracomAuthFailed' });
      });
    });
  });

  describe('another SAM user\'s AuthKey into a CSMS secret', () => {
    it('adds a version holding {authKeyId, authKey} (other fields kept) that takes SYSCURRENT; the old key is deleted after the window', async () => {
      const user = app();
      const old = appKey(serial);
      const secretName = `soracom-app-${serial}`;
      await providers.addCsmsSecret(secretName, JSON.stringify({ ...old, coverage: 'jp' }));
      const done = await withWorkers(env, providers.clients(), async () => {
        const handle = await startRotation(env.client, request(user, [csms(secretName)]));
        const parked = await waitForPhase(handle, 'pending-deletion');
        const newId = parked.newCredentialId!;
        expect(csmsStage(secretName, 'SYSCURRENT')).toEqual({ versionId: 'v2', value: { authKeyId: newId, authKey: secretOf(user, newId), coverage: 'jp' } });
        expect(csmsStage(secretName, 'SYSPREVIOUS')).toEqual({ versionId: 'v1', value: { ...old, coverage: 'jp' } });
        expect(parked.consumers[0]).toMatchObject({ consumer: `csms:${secretName}`, mode: 'new-version', holds: newId, state: 'registered' });
        return await handle.result();
      });
      expect(done.timeline.map((t) => t.phase)).toEqual(FULL_PATH);
      expect(keyIdsOf(user)).toEqual([done.newCredentialId]);
    });
  });

  describe('failures after the new key exists: compensation', () => {
    it('a new key that never logs in is deleted; the worker\'s file is untouched', async () => {
      authFails = (id) => GENERATED.test(id);
      const me = self();
      const old = selfKey(serial);
      const file = keyFile(old);
      const status = await withWorkers(env, workerReading(file), async () => failedStatus(await startRotation(env.client, request(me, [fileConsumer(file)]))));
      expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'compensating', 'failed']);
      expect(status.problem).toMatch(/new AuthKey keyId-[0-9a-f]{32} does not log in yet: .*HTTP 401/);
      expect(status.problem).toMatch(/compensation: deleted new credential keyId-/);
      expect(status.problemType).toBe('CredentialNotYetValid');
      expect(keyIdsOf(me)).toEqual([old.authKeyId]);
      expect(readJson(file)).toEqual(old);
      expect(existsSync(`${file}.previous`)).toBe(false);
    });

    it('a CSMS consumer that refuses the new version: the worker\'s file is put back, the new key deleted, the worker keeps working', async () => {
      const me = self();
      const old = selfKey(serial);
      const file = keyFile(old);
      const secretName = `self-copy-${serial}`;
      await providers.addCsmsSecret(secretName, JSON.stringify(old));
      csmsHook = (operation, name) => operation === 'CreateSecretVersion' && name === secretName;
      const worker = workerReading(file);
      const status = await withWorkers(env, worker, async () => failedStatus(await startRotation(env.client, request(me, [fileConsumer(file), csms(secretName)]))));
      expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'registering', 'compensating', 'failed']);
      expect(status.problemType).toBe('CsmsPermissionDenied');
      expect(status.consumers[0]).toMatchObject({ consumer: `file:${file}`, state: 'rolled-back', holds: old.authKeyId, note: `put back from ${file}.previous (holds ${old.authKeyId})` });
      expect(readJson(file)).toEqual(old);
      expect(modeOf(file)).toBe(0o600);
      expect(keyIdsOf(me)).toEqual([old.authKeyId]);
      expect(csmsStage(secretName, 'SYSCURRENT')).toEqual({ versionId: 'v1', value: old });
      await expect(worker.soracom.identity()).resolves.toEqual({ operatorId: OPERATOR, userName: me });
      expect((await worker.soracom.switchToConfiguredAuthKey()).authKeyId).toBe(old.authKeyId);
    });

    it('a file whose directory vanishes mid-rotation: the CSMS secret moves back to its old version, the new key is deleted', async () => {
      const user = app();
      const old = appKey(serial);
      const file = keyFile(old, 'app-key.json');
      const secretName = `app-copy-${serial}`;
      await providers.addCsmsSecret(secretName, JSON.stringify(old));
      // the volume holding the file goes away just as the CSMS consumer takes the new key
      csmsHook = (operation, name) => {
        if (operation === 'CreateSecretVersion' && name === secretName) rmSync(path.dirname(file), { recursive: true, force: true });
        return false;
      };
      const status = await withWorkers(env, providers.clients(), async () => failedStatus(await startRotation(env.client, request(user, [csms(secretName), fileConsumer(file)]))));
      expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'registering', 'compensating', 'failed']);
      expect(status.problemType).toBe('FileGone');
      expect(status.consumers[0]).toMatchObject({ consumer: `csms:${secretName}`, state: 'rolled-back', holds: old.authKeyId });
      expect(csmsStage(secretName, 'SYSCURRENT')).toEqual({ versionId: 'v1', value: old });
      expect(keyIdsOf(user)).toEqual([old.authKeyId]);
    });

    it('a self-rotation whose consumers leave out the worker\'s key file stops before retiring the key the worker logs in with', async () => {
      const me = self();
      const old = selfKey(serial);
      const file = keyFile(old);
      const secretName = `self-only-${serial}`;
      await providers.addCsmsSecret(secretName, JSON.stringify(old));
      const worker = workerReading(file);
      const status = await withWorkers(env, worker, async () => failedStatus(await startRotation(env.client, request(me, [csms(secretName)]))));
      expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'registering', 'deactivating', 'compensating', 'failed']);
      expect(status.problemType).toBe('SoracomAuthKeyInUse');
      expect(status.problem).toMatch(new RegExp(`still logs in to SORACOM with AuthKey ${old.authKeyId} \\(its key file ${file} holds it\\)`));
      expect(csmsStage(secretName, 'SYSCURRENT')).toEqual({ versionId: 'v1', value: old });
      expect(keyIdsOf(me)).toEqual([old.authKeyId]);
      await expect(worker.soracom.identity()).resolves.toEqual({ operatorId: OPERATOR, userName: me });
    });
  });

  describe('a lost generateUserAuthKey response', () => {
    let proxy: FaultProxy | undefined;
    afterEach(async () => {
      await proxy?.stop();
      proxy = undefined;
    });

    it('leaves no orphan: the key it minted is deleted before the second create, and the rotation completes', async () => {
      proxy = await startFaultProxy({ upstream: providers.sandbox.endpoint, flavor: 'soracom', seed: serial });
      proxy.addRule({ match: { method: 'POST', path: '/auth_keys$' }, fault: { kind: 'drop-response' }, times: 1 });
      const me = self();
      const old = selfKey(serial);
      const file = keyFile(old);
      const done = await withWorkers(env, workerReading(file, proxy.endpoint), async () => {
        const handle = await startRotation(env.client, request(me, [fileConsumer(file)]));
        const parked = await waitForPhase(handle, 'pending-deletion');
        expect(keyIdsOf(me)).toEqual([old.authKeyId, parked.newCredentialId].sort());
        return await deleteNow(env.client, handle.workflowId, old.authKeyId);
      });
      expect(done.phase).toBe('completed');
      const creates = proxy.callsTo({ method: 'POST', path: '/auth_keys$' });
      expect(creates.map((c) => c.fault ?? c.status)).toEqual(['drop-response', 200]);
      expect(proxy.callsTo({ method: 'DELETE', path: '/auth_keys/' })).toHaveLength(2); // the orphan, then the old key
      expect(keyIdsOf(me)).toEqual([done.newCredentialId]);
      expect(readJson(file)).toEqual({ authKeyId: done.newCredentialId, authKey: secretOf(me, done.newCredentialId!) });
    });
  });

  describe('SORACOM throttling and server errors on the AuthKey calls', () => {
    let proxy: FaultProxy | undefined;
    afterEach(async () => {
      await proxy?.stop();
      proxy = undefined;
    });

    it('are retried, and the rotation completes with one new key', async () => {
      proxy = await startFaultProxy({ upstream: providers.sandbox.endpoint, flavor: 'soracom', seed: serial });
      proxy.addRule({ match: { method: 'GET', path: '/auth_keys$' }, fault: { kind: 'throttle', seconds: 20 }, times: 2 });
      proxy.addRule({ match: { method: 'POST', path: '^/auth$' }, fault: { kind: 'status', status: 503 }, after: 1, times: 1 }); // the new key's first login
      proxy.addRule({ match: { method: 'DELETE', path: '/auth_keys/' }, fault: { kind: 'status', status: 500 }, times: 1 });
      const me = self();
      const old = selfKey(serial);
      const file = keyFile(old);
      const done = await withWorkers(env, workerReading(file, proxy.endpoint), async () => (await startRotation(env.client, request(me, [fileConsumer(file)]))).result());
      expect(done.timeline.map((t) => t.phase)).toEqual(FULL_PATH);
      expect(proxy.calls.filter((c) => c.fault !== undefined).map((c) => `${c.method} ${c.fault} ${c.status}`)).toEqual([
        'GET throttle 429',
        'GET throttle 429',
        'POST status 503',
        'DELETE status 500',
      ]);
      expect(keyIdsOf(me)).toEqual([done.newCredentialId]);
      expect(readJson(file)).toMatchObject({ authKeyId: done.newCredentialId });
    });
  });

  describe('refusals before any change', () => {
    /** Starts a rotation that must fail in preflight and leave the user's keys as they were. */
    const refused = async (req: RotationRequestInput, clients = providers.clients()) => {
      const userName = req.source.kind === 'soracom-auth-key' ? req.source.userName : '';
      // ids and secrets, not lastUsedDateTime: the worker logging in as this user is no change
      const keys = () => providers.sandbox.authKeysOf(OPERATOR, userName).map(({ authKeyId, authKey }) => ({ authKeyId, authKey }));
      const before = keys();
      const status = await withWorkers(env, clients, async () => failedStatus(await startRotation(env.client, req)));
      expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'failed']);
      expect(keys()).toEqual(before);
      return status;
    };

    it('refuses consumers that cannot hold an AuthKey, and files or secrets holding something else', async () => {
      const user = app();
      const old = appKey(serial);
      await providers.addSet(`set-${serial}`, 'AKIAEXAMPLEEXAMPLE00');
      expect((await refused(request(user, [{ kind: 'soracom-credentials-set', credentialsId: `set-${serial}`, mode: 'update' }]))).problem).toMatch(
        /a SORACOM credentials set cannot hold a SORACOM AuthKey; use a file:<path> or csms:<secretName> consumer/,
      );
      const awsFile = keyFile({ accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x'.repeat(40) } as never);
      expect((await refused(request(user, [fileConsumer(awsFile)]))).problem).toMatch(/is not a JSON object with "authKeyId" \(it has "accessKeyId": it holds another kind of credential\)/);
      const missing = path.join(path.dirname(awsFile), 'nothing-here.json');
      expect((await refused(request(user, [fileConsumer(missing)]))).problem).toMatch(/nothing-here.json does not exist on this worker; create it holding the current credential as \{"authKeyId","authKey"\}/);
      const link = path.join(path.dirname(awsFile), 'link.json');
      symlinkSync(keyFile(old), link);
      expect((await refused(request(user, [fileConsumer(link)]))).problem).toMatch(/link.json is a symbolic link/);
      const dirAsFile = path.join(path.dirname(awsFile), 'a-directory');
      mkdirSync(dirAsFile);
      expect((await refused(request(user, [fileConsumer(dirAsFile)]))).problem).toMatch(/a-directory is not a regular file/);
      await providers.addCsmsSecret(`aws-shaped-${serial}`, JSON.stringify({ accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x'.repeat(40) }));
      expect((await refused(request(user, [csms(`aws-shaped-${serial}`)]))).problem).toMatch(/SYSCURRENT \(v1\) is not a JSON object with "authKeyId"/);
    });

    it('refuses another operator, an unknown user, a user with two keys, and a self-rotation of a key fixed in the environment', async () => {
      const file = keyFile(appKey(serial));
      const consumers = [fileConsumer(file)];
      const otherOperator = { ...request(app(), consumers), source: { kind: 'soracom-auth-key' as const, operatorId: 'OP9999999999', userName: app() } };
      expect((await refused(otherOperator)).problem).toMatch(/names SORACOM operator OP9999999999 but the worker logs in to operator OP0000TEST01/);
      expect((await refused(request('nobody-here', consumers))).problem).toMatch(/SAM user 'nobody-here' does not exist in operator OP0000TEST01; check the --user name/);

      const second = await providers.soracom().createUserAuthKey(app());
      const status = await refused(request(app(), consumers));
      expect(status.problemType).toBe('CredentialLimitReached');
      expect(status.problem).toContain(second.authKeyId);

      // the worker logs in as self-n with SORACOM_AUTH_KEY_ID/SORACOM_AUTH_KEY: it could never be given the new key
      const fixed = { ...providers.clients(), soracom: new SoracomClient({ endpoint: providers.sandbox.endpoint, ...selfKey(serial) }) };
      expect((await refused(request(self(), [fileConsumer(keyFile(selfKey(serial)))]), fixed)).problem).toMatch(
        /'self-\d+' is the SAM user this worker logs in as, and its AuthKey comes from SORACOM_AUTH_KEY_ID \/ SORACOM_AUTH_KEY/,
      );
    });

    it.each([
      [{ operatorId: 'OP12', userName: 'rotator' }, [fileConsumer('/tmp/k.json')], /SORACOM operator id must be OP followed by 10/],
      [{ operatorId: OPERATOR, userName: 'has space' }, [fileConsumer('/tmp/k.json')], /SAM user name must be 1–100 characters/],
      [{ operatorId: OPERATOR, userName: 'rotator' }, [fileConsumer('relative/k.json')], /file path must be absolute/],
      [{ operatorId: OPERATOR, userName: 'rotator' }, [fileConsumer('/tmp/../etc/k.json')], /file path must be a normalised path/],
    ])('refuses %p with %p before starting anything', async (source, consumers, message) => {
      const req = { source: { kind: 'soracom-auth-key' as const, ...source }, consumers, recoveryWindowDays: 7, pickupGraceSeconds: 0 };
      await expect(startRotation(env.client, req)).rejects.toThrow(OperatorError);
      await expect(startRotation(env.client, req)).rejects.toThrow(message);
    });
  });
});
