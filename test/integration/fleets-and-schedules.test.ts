/**
 * Rotation on its own, through the CLI on a dev server (Temporal's time-skipping server has no Schedules), with moto
 * behind the fault-injection proxy (moto creates every key "now"; the proxy makes IAM report chosen keys as older) and
 * the SORACOM sandbox. A fleet of 150+ IAM users across plan pages: the plan names exactly the users due and why the
 * others are not, changes nothing, and the run does what the plan said (continuing as new on the way). A schedule runs
 * one credential's rotation, skips a run while it is in progress, and runs it again once it ended.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, ListAccessKeysCommand, TagUserCommand } from '@aws-sdk/client-iam';
import { CreateAccountCommand as CreateOrganizationAccountCommand, CreateOrganizationCommand, ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEMO_CODEC_KEYS } from '../../src/codec/key-ring';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { waitForPhase } from '../support/phases';
import { ACCOUNT, testAwsCredentials, useProviders, withWorkers } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';

const run = promisify(execFile);
const rotatorBin = path.resolve(__dirname, '../../bin/rotator.js');
const DAY_MS = 24 * 60 * 60 * 1000;

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

interface Decision {
  rotationId: string;
  keyAgeDays: number | null;
  action: 'rotate' | 'skip';
  reason: string;
}

describe('fleets and schedules through the CLI', () => {
  const providers = useProviders();
  let iamProxy: FaultProxy;
  beforeEach(async () => {
    iamProxy = await startFaultProxy({ upstream: providers.moto.server.endpoint, flavor: 'aws' });
    iamProxy.pageListUsers();
  });
  afterEach(async () => {
    await iamProxy.stop();
  });

  async function rotator(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const childEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: 'default',
      AWS_ENDPOINT_URL_IAM: iamProxy.endpoint,
      AWS_ENDPOINT_URL_STS: providers.moto.server.endpoint,
      AWS_ENDPOINT_URL_ORGANIZATIONS: providers.moto.server.endpoint,
      AWS_ACCESS_KEY_ID: testAwsCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: testAwsCredentials.secretAccessKey,
      AWS_REGION: 'us-east-1',
      ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS,
    };
    try {
      const { stdout, stderr } = await run(process.execPath, [rotatorBin, ...args], { env: childEnv, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }
  const jsonLines = <T>(stdout: string): T[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
  const clients = () => providers.clients({ iamEndpoint: iamProxy.endpoint });
  /** A webhook receiver for the fleet run's summary (signatures are verified in test/workflow/notifications.test.ts). */
  async function receiver(): Promise<{ url: string; bodies: Record<string, unknown>[]; close(): Promise<void> }> {
    const bodies: Record<string, unknown>[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, bodies, close: () => new Promise((r) => server.close(() => r())) };
  }

  /** An IAM user under `path` with one Active key created `ageDays` ago (as IAM reports it), its tags, and a set per consumer. */
  async function seed(user: string, { path: userPath = '/fleet/', ageDays = 0, consumers = true, tags = {} as Record<string, string>, extraKey = false } = {}): Promise<string> {
    const iam = providers.moto.iam();
    await iam.send(new CreateUserCommand({ UserName: user, Path: userPath }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
    if (extraKey) await providers.addKey(user, 'Inactive');
    iamProxy.backdateKey(AccessKey!.AccessKeyId!, new Date(Date.now() - ageDays * DAY_MS));
    const all = { ...(consumers ? { 'rotator:consumers': `soracom:${user}-set` } : {}), ...tags };
    if (Object.keys(all).length > 0) await iam.send(new TagUserCommand({ UserName: user, Tags: Object.entries(all).map(([Key, Value]) => ({ Key, Value })) }));
    if (consumers) await providers.addSet(`${user}-set`, AccessKey!.AccessKeyId!);
    return AccessKey!.AccessKeyId!;
  }

  /** Everything the providers hold: users with their keys and tags (moto's dump), and every SORACOM set. */
  async function providerState(): Promise<string> {
    const dump = (await (await fetch(`${providers.moto.server.endpoint}/moto-api/data.json`)).json()) as { iam: Record<string, unknown> };
    return JSON.stringify({ iam: dump.iam, sets: providers.setsHolding() });
  }

  it('a fleet of 150+ users across pages: the plan changes nothing, and the run does exactly what it said', async () => {
    const expected = new Map<string, string>();
    const id = (user: string) => `aws-iam:${ACCOUNT}:${user}`;
    for (let i = 0; i < 78; i++) {
      await seed(`old-${i}`, { ageDays: 120 });
      expected.set(id(`old-${i}`), 'rotate');
    }
    for (let i = 0; i < 50; i++) {
      await seed(`young-${i}`, { ageDays: 30 });
      expected.set(id(`young-${i}`), 'skip:younger');
    }
    for (let i = 0; i < 10; i++) {
      const ended = i % 2 === 1;
      await seed(`exempt-${i}`, { ageDays: 200, tags: { 'rotator:exempt': ended ? 'vendor contract until 2026-01-31' : 'vendor contract' } });
      expected.set(id(`exempt-${i}`), ended ? 'rotate' : 'skip:exempt');
    }
    for (let i = 0; i < 10; i++) {
      await seed(`untagged-${i}`, { ageDays: 120, consumers: false });
      expected.set(id(`untagged-${i}`), 'skip:no consumers');
    }
    await seed('two-keys', { ageDays: 120, extraKey: true });
    expected.set(id('two-keys'), 'skip:two keys');
    await seed('busy', { ageDays: 120 });
    expected.set(id('busy'), 'skip:in progress');
    for (let i = 0; i < 3; i++) await seed(`elsewhere-${i}`, { path: '/other/', ageDays: 400 });
    expect(expected.size).toBeGreaterThanOrEqual(150);

    const hook = await receiver();
    const workerEnv = { ROTATOR_NOTIFY_TARGETS: JSON.stringify({ fleet: { type: 'webhook', url: hook.url, signingKey: 'k'.repeat(32) } }) };
    await withWorkers(env, clients(), async () => {
      // a rotation already running for one of them
      const busy = await rotator('rotate', 'aws-iam-key', '--user', 'busy', '--account', ACCOUNT, '--consumer', 'soracom:busy-set', '--recovery-window', '7d', '--pickup-grace', '0s', '--wait', 'pending-deletion', '--json');
      expect(busy.code).toBe(0);

      const before = await providerState();
      const planned = await rotator('plan', 'aws-iam-keys', '--account', ACCOUNT, '--path-prefix', '/fleet/', '--max-age', '90d', '--json');
      expect(planned.code).toBe(0);
      expect(await providerState()).toBe(before); // a plan writes nothing anywhere
      const plan = jsonLines<Decision>(planned.stdout);
      expect(plan).toHaveLength(expected.size); // every user under /fleet/ across both pages, none elsewhere
      for (const d of plan) {
        const want = expected.get(d.rotationId)!;
        if (want === 'rotate') expect({ id: d.rotationId, action: d.action }).toEqual({ id: d.rotationId, action: 'rotate' });
        else expect({ id: d.rotationId, action: d.action, reason: d.reason }).toEqual({ id: d.rotationId, action: 'skip', reason: expect.stringContaining(want.slice(5)) });
      }
      expect(plan.find((d) => d.rotationId === id('young-0'))).toMatchObject({ keyAgeDays: 30, reason: expect.stringMatching(/30 days old, younger than 90/) });
      // "what is due next month?": 70 days on, the 30-day keys are due too
      const later = jsonLines<Decision>((await rotator('plan', 'aws-iam-keys', '--account', ACCOUNT, '--path-prefix', '/fleet/', '--as-of', new Date(Date.now() + 70 * DAY_MS).toISOString().slice(0, 10), '--json')).stdout);
      expect(later.find((d) => d.rotationId === id('young-0'))).toMatchObject({ action: 'rotate' });

      const done = await rotator('fleet', 'aws-iam-keys', '--account', ACCOUNT, '--path-prefix', '/fleet/', '--recovery-window', '7d', '--pickup-grace', '0s', '--concurrency', '10', '--pages-per-generation', '1', '--notify', 'fleet', '--wait', '--json');
      expect(done.code).toBe(0);
      const report = jsonLines<{ counts: Record<string, number>; rotated: { rotationId: string }[]; skipped: { rotationId: string; reason: string }[]; failed: unknown[]; generations: number }>(done.stdout).at(-1)!;
      const toRotate = plan.filter((d) => d.action === 'rotate').map((d) => d.rotationId).sort();
      expect(report.rotated.map((r) => r.rotationId).sort()).toEqual(toRotate); // the run did what the plan said
      expect(report.failed).toEqual([]);
      expect(Object.fromEntries(report.skipped.map((s) => [s.rotationId, s.reason]))).toEqual(Object.fromEntries(plan.filter((d) => d.action === 'skip').map((d) => [d.rotationId, d.reason])));
      expect(report.generations).toBeGreaterThanOrEqual(1); // continued as new between the pages
      expect(iamProxy.callsTo({ action: 'ListUsers' }).filter((c) => c.status === 200).length).toBeGreaterThanOrEqual(2 * 3); // two pages, each read by two plans and the run
      // at the providers: each rotated user has its new key in its set and the old one Inactive; the others are untouched
      for (const rotationId of toRotate) {
        const user = rotationId.split(':')[2]!;
        const keys = await providers.keysOf(user);
        expect(keys.map(([, status]) => status).sort()).toEqual(['Active', 'Inactive']);
        expect(providers.setsHolding()[`${user}-set`]).toBe(keys.find(([, s]) => s === 'Active')![0]);
      }
      expect((await providers.keysOf('young-0')).length).toBe(1);
      expect((await providers.keysOf('elsewhere-0')).length).toBe(1);
      // the run told its summary once, with the counts it reported
      expect(hook.bodies.map((b) => [b.type, b.counts])).toEqual([['fleet.summary', report.counts]]);
    }, { workerEnv });
    await hook.close();
  }, 360_000);

  it('an organisation of three accounts: each swept through the role assumed in it, each rotation done in its own account', async () => {
    const endpoint = providers.moto.server.endpoint;
    const base = { region: 'us-east-1', endpoint, credentials: testAwsCredentials };
    const org = new OrganizationsClient(base);
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    for (const name of ['payments', 'analytics']) await org.send(new CreateOrganizationAccountCommand({ Email: `${name}@example.com`, AccountName: name }));
    const accounts = ((await org.send(new ListAccountsCommand({}))).Accounts ?? []).map((a) => a.Id!).sort();
    expect(accounts).toHaveLength(3);
    /** IAM in an account, as the rotator reaches it: its own, or through the role a member account grants. */
    const iamIn = async (account: string) => {
      if (account === ACCOUNT) return providers.moto.iam();
      const { Credentials: c } = await new STSClient(base).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/OrganizationAccountAccessRole`, RoleSessionName: 'test-seed' }));
      return new IAMClient({ ...base, credentials: { accessKeyId: c!.AccessKeyId!, secretAccessKey: c!.SecretAccessKey!, sessionToken: c!.SessionToken! } });
    };
    const oldKeys = new Map<string, string>();
    for (const account of accounts) {
      const iam = await iamIn(account);
      for (const user of [`due-${account}`, `fresh-${account}`]) {
        await iam.send(new CreateUserCommand({ UserName: user, Path: '/fleet/' }));
        const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
        iamProxy.backdateKey(AccessKey!.AccessKeyId!, new Date(Date.now() - (user.startsWith('due') ? 120 : 5) * DAY_MS));
        await iam.send(new TagUserCommand({ UserName: user, Tags: [{ Key: 'rotator:consumers', Value: `soracom:${user}-set` }] }));
        await providers.addSet(`${user}-set`, AccessKey!.AccessKeyId!);
        oldKeys.set(user, AccessKey!.AccessKeyId!);
      }
    }
    const sweep = ['--account', ACCOUNT, '--organization', '--account-role', 'OrganizationAccountAccessRole', '--path-prefix', '/fleet/'];
    await withWorkers(env, clients(), async () => {
      const plan = jsonLines<Decision>((await rotator('plan', 'aws-iam-keys', ...sweep, '--json')).stdout);
      expect(plan.filter((d) => d.action === 'rotate').map((d) => d.rotationId).sort()).toEqual(accounts.map((a) => `aws-iam:${a}:due-${a}`).sort());
      expect(plan.filter((d) => d.action === 'skip')).toHaveLength(3);
      const done = await rotator('fleet', 'aws-iam-keys', ...sweep, '--recovery-window', '7d', '--pickup-grace', '0s', '--wait', '--json');
      expect(done.code).toBe(0);
      const report = jsonLines<{ fleetId: string; rotated: { rotationId: string }[]; failed: unknown[] }>(done.stdout).at(-1)!;
      expect(report.fleetId).toBe(`fleet:aws-iam-keys:organization:${ACCOUNT}:/fleet/`);
      expect(report.failed).toEqual([]);
      expect(report.rotated.map((r) => r.rotationId).sort()).toEqual(accounts.map((a) => `aws-iam:${a}:due-${a}`).sort());
    });
    // at the providers, in each account: the due user's old key Inactive beside a new one in its set; the fresh user untouched
    for (const account of accounts) {
      const iam = await iamIn(account);
      const keysOf = async (user: string) => ((await iam.send(new ListAccessKeysCommand({ UserName: user }))).AccessKeyMetadata ?? []).map((k) => [k.AccessKeyId!, k.Status!]);
      const due = await keysOf(`due-${account}`);
      expect(due).toContainEqual([oldKeys.get(`due-${account}`), 'Inactive']);
      expect(providers.setsHolding()[`due-${account}-set`]).toBe(due.find(([, s]) => s === 'Active')![0]);
      expect(await keysOf(`fresh-${account}`)).toEqual([[oldKeys.get(`fresh-${account}`), 'Active']]);
    }
  });

  it('a schedule runs the rotation, skips a run while it is in progress, and runs it again once it ended', async () => {
    const oldKey = await seed('scheduled', { ageDays: 10 });
    await withWorkers(env, clients(), async () => {
      const refused = await rotator('schedule', 'create', 'too-often', '--every', '5h', 'rotate', 'aws-iam-key', '--user', 'scheduled', '--account', ACCOUNT, '--consumer', 'soracom:scheduled-set');
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/must be a period from 6h to 8760h/);

      const created = await rotator('schedule', 'create', 'scheduled-key', '--every', '2160h', '--note', 'CIS 90 days', 'rotate', 'aws-iam-key', '--user', 'scheduled', '--account', ACCOUNT, '--consumer', 'soracom:scheduled-set', '--recovery-window', '7d', '--pickup-grace', '0s');
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(/runs +rotation aws-iam:\d+:scheduled/);
      const rotationId = `aws-iam:${ACCOUNT}:scheduled`;
      const describe = async () => JSON.parse((await rotator('schedule', 'describe', 'scheduled-key', '--json')).stdout) as { everyHours: number; nextRunAt: string; recentRuns: { outcome: string }[]; paused: boolean; note: string };
      const runsUntil = async (n: number) => {
        for (let i = 0; ; i++) {
          const view = await describe();
          if (view.recentRuns.length >= n && view.recentRuns.every((r) => r.outcome !== 'running')) return view;
          if (i > 300) throw new Error(`schedule never made ${n} runs: ${JSON.stringify(view)}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      };
      const first = await describe();
      expect(first).toMatchObject({ everyHours: 2160, paused: false, note: 'CIS 90 days' });
      expect(Date.parse(first.nextRunAt) - Date.now()).toBeGreaterThan(89 * DAY_MS);

      expect((await rotator('schedule', 'trigger', 'scheduled-key')).code).toBe(0);
      expect((await runsUntil(1)).recentRuns[0]!.outcome).toBe(`started ${rotationId}`);
      await waitForPhase(env.client, rotationId, 'pending-deletion');
      expect((await rotator('schedule', 'trigger', 'scheduled-key')).code).toBe(0);
      expect((await runsUntil(2)).recentRuns[1]!.outcome).toBe(`skipped ${rotationId}: a rotation of it is in progress`);

      expect((await rotator('delete-now', rotationId, '--yes')).code).toBe(0);
      expect((await rotator('schedule', 'trigger', 'scheduled-key')).code).toBe(0);
      expect((await runsUntil(3)).recentRuns[2]!.outcome).toBe(`started ${rotationId}`);
      const second = await waitForPhase(env.client, rotationId, 'pending-deletion');
      expect(second.oldCredentialId).not.toBe(oldKey); // the second run rotated the key the first one made

      const listed = jsonLines<{ name: string; what: string }>((await rotator('schedule', 'list', '--json')).stdout);
      expect(listed).toContainEqual(expect.objectContaining({ name: 'scheduled-key', what: `rotation ${rotationId}` }));
      const listText = await rotator('schedule', 'list');
      expect(listText.stdout).toMatch(new RegExp(`^schedule +scheduled-key\\nruns +rotation ${rotationId}$`, "m"));
      process.stderr.write(`rotator schedule list\n${listText.stdout}\n`);
      expect(JSON.parse((await rotator('schedule', 'pause', 'scheduled-key', '--note', 'freeze', '--json')).stdout)).toMatchObject({ paused: true, note: 'freeze' });
      expect(JSON.parse((await rotator('schedule', 'update', 'scheduled-key', '--every', '90d', '--json')).stdout)).toMatchObject({ everyHours: 2160 });
      expect((await rotator('schedule', 'delete', 'scheduled-key')).code).toBe(0);
      expect((await rotator('schedule', 'describe', 'scheduled-key')).code).toBe(2);
      expect((await rotator('delete-now', rotationId, '--yes')).code).toBe(0);
    });
  });
});
