/**
 * The production path, run for real: a self-hosted Temporal cluster on PostgreSQL, set up by the compose file's own
 * jobs (deploy/temporal/setup-schema.sh, setup-namespace.sh) and dynamic config, the server as four processes (frontend,
 * history, matching, worker), two `rotator worker` processes, and the `rotator` CLI as an operator runs it.
 * Every source kind (AWS IAM access key, Wallarm API token, SORACOM AuthKey) is rotated to pending-deletion, then
 * restored or deleted now; `list --phase` and the search attributes are answered by PostgreSQL visibility, read here
 * straight from its tables too. Outcomes are checked at the providers (moto and the emulators).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import type { Client } from '@temporalio/client';
import { DEMO_CODEC_KEYS } from '../../src/codec/key-ring';
import { rotationStatus } from '../../src/operations';
import { SoracomClient } from '../../src/providers/soracom/client';
import { CsmsClient } from '../../src/providers/csms/client';
import { startMoto, type MotoServer } from '../../sandbox/moto';
import { awaitServerBuild } from '../../sandbox/cluster/server-build';
import { startSoracomSandbox, type SoracomSandbox } from '../../sandbox/soracom/server';
import { startCsmsSandbox, type CsmsSandbox } from '../../sandbox/csms/server';
import { startWallarmSandbox, type WallarmSandbox } from '../../sandbox/wallarm/server';
import { companySeed, deployBot, rotator as wallarmRotator, sharedReader } from '../providers/wallarm-sandbox';
import { CLUSTER_NAMESPACE, startTestCluster, type TestCluster } from '../support/cluster';
import { testAwsCredentials } from '../support/moto';
import { freePort, withStartupRetries } from '../support/ports';
import { trackPid, untrackPid } from '../support/processes';

const run = promisify(execFile);
const rotatorBin = path.resolve(__dirname, '../../bin/rotator.js');

const ACCOUNT = '123456789012';
const OPERATOR = 'OP0000CLUST1';
const soracomAuth = { authKeyId: 'keyId-cluster-rotator', authKey: 'secret-cluster-rotator' };
const appKey = (n: number) => ({ authKeyId: `keyId-cluster-app-${n}`, authKey: `secret-cluster-app-${n}-0000` });
const CSMS_PROJECT = '0c1u2s3t4e5r6t7e8s9t0p0r0o0j0e01';
const csmsKey = { accessKey: 'HPUACLUSTERTESTAK001', secretKey: 'cluster-test-secret-key-0001' };

/** One rotation per row: how it is started from the CLI, and which operator action ends it. */
interface Case {
  kind: 'aws-iam-access-key' | 'wallarm-token' | 'soracom-auth-key';
  ends: 'restore' | 'delete-now';
  args: string[];
  rotationId: string;
  old: string;
}

describe('on a self-hosted Temporal cluster (PostgreSQL, four server processes, two workers)', () => {
  // npm test builds the server in the background while the rest of the suite runs (these tests run last)
  beforeAll(() => awaitServerBuild(), 46 * 60_000);
  let moto: MotoServer;
  let soracom: SoracomSandbox;
  let csms: CsmsSandbox;
  let wallarm: WallarmSandbox;
  let t: TestCluster;
  let client: Client;
  let iam: IAMClient;
  let passed = false;
  const cases: Case[] = [];
  const parked = new Map<string, { newCredentialId: string; deleteAt: string }>();

  /** `rotator …` in its own process, with only what an operator sets. */
  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TEMPORAL_ADDRESS: t.cluster.address, TEMPORAL_NAMESPACE: CLUSTER_NAMESPACE, ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS };
    try {
      const { stdout, stderr } = await run(process.execPath, [rotatorBin, ...args], { env, timeout: 90_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }
  const jsonLines = (stdout: string) => stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    moto = await withStartupRetries('moto_server', async () => startMoto({ port: await freePort() }));
    trackPid(moto.pid, 'moto_server (cluster)');
    soracom = await withStartupRetries('SORACOM sandbox', async () =>
      startSoracomSandbox({ port: await freePort(), operators: [{ operatorId: OPERATOR, users: [{ userName: 'rotator', authKeys: [soracomAuth] }, { userName: 'app-1', authKeys: [appKey(1)] }, { userName: 'app-2', authKeys: [appKey(2)] }] }] }),
    );
    csms = await withStartupRetries('CSMS sandbox', async () => startCsmsSandbox({ port: await freePort(), accounts: [{ credentials: [csmsKey], projects: [CSMS_PROJECT] }] }));
    // real time: the workers are processes of their own, on the machine's clock
    wallarm = await startWallarmSandbox({ clients: companySeed(Date.now()) });
    iam = new IAMClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: testAwsCredentials, maxAttempts: 1 });

    t = await startTestCluster('rotations');
    client = await t.client();
    await t.startWorkers({
      AWS_ENDPOINT_URL_IAM: moto.endpoint,
      AWS_ENDPOINT_URL_STS: moto.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: testAwsCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: testAwsCredentials.secretAccessKey,
      SORACOM_ENDPOINT: soracom.endpoint,
      SORACOM_AUTH_KEY_ID: soracomAuth.authKeyId,
      SORACOM_AUTH_KEY: soracomAuth.authKey,
      CLOUD_SDK_AK: csmsKey.accessKey,
      CLOUD_SDK_SK: csmsKey.secretKey,
      CSMS_ENDPOINT: csms.endpoint,
      CSMS_PROJECT_ID: CSMS_PROJECT,
      WALLARM_API_TOKEN: wallarmRotator.secret,
      WALLARM_API_HOST: wallarm.endpoint,
      WALLARM_CLOUD: 'us1',
      ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS,
    });
  }, 10 * 60_000);

  afterAll(async () => {
    await t?.stop(passed);
    await Promise.all([soracom?.stop(), csms?.stop(), wallarm?.stop()]);
    if (moto) {
      await moto.stop();
      untrackPid(moto.pid);
    }
    iam?.destroy();
  });

  it('was set up by the compose file\'s own jobs: both schemas, the namespace, the four search attributes; persistence and visibility are PostgreSQL', async () => {
    expect(t.cluster.jobOutput.schema).toMatch(/setup-schema: temporal is at the schema of v\d+\.\d+/);
    expect(t.cluster.jobOutput.schema).toMatch(/setup-schema: temporal_visibility is at the schema of v\d+\.\d+/);
    expect(t.cluster.jobOutput.namespace).toContain(`created namespace ${CLUSTER_NAMESPACE} (retention 720h)`);
    for (const name of ['RotationPhase', 'CredentialProvider', 'CredentialSubject', 'DeleteAt']) expect(t.cluster.jobOutput.namespace).toContain(`registered search attribute ${name}`);
    const info = await client.workflowService.getClusterInfo({});
    expect({ persistence: info.persistenceStore, visibility: info.visibilityStore, version: info.serverVersion }).toEqual({ persistence: 'postgres12', visibility: 'postgres12', version: t.cluster.serverVersion });
    // the schema versions the job wrote are the ones the server's own schema folder holds
    const versions = async () => ({
      temporal: (await t.cluster.postgres.query('temporal', 'select curr_version from schema_version')).trim(),
      visibility: (await t.cluster.postgres.query('temporal_visibility', 'select curr_version from schema_version')).trim(),
    });
    const before = await versions();
    expect(before).toEqual({ temporal: expect.stringMatching(/^\d+\.\d+$/), visibility: expect.stringMatching(/^\d+\.\d+$/) });
    expect(t.cluster.jobOutput.schema).toContain(`temporal is at the schema of v${before.temporal}`);
    expect(t.cluster.jobOutput.schema).toContain(`temporal_visibility is at the schema of v${before.visibility}`);
    // run again against the serving cluster (every `npm run stack` start does; an upgrade runs it first): it changes nothing
    const again = await t.cluster.runSchemaJob();
    expect(again).toContain(`temporal is at the schema of v${before.temporal}`);
    expect(again).toMatch(new RegExp(`found zero updates from current version ${before.temporal.replace('.', '\\.')}`));
    expect(await versions()).toEqual(before);
    await t.cluster.waitUntilServing();
  }, 5 * 60_000);

  it('rotates an AWS IAM key, a Wallarm token and a SORACOM AuthKey (two of each) to pending-deletion, started from the CLI', async () => {
    // ── seed: two IAM users (a SORACOM set, a CSMS secret), two Wallarm tokens in SORACOM sets, two SAM users in CSMS ──
    const soracomClient = new SoracomClient({ endpoint: soracom.endpoint, ...soracomAuth });
    const csmsClient = new CsmsClient({ endpoint: csms.endpoint, region: 'cn-north-4', projectId: CSMS_PROJECT, ...csmsKey });
    for (const [user, consumer] of [['cluster-funnel', 'soracom:cluster-funnel-aws'], ['cluster-app', 'csms:cluster-app-aws']] as const) {
      await iam.send(new CreateUserCommand({ UserName: user }));
      const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
      const credentials = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
      if (consumer.startsWith('soracom:')) await soracomClient.createCredentials('cluster-funnel-aws', { type: 'aws-credentials', credentials });
      else await csmsClient.createSecret('cluster-app-aws', JSON.stringify(credentials));
      cases.push({
        kind: 'aws-iam-access-key',
        ends: user === 'cluster-funnel' ? 'restore' : 'delete-now',
        args: ['rotate', 'aws-iam-key', '--user', user, '--account', ACCOUNT, '--consumer', consumer],
        rotationId: `aws-iam:${ACCOUNT}:${user}`,
        old: credentials.accessKeyId,
      });
    }
    for (const [token, ends] of [[deployBot, 'restore'], [sharedReader, 'delete-now']] as const) {
      const set = `cluster-wallarm-${token.tokenId}`;
      await soracomClient.createCredentials(set, { type: 'api-token-credentials', description: `Wallarm token [rotator: token ${token.tokenId}]`, credentials: { token: token.secret } });
      cases.push({ kind: 'wallarm-token', ends, args: ['rotate', 'wallarm-token', '--token-id', String(token.tokenId), '--cloud', 'us1', '--consumer', `soracom:${set}`], rotationId: `wallarm:us1:${token.tokenId}`, old: String(token.tokenId) });
    }
    for (const n of [1, 2]) {
      await csmsClient.createSecret(`cluster-soracom-app-${n}`, JSON.stringify(appKey(n)));
      cases.push({
        kind: 'soracom-auth-key',
        ends: n === 1 ? 'restore' : 'delete-now',
        args: ['rotate', 'soracom-auth-key', '--user', `app-${n}`, '--operator', OPERATOR, '--consumer', `csms:cluster-soracom-app-${n}`],
        rotationId: `soracom-auth-key:${OPERATOR}:app-${n}`,
        old: appKey(n).authKeyId,
      });
    }

    // ── start each from the CLI (it returns once preflight passed), then wait for the window ────────────────────────
    for (const c of cases) {
      const started = await cli(...c.args, '--recovery-window', '7d', '--pickup-grace', '0s', '--json');
      expect({ id: c.rotationId, code: started.code, stderr: started.code === 0 ? '' : started.stderr }).toEqual({ id: c.rotationId, code: 0, stderr: '' });
      expect(jsonLines(started.stdout)[0]).toMatchObject({ rotationId: c.rotationId });
    }
    for (const c of cases) {
      const deadline = Date.now() + 180_000;
      let status = await rotationStatus(client, c.rotationId);
      while (status.phase !== 'pending-deletion' && Date.now() < deadline) {
        expect([c.rotationId, status.phase]).not.toEqual([c.rotationId, expect.stringMatching(/^(failed|compensating|needs-attention)$/)]);
        await new Promise((r) => setTimeout(r, 500));
        status = await rotationStatus(client, c.rotationId);
      }
      expect({ id: c.rotationId, phase: status.phase, old: status.oldCredentialId }).toEqual({ id: c.rotationId, phase: 'pending-deletion', old: c.old });
      parked.set(c.rotationId, { newCredentialId: status.newCredentialId!, deleteAt: status.deleteAt! });
    }
    // both workers took part: activities ran under two identities (pid@host)
    const identities = new Set<string>();
    for (const c of cases) {
      for (const e of (await client.workflow.getHandle(c.rotationId).fetchHistory()).events ?? []) {
        const identity = e.activityTaskStartedEventAttributes?.identity ?? e.workflowTaskStartedEventAttributes?.identity;
        if (identity) identities.add(identity.split('@')[0]!);
      }
    }
    expect([...identities].sort()).toEqual(t.workers.map((w) => String(w.pid)).sort());
  }, 8 * 60_000);

  it('list --phase and the search attributes are answered by PostgreSQL visibility, which holds exactly what they say', async () => {
    const listed = await cli('list', '--phase', 'pending-deletion', '--json');
    expect(listed.code).toBe(0);
    const rows = jsonLines(listed.stdout);
    expect(rows.map((r) => r.rotationId).sort()).toEqual(cases.map((c) => c.rotationId).sort());
    for (const r of rows) expect(r.deleteAt).toBe(parked.get(r.rotationId as string)!.deleteAt);

    // the same rows, read from the visibility tables: the search attributes as PostgreSQL stores them
    const namespaceId = (await client.workflowService.describeNamespace({ namespace: CLUSTER_NAMESPACE })).namespaceInfo!.id!;
    const sql = `select workflow_id, search_attributes::text from executions_visibility where namespace_id = '${namespaceId}' and status = 1 order by workflow_id`;
    const stored = (await t.cluster.postgres.query('temporal_visibility', sql)).trim().split('\n').map((line) => line.split('\t')) as [string, string][];
    expect(stored.map(([id]) => id)).toEqual(cases.map((c) => c.rotationId).sort());
    for (const [id, attributes] of stored) {
      const values = Object.values(JSON.parse(attributes) as Record<string, unknown>).flat();
      const provider = id.split(':')[0] === 'aws-iam' ? 'aws-iam' : id.split(':')[0] === 'wallarm' ? 'wallarm' : 'soracom';
      expect({ id, values }).toEqual({ id, values: expect.arrayContaining(['pending-deletion', provider]) });
      // DeleteAt, a Datetime, is stored as a timestamp string of the same instant
      expect(values.some((v) => typeof v === 'string' && Date.parse(v) === Date.parse(parked.get(id)!.deleteAt))).toBe(true);
    }

    // typed queries on each attribute, as the UI and `list` send them
    const ids = async (query: string) => {
      const out: string[] = [];
      for await (const wf of client.workflow.list({ query })) out.push(wf.workflowId);
      return out.sort();
    };
    expect(await ids(`RotationPhase = 'pending-deletion' AND CredentialProvider = 'wallarm'`)).toEqual(cases.filter((c) => c.kind === 'wallarm-token').map((c) => c.rotationId).sort());
    expect(await ids(`CredentialSubject = 'arn:aws:iam::${ACCOUNT}:user/cluster-funnel'`)).toEqual([`aws-iam:${ACCOUNT}:cluster-funnel`]);
    const in6days = new Date(Date.now() + 6 * 86_400_000).toISOString();
    expect(await ids(`DeleteAt > '${in6days}' AND ExecutionStatus = 'Running'`)).toEqual(cases.map((c) => c.rotationId).sort());
    expect((await client.workflow.count(`RotationPhase = 'pending-deletion'`)).count).toBe(cases.length);
  }, 5 * 60_000);

  it('restore and delete-now from the CLI end each kind as the providers show', async () => {
    for (const c of cases) {
      const result = c.ends === 'restore' ? await cli('restore', c.rotationId, '--json') : await cli('delete-now', c.rotationId, '--yes', '--json');
      expect({ id: c.rotationId, code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ id: c.rotationId, code: 0, stderr: '' });
      expect(JSON.parse(result.stdout)).toMatchObject({ rotationId: c.rotationId, phase: c.ends === 'restore' ? 'restored' : 'completed' });
    }
    const newOf = (c: Case) => parked.get(c.rotationId)!.newCredentialId;
    for (const c of cases) {
      if (c.kind === 'aws-iam-access-key') {
        const user = c.rotationId.split(':')[2]!;
        const keys = ((await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId!, k.Status!]).sort();
        const expected = c.ends === 'restore' ? [[c.old, 'Active'], [newOf(c), 'Active']] : [[newOf(c), 'Active']];
        expect({ user, keys }).toEqual({ user, keys: expected.sort() });
      } else if (c.kind === 'wallarm-token') {
        const token = wallarm.token(Number(c.old));
        expect({ id: c.rotationId, old: token ? token.enabled : 'deleted', new: wallarm.token(Number(newOf(c)))?.enabled }).toEqual({ id: c.rotationId, old: c.ends === 'restore' ? true : 'deleted', new: true });
      } else {
        const user = c.rotationId.split(':')[2]!;
        const keys = soracom.authKeysOf(OPERATOR, user).map((k) => k.authKeyId).sort();
        expect({ user, keys }).toEqual({ user, keys: (c.ends === 'restore' ? [c.old, newOf(c)] : [newOf(c)]).sort() });
      }
    }
    const listed = jsonLines((await cli('list', '--json')).stdout);
    expect(Object.fromEntries(listed.map((r) => [r.rotationId, r.phase]))).toEqual(Object.fromEntries(cases.map((c) => [c.rotationId, c.ends === 'restore' ? 'restored' : 'completed'])));
    passed = true;
  }, 8 * 60_000);
});
