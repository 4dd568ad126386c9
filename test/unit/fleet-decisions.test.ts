/**
 * The pure decisions of the Wallarm-token and SORACOM-AuthKey fleets: which credential is due and the reason each other
 * one is left alone, paging, the requests a run would start, the consumer maps, and the fleets' ids.
 */
import { describeFleet, duration, fleetIdFor, type SoracomAuthKeysFleetSelection, type WallarmTokensFleetSelection } from '../../src/rotation/fleet';
import { RotationRequest } from '../../src/rotation/model';
import { decideSamUser, planSamUsersPage, SAM_USERS_PER_PAGE } from '../../src/providers/soracom/fleet';
import { parseSamUserConsumerMap } from '../../src/providers/soracom/fleet-cli';
import { decideToken, planTokensPage, TOKENS_PER_PAGE } from '../../src/providers/wallarm/fleet';
import type { ApiToken } from '../../src/providers/wallarm/inferred';
import { tokensExpiringWithin } from '../../src/providers/wallarm/token-selection';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 5, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const none = new Set<string>();

describe('wallarm-tokens: one decision per token', () => {
  const me = { id: 42 };
  const selection: WallarmTokensFleetSelection = {
    kind: 'wallarm-tokens',
    cloud: 'us1',
    expiringWithinMs: 7 * DAY_MS,
    consumerMap: { 'deploy-bot': [{ kind: 'soracom-credentials-set', credentialsId: 'wallarm-deploy', mode: 'update' }] },
  };
  const token = (id: number, over: Partial<ApiToken> = {}): ApiToken => ({
    id,
    client_id: 7,
    user_id: 42,
    realname: 'deploy-bot',
    enabled: true,
    expire_at: iso(NOW + 5 * DAY_MS),
    permissions: ['deploy'],
    shared: false,
    created_at: iso(NOW - 85 * DAY_MS),
    ...over,
  });
  const decide = (t: ApiToken, all: ApiToken[] = [t], rotating: ReadonlySet<string> = none, s = selection) => decideToken(t, all, me, s, NOW, rotating);

  it('rotates a token of the map expiring within the period, with the request a run starts', () => {
    const d = decide(token(10));
    expect(d).toMatchObject({ rotationId: 'wallarm:us1:10', subject: 'wallarm:us1:client/7/api-token/deploy-bot', keyAgeDays: 85, action: 'rotate', reason: 'expires in 5 days (2026-06-06), within 7 days' });
    expect(RotationRequest.parse(d.request)).toMatchObject({
      source: { kind: 'wallarm-api-token', cloud: 'us1', tokenId: 10 },
      consumers: [{ credentialsId: 'wallarm-deploy' }],
      recoveryWindowDays: 7, // the Wallarm source's default, not the request's 30
      pickupGraceSeconds: 30,
    });
    expect(decide(token(10), undefined, undefined, { ...selection, recoveryWindowDays: 14, pickupGraceSeconds: 0, lifetimeDays: 90 }).request).toMatchObject({
      source: { lifetimeDays: 90 },
      recoveryWindowDays: 14,
      pickupGraceSeconds: 0,
    });
  });

  it.each([
    ['in progress', token(10), undefined, new Set(['wallarm:us1:10']), 'a rotation of it is in progress'],
    ['disabled', token(10, { enabled: false }), undefined, none, 'disabled (Wallarm deletes a disabled token a week after disabling it)'],
    ["another user's personal", token(10, { user_id: 43 }), undefined, none, "another user's personal token (user 43): only its owner can read a new token's value"],
    ['two of the name', token(10), [token(10), token(11, { enabled: false })], none, "two tokens named 'deploy-bot' already (10 enabled, 11 disabled): finish or undo the rotation that left the second one"],
    ['no expiry', token(10, { expire_at: null }), undefined, none, 'no expiry: never due by expiry'],
    ['expired', token(10, { expire_at: iso(NOW - DAY_MS) }), undefined, none, 'expired 2026-05-31: it no longer authenticates, so there is nothing to rotate'],
    ['expired (which disables it)', token(10, { enabled: false, expire_at: iso(NOW - DAY_MS) }), undefined, none, /^expired 2026-05-31/],
    ['not due', token(10, { expire_at: iso(NOW + 80 * DAY_MS) }), undefined, none, 'not due: expires in 80 days (2026-08-20), not within 7 days'],
    ['not in the map', token(10, { realname: 'reporting' }), undefined, none, "no entry for 'reporting' in the consumer map"],
  ])('skips a token %s, saying why', (_what, t, all, rotating, reason) => {
    expect(decide(t, all ?? [t], rotating)).toMatchObject({ action: 'skip', reason: typeof reason === 'string' ? reason : expect.stringMatching(reason) });
    expect(decide(t, all ?? [t], rotating).request).toBeUndefined();
  });

  it('a shared token of another user is rotated; hours are said as hours', () => {
    expect(decide(token(10, { user_id: 43, shared: true, expire_at: iso(NOW + 36 * 60 * 60 * 1000) }))).toMatchObject({ action: 'rotate', reason: expect.stringMatching(/^expires in 36 hours/) });
  });

  it('agrees with `rotate wallarm-token --expiring-within` on which tokens are due', () => {
    const all = [-DAY_MS, 2 * DAY_MS, 7 * DAY_MS, 7 * DAY_MS + 1, 30 * DAY_MS].map((ms, i) => token(100 + i, { realname: `t${i}`, expire_at: iso(NOW + ms) }));
    const withMap = { ...selection, consumerMap: Object.fromEntries(all.map((t) => [t.realname, selection.consumerMap['deploy-bot']!])) };
    const due = all.filter((t) => decideToken(t, all, me, withMap, NOW, none).action === 'rotate').map((t) => t.id);
    expect(due.sort()).toEqual(tokensExpiringWithin(all, NOW, 7 * DAY_MS).map((t) => t.id).sort());
    expect(due).toEqual([101, 102]);
  });

  it('pages by token id, each token judged against the whole list', () => {
    const all = Array.from({ length: TOKENS_PER_PAGE + 5 }, (_, i) => token(1000 - i, { realname: `t${i}` }));
    const first = planTokensPage(all, me, selection, undefined, NOW, none);
    expect(first.decisions).toHaveLength(TOKENS_PER_PAGE);
    expect(first.decisions[0]!.rotationId).toBe(`wallarm:us1:${1000 - TOKENS_PER_PAGE - 4}`);
    const second = planTokensPage(all, me, selection, first.next, NOW, none);
    expect(second.decisions).toHaveLength(5);
    expect(second.next).toBeUndefined();
    expect(new Set([...first.decisions, ...second.decisions].map((d) => d.rotationId)).size).toBe(all.length);
  });
});

describe('soracom-auth-keys: one decision per SAM user', () => {
  const selection: SoracomAuthKeysFleetSelection = {
    kind: 'soracom-auth-keys',
    operatorId: 'OP0012345678',
    maxAgeDays: 90,
    consumerMap: { uploader: [{ kind: 'file', path: '/var/lib/uploader/key.json' }] },
  };
  const key = (id: string, ageDays: number) => ({ authKeyId: id, createDateTime: Math.floor((NOW - ageDays * DAY_MS) / 1000), lastUsedDateTime: null });
  const user = (userName: string, ...keys: ReturnType<typeof key>[]) => ({ userName, authKeyList: keys });

  it('rotates a user of the map whose AuthKey is old enough, with the request a run starts', () => {
    const d = decideSamUser(user('uploader', key('keyId-old', 120)), selection, NOW, none);
    expect(d).toMatchObject({ rotationId: 'soracom-auth-key:OP0012345678:uploader', subject: 'soracom:OP0012345678:user/uploader', keyAgeDays: 120, action: 'rotate', reason: 'AuthKey keyId-old is 120 days old, 90 at most' });
    expect(RotationRequest.parse(d.request)).toMatchObject({ source: { kind: 'soracom-auth-key', operatorId: 'OP0012345678', userName: 'uploader' }, consumers: [{ kind: 'file' }], recoveryWindowDays: 7 });
    // what is due a month on
    expect(decideSamUser(user('uploader', key('keyId-young', 70)), selection, NOW + 30 * DAY_MS, none).action).toBe('rotate');
  });

  it('passes --await-use to each rotation it starts (the AuthKey reports its last use)', () => {
    const d = decideSamUser(user('uploader', key('keyId-old', 120)), { ...selection, awaitUseSeconds: 7200 }, NOW, none);
    expect(RotationRequest.parse(d.request).awaitUseSeconds).toBe(7200);
  });

  it.each([
    ['in progress', user('uploader', key('k', 120)), new Set(['soracom-auth-key:OP0012345678:uploader']), 'a rotation of it is in progress'],
    ['with no key', user('uploader'), none, 'no AuthKey to rotate'],
    ['with two keys', user('uploader', key('k2', 3), key('k1', 120)), none, /^two AuthKeys already \(k1 created 2026-02-01, k2 created 2026-05-29\): finish the rotation/],
    ['with a young key', user('uploader', key('k', 30)), none, 'AuthKey k is 30 days old, younger than 90'],
    ['not in the map', user('reporter', key('k', 120)), none, "no entry for SAM user 'reporter' in the consumer map (SAM users have no tags)"],
  ])('skips a user %s, saying why', (_what, u, rotating, reason) => {
    const d = decideSamUser(u, selection, NOW, rotating);
    expect(d).toMatchObject({ action: 'skip', reason: typeof reason === 'string' ? reason : expect.stringMatching(reason) });
    expect(d.request).toBeUndefined();
  });

  it('pages by user name', () => {
    const users = Array.from({ length: SAM_USERS_PER_PAGE + 1 }, (_, i) => user(`u${String(i).padStart(3, '0')}`, key('k', 1))).reverse();
    const first = planSamUsersPage(users, selection, undefined, NOW, none);
    expect(first.decisions.map((d) => d.rotationId.split(':')[2])).toEqual(users.map((u) => u.userName).sort().slice(0, SAM_USERS_PER_PAGE));
    expect(planSamUsersPage(users, selection, first.next, NOW, none)).toEqual({ decisions: [expect.objectContaining({ rotationId: `soracom-auth-key:OP0012345678:u${SAM_USERS_PER_PAGE}` })] });
  });

  it('reads a consumer map of SAM users, refusing a SORACOM set (no set type holds an AuthKey)', () => {
    expect(parseSamUserConsumerMap('{"uploader": ["file:/var/lib/u.json", "csms:uploader-key"]}', 'm.json').get('uploader')).toEqual([
      { kind: 'file', path: '/var/lib/u.json' },
      { kind: 'csms-secret', secretName: 'uploader-key' },
    ]);
    expect(() => parseSamUserConsumerMap('{"uploader": ["soracom:funnel"]}', 'm.json')).toThrow(/m\.json, SAM user "uploader": 'soracom:funnel': a SORACOM credentials set cannot hold a SORACOM AuthKey/);
    expect(() => parseSamUserConsumerMap('["x"]', 'm.json')).toThrow(/must be a JSON object mapping SAM user names to lists of consumers/);
  });
});

describe('fleet ids and lines', () => {
  it('one run per fleet: an account and path, a Wallarm cloud, a SORACOM operator', () => {
    expect(fleetIdFor({ kind: 'aws-iam-keys', accountId: '123456789012', pathPrefix: '/svc/', maxAgeDays: 90 })).toBe('fleet:aws-iam-keys:123456789012:/svc/');
    expect(fleetIdFor({ kind: 'aws-iam-keys', accountId: '123456789012', organizationRole: 'R', pathPrefix: '/', maxAgeDays: 90 })).toBe('fleet:aws-iam-keys:organization:123456789012:/');
    expect(fleetIdFor({ kind: 'wallarm-tokens', cloud: 'eu', expiringWithinMs: DAY_MS, consumerMap: {} })).toBe('fleet:wallarm-tokens:eu');
    expect(fleetIdFor({ kind: 'soracom-auth-keys', operatorId: 'OP0012345678', maxAgeDays: 90, consumerMap: {} })).toBe('fleet:soracom-auth-keys:OP0012345678');
    expect(describeFleet({ kind: 'wallarm-tokens', cloud: 'eu', expiringWithinMs: 72 * 60 * 60 * 1000, consumerMap: {} })).toBe('fleet wallarm-tokens of Wallarm eu (tokens expiring within 3 days)');
    expect(describeFleet({ kind: 'aws-iam-keys', accountId: '123456789012', pathPrefix: '/svc/', maxAgeDays: 90 })).toBe('fleet aws-iam-keys of 123456789012 under /svc/ (keys 90+ days old)');
  });

  it.each([
    [36 * 60 * 60 * 1000, '36 hours'],
    [60 * 60 * 1000, '1 hour'],
    [2 * DAY_MS, '2 days'],
    [7 * DAY_MS + 5, '7 days'],
  ])('duration(%p) is %p', (ms, words) => expect(duration(ms)).toBe(words));
});
