/**
 * The worker guards its own scope: rotations started straight through a Temporal client (no CLI in between) that name a
 * file, an IAM user, a SORACOM set or a CSMS secret outside it fail in preflight as OutOfScope, and nothing changes at
 * any provider. A workflow that skips preflight and calls the write activities itself is refused the same way. On the
 * time-skipping server, against moto, the SORACOM and CSMS sandboxes and real files.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { NewCredential } from '../../src/activities/source';
import { startRotation } from '../../src/operations';
import { SoracomClient } from '../../src/providers/soracom/client';
import type { ConsumerSpec, RotationRequestInput, RotationStatus, SourceSpec } from '../../src/rotation/model';
import type { ProviderClients } from '../../src/worker';
import type { WorkerScope } from '../../src/worker-scope';
import { failedStatus } from '../support/phases';
import { ACCOUNT, CSMS_PROJECT, soracomAuth, useProviders, withWorkers } from '../support/rotation-env';
import { createTimeSkippingEnv, testDataConverter, workflowBundle } from '../support/temporal';
import type { ActivityCall, CallOutcome } from '../support/workflows/skips-planning';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

// one Temporal server for the file: each test rotates users of its own (rotation ids never collide)
let serial = 0;
beforeEach(() => {
  serial++;
});
const name = (what: string) => `${what}-${serial}`;

const soracomSet = (credentialsId: string, mode: 'update' | 'versioned' = 'update'): ConsumerSpec => ({ kind: 'soracom-credentials-set', credentialsId, mode });
const csmsSecret = (secretName: string): ConsumerSpec => ({ kind: 'csms-secret', secretName });
const fileConsumer = (file: string): ConsumerSpec => ({ kind: 'file', path: file });
const iamSource = (userName: string): SourceSpec => ({ kind: 'aws-iam-access-key', userName, accountId: ACCOUNT });
const request = (userName: string, consumers: ConsumerSpec[]): RotationRequestInput => ({ source: iamSource(userName), consumers, recoveryWindowDays: 7, pickupGraceSeconds: 0 });

/** A tree of real directories: `allowed/` is in the scope; `allowed/to-outside` is a link to `outside/`, which is not. */
function fileTree() {
  const root = realpathSync(mkdtempSync(path.join(tmpdir(), 'worker-scope-wf-')));
  const allowed = path.join(root, 'allowed');
  const outside = path.join(root, 'outside');
  mkdirSync(allowed);
  mkdirSync(outside);
  symlinkSync(outside, path.join(allowed, 'to-outside'));
  return { root, allowed, outside };
}

/** What a directory holds, file by file: proof that nothing was written or left beside a file. */
function contentsOf(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => [entry.name, readFileSync(path.join(dir, entry.name), 'utf8')]),
  );
}

describe('a worker refuses rotations outside its scope in preflight, changing nothing', () => {
  const providers = useProviders();
  const tree = fileTree();
  const scope: WorkerScope = { fileDirs: [tree.allowed], iamPathPrefixes: ['/service/'], soracomSets: ['funnel-*', 'harvest-20250101'], csmsSecrets: ['app-*'] };

  /** An IAM user at `iamPath` with one Active key (IAM's answer, not its name, decides where it sits). */
  async function seedIamUser(userName: string, iamPath: string): Promise<{ oldKeyId: string; secretAccessKey: string }> {
    const iam = providers.moto.iam();
    await iam.send(new CreateUserCommand({ UserName: userName, Path: iamPath }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    return { oldKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
  }

  /** Everything a refused rotation could have changed: the user's keys, every set, the secret's stages, the files. */
  async function providerState(userName: string, secretName?: string) {
    return {
      keys: await providers.keysOf(userName),
      sets: providers.setsHolding(),
      secret: secretName === undefined ? null : providers.csmsHolding(secretName),
      allowed: contentsOf(tree.allowed),
      outside: contentsOf(tree.outside),
      root: contentsOf(tree.root),
    };
  }

  /** Runs the rotation on a worker with `clients`, expects it to fail in preflight as OutOfScope, and nothing to change. */
  async function refused(req: RotationRequestInput, options: { secretName?: string; clients?: ProviderClients } = {}): Promise<RotationStatus> {
    const userName = (req.source as { userName: string }).userName;
    const before = await providerState(userName, options.secretName);
    expect(before.keys).toHaveLength(1);
    const status = await withWorkers(env, options.clients ?? providers.clients({ scope }), async () => failedStatus(env.client, await startRotation(env.client, req)));
    expect(status.problemType).toBe('OutOfScope');
    expect(status.timeline.map((t) => t.phase)).toEqual(['preflight', 'failed']);
    expect(status.newCredentialId).toBeNull();
    expect(status.problem).toMatch(/No change was made\.$/);
    // at the providers: exactly the one old Active key, every set, the secret and every file as they were
    expect(await providerState(userName, options.secretName)).toEqual(before);
    expect(before.keys.map(([, keyStatus]) => keyStatus)).toEqual(['Active']);
    return status;
  }

  it('an IAM user whose path, as IAM reports it, is outside ROTATOR_ALLOW_IAM_PATH_PREFIXES (whatever its name says)', async () => {
    const userName = name('service-writer');
    const { oldKeyId, secretAccessKey } = await seedIamUser(userName, '/legacy/');
    await providers.soracom().createCredentials(name('funnel'), { type: 'aws-credentials', credentials: { accessKeyId: oldKeyId, secretAccessKey } });
    const status = await refused(request(userName, [soracomSet(name('funnel'))]));
    expect(status.problem).toMatch(
      new RegExp(`IAM user '${userName}' has the path /legacy/, outside this worker's scope: ROTATOR_ALLOW_IAM_PATH_PREFIXES allows /service/\\. .*add a prefix of /legacy/ to ROTATOR_ALLOW_IAM_PATH_PREFIXES`),
    );
    expect(providers.setsHolding()).toEqual({ [name('funnel')]: oldKeyId });
  });

  it('a SORACOM set outside ROTATOR_ALLOW_SORACOM_SETS', async () => {
    const userName = name('writer');
    const { oldKeyId, secretAccessKey } = await seedIamUser(userName, '/service/');
    await providers.soracom().createCredentials(name('billing'), { type: 'aws-credentials', credentials: { accessKeyId: oldKeyId, secretAccessKey } });
    const status = await refused(request(userName, [soracomSet(name('billing'))]));
    expect(status.problem).toMatch(new RegExp(`SORACOM credentials set '${name('billing')}' is outside this worker's scope: ROTATOR_ALLOW_SORACOM_SETS allows funnel-\\*, harvest-20250101\\.`));
    expect(providers.setsHolding()).toEqual({ [name('billing')]: oldKeyId });
  });

  it('a CSMS secret outside ROTATOR_ALLOW_CSMS_SECRETS', async () => {
    const userName = name('writer');
    const { oldKeyId, secretAccessKey } = await seedIamUser(userName, '/service/');
    await providers.addCsmsSecret(name('payroll'), JSON.stringify({ accessKeyId: oldKeyId, secretAccessKey }));
    const status = await refused(request(userName, [csmsSecret(name('payroll'))]), { secretName: name('payroll') });
    expect(status.problem).toMatch(new RegExp(`CSMS secret '${name('payroll')}' is outside this worker's scope: ROTATOR_ALLOW_CSMS_SECRETS allows app-\\*\\.`));
    expect(providers.csmsHolding(name('payroll'))).toEqual({ current: ['v1', oldKeyId] });
  });

  it('a file outside ROTATOR_FILE_DIRS, and one reached through a link inside them that points outside', async () => {
    const userName = name('writer');
    const { oldKeyId, secretAccessKey } = await seedIamUser(userName, '/service/');
    const keyJson = JSON.stringify({ accessKeyId: oldKeyId, secretAccessKey });
    const outsideFile = path.join(tree.outside, `${name('key')}.json`);
    writeFileSync(outsideFile, keyJson, { mode: 0o600 });

    const direct = await refused(request(userName, [fileConsumer(outsideFile)]));
    expect(direct.problem).toMatch(new RegExp(`file:${outsideFile} is outside the directories this worker may write: ROTATOR_FILE_DIRS allows ${tree.allowed}\\.`));
    const throughLink = path.join(tree.allowed, 'to-outside', `${name('key')}.json`);
    const linked = await refused(request(userName, [fileConsumer(throughLink)]));
    expect(linked.problem).toContain(`file:${throughLink} (it resolves to ${outsideFile}) is outside the directories this worker may write`);
    expect(readFileSync(outsideFile, 'utf8')).toBe(keyJson);
    expect(existsSync(`${outsideFile}.previous`)).toBe(false);
  });

  it('a `..` out of an allowed directory is refused before the workflow reaches any provider', async () => {
    // the request schema refuses `..` already; the activities resolve it too (see the workflow that skips planning below)
    const userName = name('writer');
    const { oldKeyId, secretAccessKey } = await seedIamUser(userName, '/service/');
    const outsideFile = path.join(tree.outside, `${name('key')}.json`);
    writeFileSync(outsideFile, JSON.stringify({ accessKeyId: oldKeyId, secretAccessKey }), { mode: 0o600 });
    const before = await providerState(userName);
    const handle = await env.client.workflow.start('rotateCredential', {
      taskQueue: 'rotations',
      workflowId: `aws-iam:${ACCOUNT}:${userName}`,
      args: [request(userName, [fileConsumer(`${tree.allowed}/../outside/${name('key')}.json`)])],
    });
    const failure = await withWorkers(env, providers.clients({ scope }), () => handle.result().then(() => null, (err: unknown) => err));
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toMatchObject({ type: 'InvalidRotationRequest', message: expect.stringMatching(/file path must be a normalised path/) });
    expect(await providerState(userName)).toEqual(before);
  });

  it('without ROTATOR_FILE_DIRS, any file but the worker\'s own SORACOM_AUTH_KEY_FILE; with neither, every file, saying how to allow one', async () => {
    const userName = name('writer');
    const { oldKeyId, secretAccessKey } = await seedIamUser(userName, '/service/');
    const besideOwn = path.join(tree.allowed, `${name('app-key')}.json`);
    writeFileSync(besideOwn, JSON.stringify({ accessKeyId: oldKeyId, secretAccessKey }), { mode: 0o600 });
    const ownKeyFile = path.join(tree.allowed, `${name('soracom-auth-key')}.json`);
    writeFileSync(ownKeyFile, JSON.stringify(soracomAuth), { mode: 0o600 });
    const defaults = providers.clients({ scope: {} });

    const withKeyFile = { ...defaults, soracom: new SoracomClient({ endpoint: providers.sandbox.endpoint, ...soracomAuth, authKeyFile: ownKeyFile }) };
    const notOwn = await refused(request(userName, [fileConsumer(besideOwn)]), { clients: withKeyFile });
    expect(notOwn.problem).toContain(`file:${besideOwn} is not this worker's own SORACOM key file (SORACOM_AUTH_KEY_FILE ${ownKeyFile}), the only file it may write while ROTATOR_FILE_DIRS is unset`);

    const noFile = await refused(request(userName, [fileConsumer(besideOwn)]), { clients: defaults });
    expect(noFile.problem).toContain(
      `file:${besideOwn} cannot be written: this worker may write no file, as neither ROTATOR_FILE_DIRS nor SORACOM_AUTH_KEY_FILE is set. To allow it, set ROTATOR_FILE_DIRS to its directory`,
    );
    expect(JSON.parse(readFileSync(ownKeyFile, 'utf8'))).toEqual(soracomAuth);
  });

  it('an allowed request still completes: a /service/ user into a SORACOM set, a versioned set, a CSMS secret and a file', async () => {
    const userName = name('writer');
    const { oldKeyId, secretAccessKey } = await seedIamUser(userName, '/service/team-a/');
    const oldKey = { accessKeyId: oldKeyId, secretAccessKey };
    await providers.soracom().createCredentials(name('funnel'), { type: 'aws-credentials', credentials: oldKey });
    // named exactly in the allowlist: the dated set the rotation creates beside it is in scope with it
    await providers.soracom().createCredentials('harvest-20250101', { type: 'aws-credentials', credentials: oldKey });
    await providers.addCsmsSecret(name('app'), JSON.stringify(oldKey));
    mkdirSync(path.join(tree.allowed, name('nested')));
    const file = path.join(tree.allowed, name('nested'), 'aws-key.json');
    writeFileSync(file, JSON.stringify(oldKey), { mode: 0o600 });

    const done = await withWorkers(env, providers.clients({ scope }), async () =>
      (await startRotation(env.client, request(userName, [soracomSet(name('funnel')), soracomSet('harvest-20250101', 'versioned'), csmsSecret(name('app')), fileConsumer(file)]))).result(),
    );
    expect(done.phase).toBe('completed');
    const newId = done.newCredentialId!;
    const newSet = done.consumers[1]!.credentialsId;
    expect(newSet).toMatch(/^harvest-\d{8}$/);
    expect(await providers.keysOf(userName)).toEqual([[newId, 'Active']]);
    expect(providers.setsHolding()).toEqual({ [name('funnel')]: newId, [newSet]: newId });
    expect(providers.csmsHolding(name('app'))).toEqual({ current: ['v2', newId], previous: ['v1', oldKeyId] });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ accessKeyId: newId });
  });
});

describe('a workflow that skips preflight cannot make the worker write outside its scope', () => {
  const providers = useProviders();
  const tree = fileTree();
  const scope: WorkerScope = { fileDirs: [tree.allowed], iamPathPrefixes: ['/service/'], soracomSets: ['funnel-*'], csmsSecrets: ['app-*'] };
  const intruderCredential: NewCredential = { id: 'AKIAINTRUDERINTRUDER', createdAt: '2026-01-01T00:00:00.000Z', secret: { secretAccessKey: 'i'.repeat(40) } };

  /** Calls each activity from a workflow of another task queue, on a worker beside the rotator's, and reports how each ended. */
  async function callDirectly(calls: [string, ActivityCall][]): Promise<CallOutcome[]> {
    const taskQueue = `skips-planning-${serial}`;
    const intruder = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      dataConverter: testDataConverter,
      workflowBundle: await workflowBundle(require.resolve('../support/workflows/skips-planning')),
    });
    return await withWorkers(env, providers.clients({ scope }), () =>
      intruder.runUntil(async () => {
        const outcomes: CallOutcome[] = [];
        for (const [i, [queue, call]] of calls.entries()) {
          outcomes.push(await env.client.workflow.execute('callRotatorActivity', { taskQueue, workflowId: `skips-planning-${serial}-${i}`, args: [{ taskQueue: queue, call }] }));
        }
        return outcomes;
      }),
    );
  }

  it('writes to files (`..` and links resolved), SORACOM sets, CSMS secrets and IAM users outside it are refused, and nothing changes', async () => {
    const iam = providers.moto.iam();
    const userName = name('legacy-writer');
    await iam.send(new CreateUserCommand({ UserName: userName, Path: '/legacy/' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    const oldKey = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
    await providers.soracom().createCredentials(name('billing'), { type: 'aws-credentials', credentials: oldKey });
    await providers.soracom().createCredentials(name('funnel'), { type: 'aws-credentials', credentials: oldKey });
    await providers.addCsmsSecret(name('payroll'), JSON.stringify(oldKey));
    writeFileSync(path.join(tree.outside, 'key.json'), JSON.stringify(oldKey), { mode: 0o600 });
    // lexically `allowed/key.json`; physically `root/key.json`, since `..` is taken after the link
    writeFileSync(path.join(tree.root, 'key.json'), JSON.stringify(oldKey), { mode: 0o600 });
    const before = {
      keys: await providers.keysOf(userName),
      sets: providers.setsHolding(),
      payroll: providers.csmsHolding(name('payroll')),
      outside: contentsOf(tree.outside),
      root: contentsOf(tree.root),
      allowed: contentsOf(tree.allowed),
    };
    const source = iamSource(userName);
    const put = (consumer: ConsumerSpec, targetCredentialsId: string): ActivityCall => ({ activity: 'putCredential', input: { consumer, source, targetCredentialsId, credential: intruderCredential } });
    const calls: [string, ActivityCall, RegExp][] = [
      ['provider-file', put(fileConsumer(`${tree.allowed}/../outside/key.json`), ''), /resolves to .*\/outside\/key\.json\) is outside the directories this worker may write/],
      ['provider-file', put(fileConsumer(`${tree.allowed}/to-outside/../key.json`), ''), new RegExp(`resolves to ${tree.root}/key\\.json\\) is outside the directories`)],
      ['provider-file', put(fileConsumer(path.join(tree.allowed, 'to-outside', 'key.json')), ''), /resolves to .*\/outside\/key\.json\) is outside the directories/],
      [
        'provider-file',
        { activity: 'rollBackConsumer', input: { consumer: fileConsumer(`${tree.allowed}/../outside/key.json`), credentialsId: '', restorePoint: { holds: oldKey.accessKeyId }, newCredentialId: oldKey.accessKeyId } },
        /resolves to .*\/outside\/key\.json\) is outside the directories/,
      ],
      ['provider-file', { activity: 'readConsumer', input: { consumer: fileConsumer(path.join(tree.outside, 'key.json')), credentialsId: '' } }, /outside\/key\.json is outside the directories/],
      ['provider-soracom', put(soracomSet(name('billing')), name('billing')), /SORACOM credentials set 'billing-\d+' is outside this worker's scope/],
      // an allowed set named, another one written
      ['provider-soracom', put(soracomSet(name('funnel')), name('billing')), /SORACOM credentials set 'billing-\d+' is outside this worker's scope/],
      ['provider-soracom', { activity: 'readConsumer', input: { consumer: soracomSet(name('billing')), credentialsId: name('billing') } }, /'billing-\d+' is outside/],
      ['provider-soracom', { activity: 'removeCredentialsSet', input: { consumer: soracomSet(name('billing')), credentialsId: name('billing') } }, /'billing-\d+' is outside/],
      ['provider-csms', put(csmsSecret(name('payroll')), name('payroll')), /CSMS secret 'payroll-\d+' is outside this worker's scope/],
      [
        'provider-csms',
        { activity: 'rollBackConsumer', input: { consumer: csmsSecret(name('payroll')), credentialsId: name('payroll'), restorePoint: { SYSCURRENT: 'v0' }, newCredentialId: oldKey.accessKeyId } },
        /CSMS secret 'payroll-\d+' is outside/,
      ],
      ['provider-csms', { activity: 'readConsumer', input: { consumer: csmsSecret(name('payroll')), credentialsId: name('payroll') } }, /CSMS secret 'payroll-\d+' is outside/],
      ['provider-csms', { activity: 'removeCredentialsSet', input: { consumer: csmsSecret(name('payroll')), credentialsId: name('payroll') } }, /CSMS secret 'payroll-\d+' is outside/],
      ['provider-aws-iam', { activity: 'createCredential', input: { source, knownIds: [oldKey.accessKeyId], notBefore: '2026-01-01T00:00:00.000Z' } }, /has the path \/legacy\/, outside this worker's scope/],
      ['provider-aws-iam', { activity: 'retireCredential', input: { source, credentialId: oldKey.accessKeyId } }, /has the path \/legacy\/, outside/],
      ['provider-aws-iam', { activity: 'reinstateCredential', input: { source, credentialId: oldKey.accessKeyId } }, /has the path \/legacy\/, outside/],
      ['provider-aws-iam', { activity: 'destroyCredential', input: { source, credentialId: oldKey.accessKeyId } }, /has the path \/legacy\/, outside/],
    ];
    const outcomes = await callDirectly(calls.map(([queue, call]) => [queue, call]));
    for (const [i, outcome] of outcomes.entries()) {
      expect({ call: i, ...outcome }).toEqual({ call: i, outcome: 'failed', type: 'OutOfScope', message: expect.stringMatching(calls[i]![2]) });
    }
    // at the providers: the user's one Active key, both sets, the secret (not scheduled for deletion) and every file as they were
    expect({
      keys: await providers.keysOf(userName),
      sets: providers.setsHolding(),
      payroll: providers.csmsHolding(name('payroll')),
      outside: contentsOf(tree.outside),
      root: contentsOf(tree.root),
      allowed: contentsOf(tree.allowed),
    }).toEqual(before);
    expect(before.keys).toEqual([[oldKey.accessKeyId, 'Active']]);
    expect(providers.csmsSandbox.secret(CSMS_PROJECT, name('payroll'))?.state).toBe('ENABLED');
  });
});
