/**
 * Cutting over on evidence, in real time on the dev server, with moto (which records each key's last use, as
 * GetAccessKeyLastUsed reports it) behind the fault proxy (which refuses Inactive keys, as AWS does), and the SORACOM
 * and CSMS sandboxes. A known consumer reads its credential from its consumer and authenticates with it; an unknown
 * one keeps the old key it was once given. The rotation must never deactivate a key the providers show in use:
 * - the unknown consumer keeps using the old key → held in awaiting-use with the evidence; a proceed the world no
 *   longer allows is refused; proceed then deactivates (and the unknown consumer is cut off — that is what it risked);
 * - the evidence arrives late but before the deadline → the rotation goes on by itself;
 * - abort → the consumer is put back and the new key deleted, the old key never stopped working.
 * The known consumer never fails an authentication.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { abortRotation, ActionRefusedError, deleteNow, proceedRotation, rotationStatus, startRotation } from '../../src/operations';
import type { ConsumerSpec } from '../../src/rotation/model';
import { startConsumer, type ConsumerProbe } from '../support/consumer-probe';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { waitForPhase } from '../support/phases';
import { ACCOUNT, CSMS_PROJECT, OPERATOR, testAwsCredentials, useProviders, withWorkers } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';

type AwsKey = { accessKeyId: string; secretAccessKey: string };

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('cut over on evidence', () => {
  const providers = useProviders();
  let aws: FaultProxy;
  const probes: ConsumerProbe[] = [];
  beforeEach(async () => {
    aws = await startFaultProxy({ upstream: providers.moto.server.endpoint, flavor: 'aws' });
    aws.addRule({ match: { service: 'sts' }, fault: { kind: 'aws-key-validity', newKeyRejectedForMs: 1_000, exemptKeyIds: [testAwsCredentials.accessKeyId] } });
  });
  afterEach(async () => {
    await Promise.all(probes.splice(0).map((p) => p.stop()));
    await aws.stop();
  });

  const arn = (userName: string) => `arn:aws:iam::${ACCOUNT}:user/${userName}`;
  const set = (credentialsId: string): ConsumerSpec => ({ kind: 'soracom-credentials-set', credentialsId, mode: 'update' });
  /** Funnel: reads the set (SORACOM records the set's use) and authenticates with what it holds. */
  const funnel = (userName: string, credentialsId: string, options: { paused?: boolean } = {}) => {
    const probe = startConsumer(() => providers.sandbox.useSet(OPERATOR, credentialsId).credentials as AwsKey, aws.endpoint, arn(userName), { intervalMs: 200, ...options });
    probes.push(probe);
    return probe;
  };
  /** Software nobody registered: it was given the old key once and keeps it. */
  const unknownConsumer = (userName: string, key: AwsKey) => {
    const probe = startConsumer(() => key, aws.endpoint, arn(userName), { intervalMs: 500 });
    probes.push(probe);
    return probe;
  };
  const setKey = (credentialsId: string) => structuredClone(providers.sandbox.credentialsOf(OPERATOR).find((c) => c.credentialsId === credentialsId)!.credentials) as AwsKey;
  const run = <T>(body: () => Promise<T>) => withWorkers(env, providers.clients({ iamEndpoint: aws.endpoint, stsEndpoint: aws.endpoint }), body);

  it('an unknown consumer still using the old key holds the rotation with the evidence; proceed is refused while a consumer holds the wrong key, then deactivates', async () => {
    const userName = 'evidence-unknown';
    const { oldKeyId } = await providers.seedUser(userName, 'evidence-set');
    const oldKey = setKey('evidence-set');
    const known = funnel(userName, 'evidence-set');
    const unknown = unknownConsumer(userName, oldKey);

    const { held, refused, proceeded } = await run(async () => {
      const handle = await startRotation(env.client, { source: { kind: 'aws-iam-access-key', userName, accountId: ACCOUNT }, consumers: [set('evidence-set')], recoveryWindowDays: 7, pickupGraceSeconds: 3, awaitUseSeconds: 600 });
      const held = await waitForPhase(env.client, handle.workflowId, 'awaiting-use', 120_000);
      const newKey = setKey('evidence-set');

      // someone puts the old key back into the set by hand: deactivating it now would cut the set's software off
      await providers.soracom().updateCredentials('evidence-set', { type: 'aws-credentials', credentials: oldKey });
      const refused = await proceedRotation(env.client, handle.workflowId, 'test-operator').then(
        () => undefined,
        (err: unknown) => err,
      );
      await providers.soracom().updateCredentials('evidence-set', { type: 'aws-credentials', credentials: newKey });

      const proceeded = await proceedRotation(env.client, handle.workflowId, 'test-operator');
      await new Promise((r) => setTimeout(r, 1_500)); // probes after the deactivation
      await deleteNow(env.client, handle.workflowId, oldKeyId);
      return { held, refused, proceeded };
    });

    // held, before any deactivation, saying what it saw: the old key used after the switch and the grace, where
    expect(held.problemType).toBe('OldCredentialStillUsed');
    expect(held.deactivatedAt).toBeNull();
    const use = held.use!;
    expect(Date.parse(use.old!.lastUsedAt!)).toBeGreaterThan(Date.parse(use.quietAfter));
    expect(use.old).toMatchObject({ service: 'sts', region: 'us-east-1' });
    expect(held.problem).toMatch(new RegExp(`the old credential ${oldKeyId} was used at .* \\(sts, us-east-1\\), after every known consumer held ${held.newCredentialId}`));
    expect(held.problem).toMatch(/rotator proceed .* --yes.*rotator abort/);

    expect(refused).toBeInstanceOf(ActionRefusedError);
    expect((refused as Error).message).toMatch(new RegExp(`proceed refused: .*soracom:evidence-set now holds ${oldKeyId}, not the new credential`));
    expect((refused as ActionRefusedError).status?.phase).toBe('awaiting-use');

    expect(proceeded.phase).toBe('pending-deletion');
    expect(proceeded.use?.decision).toMatchObject({ action: 'proceed', by: 'test-operator' });
    // the known consumer never failed; the unknown one worked until the operator chose to deactivate, then not
    expect(known.report.failures).toEqual([]);
    const deactivatedAt = Date.parse(proceeded.deactivatedAt!);
    expect(unknown.report.failures.filter((f) => f.at < deactivatedAt - 1_000)).toEqual([]);
    expect(unknown.report.failures.length).toBeGreaterThan(0);
    expect(unknown.report.failures.every((f) => f.accessKeyId === oldKeyId && /InvalidClientTokenId/.test(f.error))).toBe(true);
    expect(await providers.keysOf(userName)).toEqual([[proceeded.newCredentialId, 'Active']]);
  }, 240_000);

  it('evidence that arrives late, before the deadline: the rotation goes on by itself', async () => {
    const userName = 'evidence-late';
    const { oldKeyId } = await providers.seedUser(userName, 'late-set');
    const known = funnel(userName, 'late-set', { paused: true }); // Funnel idle: nothing uses either key yet

    const { waiting, parked } = await run(async () => {
      const handle = await startRotation(env.client, { source: { kind: 'aws-iam-access-key', userName, accountId: ACCOUNT }, consumers: [set('late-set')], recoveryWindowDays: 7, pickupGraceSeconds: 2, awaitUseSeconds: 600 });
      await waitForPhase(env.client, handle.workflowId, 'checking-use', 60_000);
      let waiting = await rotationStatus(env.client, handle.workflowId);
      while ((waiting.use?.checks ?? 0) < 2) {
        await new Promise((r) => setTimeout(r, 500));
        waiting = await rotationStatus(env.client, handle.workflowId);
      }
      known.resume();
      const parked = await waitForPhase(env.client, handle.workflowId, 'pending-deletion', 120_000);
      await deleteNow(env.client, handle.workflowId, oldKeyId);
      return { waiting, parked };
    });

    expect(waiting.phase).toBe('checking-use');
    expect(waiting.use?.waitingFor).toEqual([expect.stringMatching(new RegExp(`the new credential ${waiting.newCredentialId} to be used at or after .* \\(as the source or soracom:late-set reports it\\), so the records cover the quiet window after `))]);
    const use = parked.use!;
    expect(use.decision).toBeUndefined();
    expect(use.waitingFor).toEqual([]);
    expect(use.checks).toBeGreaterThanOrEqual(3);
    // seen both ways: IAM's record of the new key, and SORACOM's of the set
    expect(Date.parse(use.new!.lastUsedAt!)).toBeGreaterThan(Date.parse(use.quietAfter));
    expect(Date.parse(parked.consumers[0]!.lastUsedAt!)).toBeGreaterThan(Date.parse(use.quietAfter) - 1_000);
    expect(Date.parse(parked.deactivatedAt!)).toBeGreaterThan(Date.parse(use.new!.lastUsedAt!));
    expect(known.report.failures).toEqual([]);
    expect(known.report.probes).toBeGreaterThan(0);
  }, 240_000);

  it('abort: the consumer is put back, the new key deleted after the grace, and the old key never stopped working', async () => {
    const userName = 'evidence-abort';
    const { oldKeyId } = await providers.seedCsmsUser(userName, 'abort-aws');
    const current = () => JSON.parse(providers.csmsSandbox.currentValue(CSMS_PROJECT, 'abort-aws')!) as AwsKey;
    const known = startConsumer(current, aws.endpoint, arn(userName), { intervalMs: 100 });
    probes.push(known);
    const unknown = unknownConsumer(userName, current());

    const { held, aborted } = await run(async () => {
      const handle = await startRotation(env.client, {
        source: { kind: 'aws-iam-access-key', userName, accountId: ACCOUNT },
        consumers: [{ kind: 'csms-secret', secretName: 'abort-aws' }],
        recoveryWindowDays: 7,
        pickupGraceSeconds: 3,
        awaitUseSeconds: 600,
      });
      const held = await waitForPhase(env.client, handle.workflowId, 'awaiting-use', 120_000);
      const aborted = await abortRotation(env.client, handle.workflowId, 'test-operator');
      await new Promise((r) => setTimeout(r, 1_000));
      return { held, aborted };
    });

    expect(held.problemType).toBe('OldCredentialStillUsed');
    expect(aborted.phase).toBe('failed');
    expect(aborted.problemType).toBe('RotationAborted');
    expect(aborted.problem).toMatch(/^rotation aborted in awaiting-use: test-operator aborted it at .* \| compensation: .*deleted new credential/);
    expect(aborted.use?.decision).toMatchObject({ action: 'abort', by: 'test-operator' });
    // at the providers: the secret's previous version is current again, only the old key exists, and it is Active
    expect(providers.csmsHolding('abort-aws').current?.[1]).toBe(oldKeyId);
    expect(await providers.keysOf(userName)).toEqual([[oldKeyId, 'Active']]);
    expect(known.report.failures).toEqual([]);
    expect(known.report.keysSeen.size).toBe(2); // it did switch to the new key, and back
    expect(unknown.report.failures).toEqual([]);
  }, 240_000);
});
