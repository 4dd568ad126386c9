import { describeTokenSet } from '../../src/activities/soracom';
import { disablingKeepsRestorable, newTokenExpiry, tokenSubject } from '../../src/activities/wallarm';
import { RotationRequest, rotationIdFor, sourceProvider, subjectOf } from '../../src/rotation/model';
import { sourceTaskQueue } from '../../src/rotation/task-queues';
import { parseConsumerMap, parseExpiringWithin, tokensExpiringWithin } from '../../src/providers/wallarm/token-selection';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 5, 1);
const iso = (ms: number) => new Date(ms).toISOString();

describe('Wallarm API token source in the model', () => {
  const source = { kind: 'wallarm-api-token' as const, cloud: 'us1' as const, tokenId: 1234 };

  it('names the rotation, provider, queue and subject from the cloud and token id', () => {
    expect(rotationIdFor(source)).toBe('wallarm:us1:1234');
    expect(sourceProvider(source)).toBe('wallarm');
    expect(sourceTaskQueue(source)).toBe('provider-wallarm');
    expect(subjectOf(source)).toBe('wallarm:us1:api-token/1234');
    expect(tokenSubject('us1', { client_id: 7, realname: 'deploy-bot' })).toBe('wallarm:us1:client/7/api-token/deploy-bot');
  });

  it.each([
    [{ ...source, cloud: 'us' }, /cloud must be 'us1', 'eu' or 'me1'/],
    [{ ...source, tokenId: 0 }, /positive whole number/],
    [{ ...source, tokenId: 1.5 }, /positive whole number/],
    [{ ...source, lifetimeDays: 0 }, /lifetime must be 1–3650/],
  ])('refuses a malformed source %p', (bad, message) => {
    const parsed = RotationRequest.safeParse({ source: bad, consumers: [{ kind: 'soracom-credentials-set', credentialsId: 'x' }] });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.message).join('; ')).toMatch(message);
  });
});

describe('--expiring-within', () => {
  it.each([
    ['7d', 7 * DAY_MS],
    ['72h', 3 * DAY_MS],
    [' 1h ', 60 * 60 * 1000],
    ['90d', 90 * DAY_MS],
  ])('reads %p', (arg, ms) => expect(parseExpiringWithin(arg)).toBe(ms));

  it.each(['0d', '91d', '7', '1w', '-3d', ''])('refuses %p, saying what is allowed', (arg) => {
    expect(() => parseExpiringWithin(arg)).toThrow(/use whole days or hours, e\.g\. 7d or 72h \(1h to 90d\)/);
  });

  it('selects enabled tokens expiring within the period, soonest first; not expired, disabled or expiry-less ones', () => {
    const token = (id: number, expireIn: number | null, enabled = true) => ({ id, realname: `t${id}`, enabled, expire_at: expireIn === null ? null : iso(NOW + expireIn) });
    const tokens = [token(1, 5 * DAY_MS), token(2, 2 * DAY_MS), token(3, 8 * DAY_MS), token(4, null), token(5, 3 * DAY_MS, false), token(6, -DAY_MS), token(7, 7 * DAY_MS)];
    expect(tokensExpiringWithin(tokens, NOW, 7 * DAY_MS).map((t) => t.id)).toEqual([2, 1, 7]);
  });
});

describe('--consumer-map', () => {
  it('maps token names to consumers', () => {
    const map = parseConsumerMap('{"deploy-bot": ["soracom:a", "soracom:b:versioned"]}', 'map.json');
    expect(map.get('deploy-bot')).toEqual([
      { kind: 'soracom-credentials-set', credentialsId: 'a', mode: 'update' },
      { kind: 'soracom-credentials-set', credentialsId: 'b', mode: 'versioned' },
    ]);
  });

  it.each([
    ['not json', /map\.json is not valid JSON/],
    ['["soracom:a"]', /must be a JSON object mapping token names/],
    ['{"deploy-bot": []}', /"deploy-bot" needs at least one consumer/],
    ['{"deploy-bot": ["s3:bucket"]}', /token "deploy-bot": 's3:bucket' is not understood/],
    ['{"deploy-bot": ["soracom:a", "soracom:a"]}', /token "deploy-bot": a consumer is listed twice/],
  ])('refuses %p, naming the file and the entry', (text, message) => {
    expect(() => parseConsumerMap(text, 'map.json')).toThrow(message);
  });
});

describe('the new token and the consumer record', () => {
  const old = { created_at: iso(NOW - 85 * DAY_MS), expire_at: iso(NOW + 5 * DAY_MS) };

  it('lives as long as the old token did, or as asked, or forever like an old token without expiry', () => {
    expect(newTokenExpiry(old, undefined, NOW)).toBe(iso(NOW + 90 * DAY_MS));
    expect(newTokenExpiry(old, 30, NOW)).toBe(iso(NOW + 30 * DAY_MS));
    expect(newTokenExpiry({ ...old, expire_at: null }, undefined, NOW)).toBeNull();
  });

  it('records the token id in a SORACOM set description, replacing an earlier record', () => {
    expect(describeTokenSet('Wallarm for devices', '10')).toBe('Wallarm for devices [rotator: token 10]');
    expect(describeTokenSet('Wallarm for devices [rotator: token 10]', '1001')).toBe('Wallarm for devices [rotator: token 1001]');
    expect(describeTokenSet(undefined, '7')).toBe('[rotator: token 7]');
  });
});

describe("the old token's recovery window against Wallarm's week", () => {
  const DAY = 24 * 60 * 60 * 1000;
  const now = Date.parse('2026-11-29T00:00:00Z');

  it('disables it for a 7-day window, even read late or on a clock behind the workflow\'s', () => {
    expect(disablingKeepsRestorable(now + 7 * DAY, now)).toBe(true);
    expect(disablingKeepsRestorable(now + 7 * DAY - 5 * 60_000, now)).toBe(true); // the activity ran 5 min after the window was fixed
    expect(disablingKeepsRestorable(now + 7 * DAY + 5 * 60_000, now)).toBe(true); // its clock 5 min behind the workflow's
  });

  it('keeps it enabled for 8 days or more: disabled, Wallarm would delete it before the window ends', () => {
    expect(disablingKeepsRestorable(now + 8 * DAY, now)).toBe(false);
    expect(disablingKeepsRestorable(now + 8 * DAY - 5 * 60_000, now)).toBe(false);
    expect(disablingKeepsRestorable(now + 30 * DAY, now)).toBe(false);
  });
});
