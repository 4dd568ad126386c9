/**
 * SORACOM `versioned` mode and the groups whose configurations name the set, on the time-skipping server with the real
 * activities against moto and the SORACOM sandbox: each test asserts what every group configuration names afterwards.
 * A file of its own: its rotations wait out recovery windows, which a rotation another test left parked would share.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deleteNow, startRotation } from '../../src/operations';
import type { ConsumerSpec, Phase, RotationRequestInput } from '../../src/rotation/model';
import { ACCOUNT, OPERATOR, useProviders, withWorkers } from '../support/rotation-env';
import { createTimeSkippingEnv } from '../support/temporal';
import { failedStatus as failedStatusOf, waitForPhase as waitUntil } from '../support/phases';
import type { WorkflowHandle } from '@temporalio/client';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

// rotation ids derive from the user, and the test server keeps every workflow: each test gets its own user
let userSerial = 0;
beforeEach(() => {
  userSerial++;
});
const user = (name: string) => `${name}-${userSerial}`;
const versioned = (credentialsId: string): ConsumerSpec => ({ kind: 'soracom-credentials-set', credentialsId, mode: 'versioned' });

/** No pickup grace: the tests poll for phases in real time, and queries do not skip time. */
function request(userName: string, consumers: ConsumerSpec[], recoveryWindowDays = 30): RotationRequestInput {
  return { source: { kind: 'aws-iam-access-key', userName, accountId: ACCOUNT }, consumers, recoveryWindowDays, pickupGraceSeconds: 0 };
}

const waitForPhase = (handle: WorkflowHandle, phase: Phase) => waitUntil(env.client, handle.workflowId, phase);
const failedStatus = (handle: WorkflowHandle) => failedStatusOf(env.client, handle);

describe('versioned mode and the SORACOM groups that reach the set', () => {
  // groups may be made unreadable per test; set-b-* may not be created (the seeded set-b-20250101 may)
  let groupsDenied = false;
  let groupWritesDenied = false;
  beforeEach(() => {
    groupsDenied = false;
    groupWritesDenied = false;
  });
  const providers = useProviders({
    soracomDenies: (method, path) =>
      (groupsDenied && path.startsWith('/groups')) || (groupWritesDenied && method === 'PUT' && path.startsWith('/groups/')) || (method === 'POST' && /^\/credentials\/set-b-(?!20250101)/.test(path)),
  });
  // the shapes of public examples (provider-facts §1.4): Funnel names the set with a string, Funk with {$credentialsId}
  const funnel = (credentialsId: string) => ({ enabled: true, credentialsId, destination: { provider: 'aws', service: 'kinesis', resourceUrl: 'https://kinesis.ap-northeast-1.amazonaws.com/s' }, contentType: 'json' });
  const funk = (credentialsId: string) => ({ enabled: true, credentialsId: { $credentialsId: credentialsId }, destination: { provider: 'aws', service: 'lambda', resourceUrl: 'arn:aws:lambda:ap-northeast-1:123456789012:function:f' } });
  const configurationOf = (name: string) => providers.sandbox.groupsOf(OPERATOR).find((g) => g.tags.name === name)?.configuration;

  it('two groups naming the set point at the new set after registering; the old set is deleted at the end, named by no group', async () => {
    const { oldKeyId } = await providers.seedUser(user('funnel'), 'funnel-aws-20250101');
    providers.addGroup('funnel-sims', { SoracomFunnel: funnel('funnel-aws-20250101') });
    providers.addGroup('funk-sims', { SoracomFunk: funk('funnel-aws-20250101'), SoracomHarvest: { enabled: true } });
    providers.addGroup('other-sims', { SoracomFunnel: funnel('other-set') });
    const result = await withWorkers(env, providers.clients(), async () => {
      const handle = await startRotation(env.client, request(user('funnel'), [versioned('funnel-aws-20250101')], 7));
      const parked = await waitForPhase(handle, 'pending-deletion');
      const newSet = parked.consumers[0]!.credentialsId;
      // in the window the groups read the new set, holding the new key; the old set still holds the old key
      expect(providers.groupsNaming()).toEqual({ 'funnel-sims': [newSet], 'funk-sims': [newSet], 'other-sims': ['other-set'] });
      expect(providers.setsHolding()).toEqual({ 'funnel-aws-20250101': oldKeyId, [newSet]: parked.newCredentialId });
      return await handle.result();
    });
    expect(result.phase).toBe('completed');
    const newSet = result.consumers[0]!.credentialsId;
    expect(providers.setsHolding()).toEqual({ [newSet]: result.newCredentialId });
    expect(providers.groupsNaming()).toEqual({ 'funnel-sims': [newSet], 'funk-sims': [newSet], 'other-sims': ['other-set'] });
    // only the ids changed: every other key of each configuration is as it was
    expect(configurationOf('funk-sims')).toEqual({ SoracomFunk: funk(newSet), SoracomHarvest: { enabled: true } });
    expect(configurationOf('funnel-sims')).toEqual({ SoracomFunnel: funnel(newSet) });
    expect(await providers.keysOf(user('funnel'))).toEqual([[result.newCredentialId, 'Active']]);
  });

  it('compensated (a second consumer refuses): the groups point back at the old set and the new set is gone', async () => {
    const { oldKeyId } = await providers.seedUser(user('funnel'), 'set-a-20250101');
    await providers.addSet('set-b-20250101', oldKeyId);
    providers.addGroup('funnel-sims', { SoracomFunnel: funnel('set-a-20250101') });
    providers.addGroup('funk-sims', { SoracomFunk: funk('set-a-20250101') });
    providers.addGroup('b-sims', { SoracomFunnel: funnel('set-b-20250101') });
    const status = await withWorkers(env, providers.clients(), async () =>
      failedStatus(await startRotation(env.client, request(user('funnel'), [versioned('set-a-20250101'), versioned('set-b-20250101')]))),
    );
    expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'registering', 'compensating', 'failed']);
    expect(status.problem).toMatch(/set-b-\d{8}.*403 AUM0017/);
    expect(status.problem).toMatch(/new set set-a-\d{8} removed; software keeps reading set-a-20250101/);
    expect(status.problem).toMatch(/deleted new credential/);
    // at the provider: the groups were moved to the new set and back (two PUTs each), and name the old set again
    expect(providers.sandbox.exchanges().filter((e) => e.method === 'PUT' && e.path.startsWith('/groups/')).map((e) => e.status)).toEqual([200, 200, 200, 200]);
    expect(providers.groupsNaming()).toEqual({ 'funnel-sims': ['set-a-20250101'], 'funk-sims': ['set-a-20250101'], 'b-sims': ['set-b-20250101'] });
    expect(configurationOf('funk-sims')).toEqual({ SoracomFunk: funk('set-a-20250101') });
    expect(providers.setsHolding()).toEqual({ 'set-a-20250101': oldKeyId, 'set-b-20250101': oldKeyId });
    expect(await providers.keysOf(user('funnel'))).toEqual([[oldKeyId, 'Active']]);
  });

  it('groups unreadable (permission denied): versioned mode is refused in preflight, naming what to allow; nothing changes', async () => {
    groupsDenied = true;
    const { oldKeyId } = await providers.seedUser(user('funnel'), 'funnel-aws-20250101');
    providers.addGroup('funnel-sims', { SoracomFunnel: funnel('funnel-aws-20250101') });
    const status = await withWorkers(env, providers.clients(), async () => failedStatus(await startRotation(env.client, request(user('funnel'), [versioned('funnel-aws-20250101')]))));
    expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'failed']);
    expect(status.problemType).toBe('SoracomGroupsUnreadable');
    expect(status.problem).toMatch(/may not list groups .*403 AUM0017.*Allow Group:listGroups and Group:putConfigurationParameters .* or rotate the set in update mode\. No change was made\./);
    expect(providers.setsHolding()).toEqual({ 'funnel-aws-20250101': oldKeyId });
    expect(providers.groupsNaming()).toEqual({ 'funnel-sims': ['funnel-aws-20250101'] });
    expect(await providers.keysOf(user('funnel'))).toEqual([[oldKeyId, 'Active']]);
  });

  it('group configurations it may read but not write: registering fails, compensation removes the new set, the groups are untouched', async () => {
    groupWritesDenied = true;
    const { oldKeyId } = await providers.seedUser(user('funnel'), 'funnel-aws-20250101');
    providers.addGroup('funnel-sims', { SoracomFunnel: funnel('funnel-aws-20250101') });
    const status = await withWorkers(env, providers.clients(), async () => failedStatus(await startRotation(env.client, request(user('funnel'), [versioned('funnel-aws-20250101')]))));
    expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'creating', 'verifying', 'registering', 'compensating', 'failed']);
    expect(status.problemType).toBe('SoracomPermissionDenied');
    expect(status.problem).toMatch(/putConfigurationParameters.*403 AUM0017.*Group:putConfigurationParameters/);
    expect(status.problem).toMatch(/new set funnel-aws-\d{8} removed; software keeps reading funnel-aws-20250101/);
    expect(providers.groupsNaming()).toEqual({ 'funnel-sims': ['funnel-aws-20250101'] });
    expect(providers.setsHolding()).toEqual({ 'funnel-aws-20250101': oldKeyId });
    expect(await providers.keysOf(user('funnel'))).toEqual([[oldKeyId, 'Active']]);
  });

  it('a group configuration it cannot rewrite (a per-SIM placeholder that may expand to the set): refused in preflight, naming it', async () => {
    const { oldKeyId } = await providers.seedUser(user('funnel'), 'beam-aws-20250101');
    const beam = { 'mqtt://beam.soracom.io:1883': { enabled: true, useClientCert: true, clientCerts: { default: { $credentialsId: 'beam-aws-#{imsi}' } } } };
    const groupId = providers.addGroup('beam-sims', { SoracomBeam: beam });
    const status = await withWorkers(env, providers.clients(), async () => failedStatus(await startRotation(env.client, request(user('funnel'), [versioned('beam-aws-20250101')]))));
    expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'failed']);
    expect(status.problemType).toBe('SoracomGroupNotRepointable');
    expect(status.problem).toContain(`group 'beam-sims' (${groupId}) at SoracomBeam["mqtt://beam.soracom.io:1883"].clientCerts.default.$credentialsId ('beam-aws-#{imsi}' is a placeholder`);
    expect(status.problem).toMatch(/Rotate the set in update mode.*No change was made\./);
    expect(providers.setsHolding()).toEqual({ 'beam-aws-20250101': oldKeyId });
    expect(configurationOf('beam-sims')).toEqual({ SoracomBeam: beam });
    expect(await providers.keysOf(user('funnel'))).toEqual([[oldKeyId, 'Active']]);
  });

  it('a group pointed at the old set by hand during the window: neither the old key nor the old set is deleted; the rotation waits in needs-attention naming the group', async () => {
    const { oldKeyId } = await providers.seedUser(user('funnel'), 'funnel-aws-20250101');
    providers.addGroup('funnel-sims', { SoracomFunnel: funnel('funnel-aws-20250101') });
    await withWorkers(env, providers.clients(), async () => {
      const handle = await startRotation(env.client, request(user('funnel'), [versioned('funnel-aws-20250101')], 7));
      const parked = await waitForPhase(handle, 'pending-deletion');
      const newSet = parked.consumers[0]!.credentialsId;
      expect(providers.groupsNaming()).toEqual({ 'funnel-sims': [newSet] });
      const lateGroup = providers.addGroup('late-sims', { SoracomFunnel: funnel('funnel-aws-20250101') });
      await env.sleep('8 days');
      const waiting = await waitForPhase(handle, 'needs-attention');
      expect(waiting.problemType).toBe('DeletionRefused');
      expect(waiting.problem).toContain(`soracom:funnel-aws-20250101's old home funnel-aws-20250101, which holds ${oldKeyId}, is still reached by group configuration`);
      expect(waiting.problem).toContain(lateGroup);
      // at the provider: nothing deleted, so the group that names the old set still reads a key that exists
      expect(providers.setsHolding()).toEqual({ 'funnel-aws-20250101': oldKeyId, [newSet]: parked.newCredentialId });
      expect(providers.groupsNaming()).toEqual({ 'funnel-sims': [newSet], 'late-sims': ['funnel-aws-20250101'] });
      expect((await providers.keysOf(user('funnel'))).map(([id]) => id)).toContain(oldKeyId);
      // the operator puts the group right; delete-now then deletes the old key and the old set
      await providers.soracom().putGroupConfiguration(lateGroup, 'SoracomFunnel', [{ key: 'credentialsId', value: newSet }]);
      expect(providers.groupsNaming()['late-sims']).toEqual([newSet]);
      expect(await deleteNow(env.client, handle.workflowId, oldKeyId)).toMatchObject({ phase: 'completed' });
      expect(await providers.keysOf(user('funnel'))).toEqual([[parked.newCredentialId, 'Active']]);
      expect(Object.keys(providers.setsHolding())).toEqual([newSet]);
    });
  });
});
