/**
 * The Wallarm-token and SORACOM-AuthKey fleets through the CLI on a dev server, as an operator runs them: a plan of
 * mixed cases that writes nothing at any provider (state compared, and only reads sent), a run that does exactly
 * what the plan said, and a schedule of each fleet that carries its consumer map (the file is gone when it runs).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ClientSeed } from '../../sandbox/wallarm/server';
import { DEMO_CODEC_KEYS } from '../../src/codec/key-ring';
import { analyst, CLIENT_ID, rotator } from '../providers/wallarm-sandbox';
import { CSMS_PROJECT, OPERATOR, soracomAuth, useProviders, withWorkers } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';
import { useWallarmProviders } from '../support/wallarm-env';

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
  subject: string;
  keyAgeDays: number | null;
  action: 'rotate' | 'skip';
  reason: string;
}
interface Report {
  fleetId: string;
  counts: Record<string, number>;
  rotated: { rotationId: string }[];
  skipped: { rotationId: string; reason: string }[];
  failed: unknown[];
}

async function rotatorCli(cliEnv: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'default', ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS, ...cliEnv };
  try {
    const { stdout, stderr } = await run(process.execPath, [rotatorBin, ...args], { env: childEnv, timeout: 300_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const jsonLines = <T>(stdout: string): T[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
const skipsOf = (plan: Decision[]) => Object.fromEntries(plan.filter((d) => d.action === 'skip').map((d) => [d.rotationId, d.reason]));

/** Runs of a schedule once `n` have ended, as `schedule describe --json` shows them. */
async function scheduleRuns(cli: (...args: string[]) => ReturnType<typeof rotatorCli>, name: string, n: number): Promise<{ what: string; recentRuns: { outcome: string }[] }> {
  for (let i = 0; ; i++) {
    const view = JSON.parse((await cli('schedule', 'describe', name, '--json')).stdout) as { what: string; recentRuns: { outcome: string }[] };
    if (view.recentRuns.length >= n && view.recentRuns.every((r) => r.outcome !== 'running')) return view;
    if (i > 600) throw new Error(`schedule ${name} never made ${n} runs: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('plan and fleet: bad input exits 2 before contacting anything', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fleet-input-'));
  const setForAuthKey = path.join(dir, 'set.json');
  writeFileSync(setForAuthKey, JSON.stringify({ uploader: ['soracom:funnel-aws'] }));
  it.each([
    [['plan', 'wallarm-tokens'], /wallarm-tokens needs --consumer-map <file>/],
    [['fleet', 'wallarm-tokens', '--consumer-map', path.join(dir, 'missing.json')], /--consumer-map \S+missing\.json: no such file/],
    [['plan', 'wallarm-tokens', '--consumer-map', setForAuthKey, '--expiring-within', '2w'], /use whole days or hours/],
    [['plan', 'soracom-auth-keys', '--operator', 'OP0012345678'], /soracom-auth-keys needs --consumer-map <file>: .*SAM users have no tags/],
    [['plan', 'soracom-auth-keys', '--operator', 'OP0012345678', '--consumer-map', setForAuthKey], /SAM user "uploader": 'soracom:funnel-aws': a SORACOM credentials set cannot hold a SORACOM AuthKey/],
    [['fleet', 'soracom-auth-keys', '--operator', 'OP0012345678', '--consumer-map', setForAuthKey, '--max-age', '0d'], /--max-age '0d' must be whole days/],
  ])('%p', async (args, message) => {
    const closed = '127.0.0.1:9';
    const result = await rotatorCli({ TEMPORAL_ADDRESS: closed, WALLARM_API_TOKEN: 'some-token-value-0000', WALLARM_API_HOST: `http://${closed}`, SORACOM_ENDPOINT: `http://${closed}/v1` }, ...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('plan and fleet wallarm-tokens', () => {
  /** One company: the rotator (admin) with tokens in every case a plan meets; an analyst with a personal token. */
  const seed = (now: number, off: number): ClientSeed[] => {
    const iso = (ms: number) => new Date(ms).toISOString();
    const token = (id: number, realname: string, expiresInDays: number | null, more: { enabled?: boolean; shared?: boolean } = {}) => ({
      id: id + off,
      realname,
      permissions: ['deploy'],
      secret: `${realname}-token-${id + off}-0123456789abcdef0123456789`,
      createdAt: iso(now - 85 * DAY_MS),
      expireAt: expiresInDays === null ? null : iso(now + expiresInDays * DAY_MS),
      ...more,
    });
    return [
      {
        clientId: CLIENT_ID,
        users: [
          {
            id: rotator.userId,
            email: 'rotator@example.com',
            role: 'admin',
            tokens: [
              { id: rotator.tokenId + off, realname: 'credential-rotator', permissions: ['admin'], secret: rotator.secret },
              token(10, 'deploy-bot', 5),
              token(11, 'shared-reader', 80, { shared: true }),
              token(12, 'reporting', 3),
              token(13, 'orphan-bot', 2),
              token(14, 'paused-bot', 4, { enabled: false }),
              token(15, 'twin', 4),
              token(16, 'twin', 6),
              token(17, 'busy', 6),
            ],
          },
          { id: analyst.userId, email: 'analyst@example.com', role: 'analytic', tokens: [{ ...token(analyst.tokenId, 'analyst-personal', 3), secret: analyst.secret }] },
        ],
      },
    ];
  };
  const p = useWallarmProviders(() => env, { seed });
  const mapDir = () => mkdtempSync(path.join(tmpdir(), 'wallarm-fleet-'));
  const consumerMap = {
    'deploy-bot': ['soracom:wallarm-deploy'],
    reporting: ['soracom:wallarm-reporting'],
    busy: ['soracom:wallarm-busy'],
    'shared-reader': ['soracom:wallarm-shared'],
    'paused-bot': ['soracom:wallarm-paused'],
    twin: ['soracom:wallarm-twin'],
    'analyst-personal': ['soracom:wallarm-analyst'],
  };
  const cli = (...args: string[]) => rotatorCli({ WALLARM_API_TOKEN: rotator.secret, WALLARM_CLOUD: 'us1', WALLARM_API_HOST: p.wallarm.endpoint }, ...args);
  const secretOf = (id: number) => p.secretOf(id);
  const named = (realname: string) => p.wallarm.tokensOf(CLIENT_ID).filter((t) => t.realname === realname);
  /** The sets of the tokens a run may rotate, each holding its token as the rotator records it. */
  const addSets = async (...names: (keyof typeof consumerMap)[]) => {
    for (const name of names) await p.addTokenSet(consumerMap[name][0]!.slice('soracom:'.length), named(name)[0]!.id, await secretOf(named(name)[0]!.id));
  };

  it('the plan says why each token is left alone and changes nothing; the run rotates exactly the tokens it named', async () => {
    const id = (n: number) => `wallarm:us1:${p.id(n)}`;
    await addSets('deploy-bot', 'reporting', 'busy');
    const map = path.join(mapDir(), 'consumers.json');
    writeFileSync(map, JSON.stringify(consumerMap));

    await withWorkers(env, p.clients(), async () => {
      // a rotation running for one of them: its token disabled in its window, a new token of its name beside it
      const busy = await cli('rotate', 'wallarm-token', '--token-id', String(p.id(17)), '--consumer', 'soracom:wallarm-busy', '--recovery-window', '7d', '--pickup-grace', '0s', '--wait', 'pending-deletion', '--json');
      expect(busy.code).toBe(0);
      const busyNew = named('busy').find((t) => t.id !== p.id(17))!;

      const state = () => JSON.stringify({ tokens: p.wallarm.tokensOf(CLIENT_ID), sets: p.sets() });
      const before = state();
      const sentBefore = p.wallarm.exchanges().length;
      const planned = await cli('plan', 'wallarm-tokens', '--consumer-map', map, '--json');
      expect(planned.code).toBe(0);
      expect(state()).toBe(before); // a plan writes nothing anywhere
      expect(new Set(p.wallarm.exchanges().slice(sentBefore).map((e) => `${e.method} ${e.path}`))).toEqual(new Set(['GET /v2/api_tokens', 'POST /v1/user']));
      const plan = jsonLines<Decision>(planned.stdout);
      expect(Object.fromEntries(plan.map((d) => [d.rotationId, d.action === 'rotate' ? `rotate: ${d.reason}` : d.reason]))).toEqual({
        [id(1)]: 'no expiry: never due by expiry',
        [id(analyst.tokenId)]: `another user's personal token (user ${analyst.userId}): only its owner can read a new token's value`,
        [id(10)]: expect.stringMatching(/^rotate: expires in 4 days \(\d{4}-\d\d-\d\d\), within 7 days$/),
        [id(11)]: expect.stringMatching(/^not due: expires in 79 days \(\d{4}-\d\d-\d\d\), not within 7 days$/),
        [id(12)]: expect.stringMatching(/^rotate: expires in 2 days/),
        [id(13)]: "no entry for 'orphan-bot' in the consumer map",
        [id(14)]: 'disabled (Wallarm deletes a disabled token a week after disabling it)',
        [id(15)]: `two tokens named 'twin' already (${p.id(15)} enabled, ${p.id(16)} enabled): finish or undo the rotation that left the second one`,
        [id(16)]: `two tokens named 'twin' already (${p.id(15)} enabled, ${p.id(16)} enabled): finish or undo the rotation that left the second one`,
        [id(17)]: 'a rotation of it is in progress',
        [`wallarm:us1:${busyNew.id}`]: `two tokens named 'busy' already (${p.id(17)} disabled, ${busyNew.id} enabled): finish or undo the rotation that left the second one`,
      });
      expect(plan.find((d) => d.rotationId === id(10))).toMatchObject({ subject: `wallarm:us1:client/${CLIENT_ID}/api-token/deploy-bot`, keyAgeDays: 85 });
      // the same plan as text: a line per token, and what it comes to
      const text = await cli('plan', 'wallarm-tokens', '--consumer-map', map);
      process.stderr.write(`rotator plan wallarm-tokens --consumer-map ${map}\n${text.stdout}\n`);
      expect(text.stdout).toMatch(new RegExp(`^rotate\\s+${id(10)}\\s+85d\\s+expires in 4 days`, 'm'));
      expect(text.stdout).toMatch(/^2 to rotate, 9 to skip, as of now; nothing was changed$/m);
      // "what is due then?": 75 days on, the shared token expiring in 80 days is
      const later = jsonLines<Decision>((await cli('plan', 'wallarm-tokens', '--consumer-map', map, '--as-of', new Date(Date.now() + 75 * DAY_MS).toISOString(), '--json')).stdout);
      expect(later.find((d) => d.rotationId === id(11))).toMatchObject({ action: 'rotate' });

      const done = await cli('fleet', 'wallarm-tokens', '--consumer-map', map, '--recovery-window', '7d', '--pickup-grace', '0s', '--wait', '--json');
      expect(done.code).toBe(0);
      const report = jsonLines<Report>(done.stdout).at(-1)!;
      expect(report.fleetId).toBe('fleet:wallarm-tokens:us1');
      expect(report.failed).toEqual([]);
      expect(report.rotated.map((r) => r.rotationId).sort()).toEqual(plan.filter((d) => d.action === 'rotate').map((d) => d.rotationId).sort());
      expect(Object.fromEntries(report.skipped.map((s) => [s.rotationId, s.reason]))).toEqual(skipsOf(plan));
    });
    // at the providers: each rotated token's set holds a new token of its name, the old one disabled (a 7-day window)
    for (const name of ['deploy-bot', 'reporting'] as const) {
      const [old, fresh] = [named(name).find((t) => t.id < 1000)!, named(name).find((t) => t.id >= 1000)!];
      expect(old.enabled).toBe(false);
      expect(fresh).toMatchObject({ enabled: true, permissions: ['deploy'] });
      expect(p.sets()[consumerMap[name][0]!.slice('soracom:'.length)]!.token).toBe(fresh.secret);
    }
    expect(named('twin').map((t) => t.enabled)).toEqual([true, true]);
    expect(named('orphan-bot')).toHaveLength(1);
    expect(named('shared-reader')).toHaveLength(1);
  });

  it('a schedule runs the fleet with the consumer map it was created with, and its describe shows each run\'s counts', async () => {
    await addSets('deploy-bot', 'reporting', 'busy');
    const dir = mapDir();
    const map = path.join(dir, 'consumers.json');
    writeFileSync(map, JSON.stringify(consumerMap));
    await withWorkers(env, p.clients(), async () => {
      const created = await cli('schedule', 'create', 'wallarm-expiring', '--every', '24h', 'fleet', 'wallarm-tokens', '--consumer-map', map, '--recovery-window', '7d', '--pickup-grace', '0s');
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(/runs +fleet wallarm-tokens of Wallarm us1 \(tokens expiring within 7 days\)/);
      rmSync(dir, { recursive: true }); // the schedule keeps the map: the file is read when the schedule is made

      expect((await cli('schedule', 'trigger', 'wallarm-expiring')).code).toBe(0);
      expect((await scheduleRuns(cli, 'wallarm-expiring', 1)).recentRuns[0]!.outcome).toBe('fleet: 3 rotated, 7 skipped, 0 failed');
      // the next run finds the three rotating (and their new namesakes): nothing to do
      expect((await cli('schedule', 'trigger', 'wallarm-expiring')).code).toBe(0);
      expect((await scheduleRuns(cli, 'wallarm-expiring', 2)).recentRuns[1]!.outcome).toBe('fleet: 0 rotated, 13 skipped, 0 failed');
      const listed = jsonLines<{ name: string; what: string; everyHours: number }>((await cli('schedule', 'list', '--json')).stdout);
      expect(listed).toContainEqual(expect.objectContaining({ name: 'wallarm-expiring', everyHours: 24, what: 'fleet wallarm-tokens of Wallarm us1 (tokens expiring within 7 days)' }));
      expect((await cli('schedule', 'delete', 'wallarm-expiring')).code).toBe(0);
    });
    expect(p.sets()['wallarm-deploy']!.token).toBe(named('deploy-bot').find((t) => t.enabled)!.secret);
    expect(named('deploy-bot').find((t) => t.enabled)!.id).not.toBe(p.id(10));
  });
});

describe('plan and fleet soracom-auth-keys', () => {
  const DAY_S = 24 * 60 * 60;
  const nowS = () => Math.floor(Date.now() / 1000);
  /** A SAM user whose keys are as old as given (days), each `keyId-<user>-<n>`. */
  const user = (userName: string, ...ageDays: number[]) => ({
    userName,
    authKeys: ageDays.map((age, n) => ({ authKeyId: `keyId-${userName}-${n}`, authKey: `secret-${userName}-${n}-0123456789`, createDateTime: nowS() - age * DAY_S })),
  });
  const providers = useProviders({
    soracomSandbox: {
      operators: [
        {
          operatorId: OPERATOR,
          users: [{ userName: 'rotator', authKeys: [soracomAuth] }, user('uploader', 120), user('reporter', 100), user('fresh', 30), user('unmapped', 200), user('doubled', 120, 3), user('keyless'), user('busy', 120), user('nightly', 95)],
        },
      ],
    },
  });
  const cli = (...args: string[]) => rotatorCli({ SORACOM_ENDPOINT: providers.sandbox.endpoint, SORACOM_AUTH_KEY_ID: soracomAuth.authKeyId, SORACOM_AUTH_KEY: soracomAuth.authKey }, ...args);
  const keysOf = (userName: string) => providers.sandbox.authKeysOf(OPERATOR, userName).map((k) => k.authKeyId).sort();
  /** A file consumer holding the user's current key, as the software using it reads it. */
  const keyFile = (dir: string, userName: string) => {
    const file = path.join(dir, `${userName}.json`);
    const [key] = providers.sandbox.authKeysOf(OPERATOR, userName);
    writeFileSync(file, JSON.stringify({ authKeyId: key!.authKeyId, authKey: key!.authKey }), { mode: 0o600 });
    return file;
  };
  const heldBy = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { authKeyId: string }).authKeyId;
  const csmsHolds = (secretName: string) => (JSON.parse(providers.csmsSandbox.currentValue(CSMS_PROJECT, secretName)!) as { authKeyId: string }).authKeyId;

  it('the plan says why each SAM user is left alone and changes nothing; the run rotates exactly the users it named', async () => {
    const id = (u: string) => `soracom-auth-key:${OPERATOR}:${u}`;
    const dir = mkdtempSync(path.join(tmpdir(), 'soracom-fleet-'));
    const files = { uploader: keyFile(dir, 'uploader'), busy: keyFile(dir, 'busy') };
    const [reporterKey] = providers.sandbox.authKeysOf(OPERATOR, 'reporter');
    await providers.addCsmsSecret('reporter-authkey', JSON.stringify({ authKeyId: reporterKey!.authKeyId, authKey: reporterKey!.authKey }));
    const map = path.join(dir, 'consumers.json');
    const elsewhere = (u: string) => [`file:${path.join(dir, `${u}.json`)}`];
    writeFileSync(map, JSON.stringify({ uploader: [`file:${files.uploader}`], reporter: ['csms:reporter-authkey'], busy: [`file:${files.busy}`], fresh: elsewhere('fresh'), doubled: elsewhere('doubled'), keyless: elsewhere('keyless') }));

    await withWorkers(env, providers.clients(), async () => {
      const busy = await cli('rotate', 'soracom-auth-key', '--user', 'busy', '--consumer', `file:${files.busy}`, '--recovery-window', '7d', '--pickup-grace', '0s', '--wait', 'pending-deletion', '--json');
      expect(busy.code).toBe(0);

      const users = ['rotator', 'uploader', 'reporter', 'fresh', 'unmapped', 'doubled', 'keyless', 'busy', 'nightly'];
      // what each provider holds (a login's lastUsedDateTime aside: reading needs one)
      const state = () =>
        JSON.stringify({
          keys: users.map((u) => providers.sandbox.authKeysOf(OPERATOR, u).map(({ authKeyId, authKey, createDateTime }) => ({ authKeyId, authKey, createDateTime }))),
          files: Object.values(files).map((f) => readFileSync(f, 'utf8')),
          csms: providers.csmsSandbox.secret(CSMS_PROJECT, 'reporter-authkey'),
        });
      const before = state();
      const sentBefore = providers.sandbox.exchanges().length;
      const planned = await cli('plan', 'soracom-auth-keys', '--consumer-map', map, '--json');
      expect(planned.code).toBe(0);
      expect(state()).toBe(before);
      expect(new Set(providers.sandbox.exchanges().slice(sentBefore).map((e) => `${e.method} ${e.path}`))).toEqual(new Set(['POST /auth', `GET /operators/${OPERATOR}/users`]));
      const plan = jsonLines<Decision>(planned.stdout);
      expect(Object.fromEntries(plan.map((d) => [d.rotationId, d.action === 'rotate' ? `rotate: ${d.reason}` : d.reason]))).toEqual({
        [id('busy')]: 'a rotation of it is in progress',
        [id('doubled')]: expect.stringMatching(/^two AuthKeys already \(keyId-doubled-0 created \S+, keyId-doubled-1 created \S+\): finish the rotation that left the second one, or delete the one no longer used$/),
        [id('fresh')]: 'AuthKey keyId-fresh-0 is 30 days old, younger than 90',
        [id('keyless')]: 'no AuthKey to rotate',
        [id('nightly')]: "no entry for SAM user 'nightly' in the consumer map (SAM users have no tags)",
        [id('reporter')]: 'rotate: AuthKey keyId-reporter-0 is 100 days old, 90 at most',
        [id('rotator')]: `AuthKey ${soracomAuth.authKeyId} is 0 days old, younger than 90`,
        [id('unmapped')]: "no entry for SAM user 'unmapped' in the consumer map (SAM users have no tags)",
        [id('uploader')]: 'rotate: AuthKey keyId-uploader-0 is 120 days old, 90 at most',
      });
      expect(plan.map((d) => d.rotationId)).toEqual([...plan.map((d) => d.rotationId)].sort()); // by user name
      expect(plan.find((d) => d.rotationId === id('uploader'))).toMatchObject({ subject: `soracom:${OPERATOR}:user/uploader`, keyAgeDays: 120 });
      // "what is due next quarter?": 70 days on, the 30-day key is due too
      const later = jsonLines<Decision>((await cli('plan', 'soracom-auth-keys', '--consumer-map', map, '--as-of', new Date(Date.now() + 70 * DAY_MS).toISOString(), '--json')).stdout);
      expect(later.find((d) => d.rotationId === id('fresh'))).toMatchObject({ action: 'rotate', keyAgeDays: 100 });

      const done = await cli('fleet', 'soracom-auth-keys', '--consumer-map', map, '--max-age', '90d', '--recovery-window', '7d', '--pickup-grace', '0s', '--wait', '--json');
      expect(done.code).toBe(0);
      const report = jsonLines<Report>(done.stdout).at(-1)!;
      expect(report.fleetId).toBe(`fleet:soracom-auth-keys:${OPERATOR}`);
      expect(report.failed).toEqual([]);
      expect(report.rotated.map((r) => r.rotationId).sort()).toEqual([id('reporter'), id('uploader')]);
      expect(Object.fromEntries(report.skipped.map((s) => [s.rotationId, s.reason]))).toEqual(skipsOf(plan));
    });
    // at the providers: the old key still there (SORACOM cannot disable one) beside a new one that each consumer holds
    for (const [userName, held] of [['uploader', heldBy(files.uploader)], ['reporter', csmsHolds('reporter-authkey')]] as const) {
      const keys = keysOf(userName);
      expect(keys).toHaveLength(2);
      expect(keys).toContain(`keyId-${userName}-0`);
      expect(keys).toContain(held);
      expect(held).not.toBe(`keyId-${userName}-0`);
    }
    expect(keysOf('fresh')).toEqual(['keyId-fresh-0']);
    expect(keysOf('unmapped')).toEqual(['keyId-unmapped-0']);
  });

  it('a schedule runs the fleet with the consumer map it was created with, and its describe shows each run\'s counts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'soracom-fleet-'));
    const nightly = keyFile(dir, 'nightly');
    const map = path.join(dir, 'consumers.json');
    writeFileSync(map, JSON.stringify({ nightly: [`file:${nightly}`] }));
    await withWorkers(env, providers.clients(), async () => {
      const created = await cli('schedule', 'create', 'soracom-keys', '--every', '24h', 'fleet', 'soracom-auth-keys', '--consumer-map', map, '--max-age', '90d', '--recovery-window', '7d', '--pickup-grace', '0s');
      expect(created.code).toBe(0);
      expect(created.stdout).toMatch(new RegExp(`runs +fleet soracom-auth-keys of SORACOM ${OPERATOR} \\(SAM users' AuthKeys 90\\+ days old\\)`));
      rmSync(map); // the schedule keeps the map

      expect((await cli('schedule', 'trigger', 'soracom-keys')).code).toBe(0);
      expect((await scheduleRuns(cli, 'soracom-keys', 1)).recentRuns[0]!.outcome).toBe('fleet: 1 rotated, 8 skipped, 0 failed');
      expect((await cli('schedule', 'delete', 'soracom-keys')).code).toBe(0);
    });
    expect(keysOf('nightly')).toContain(heldBy(nightly));
    expect(heldBy(nightly)).not.toBe('keyId-nightly-0');
  });
});
