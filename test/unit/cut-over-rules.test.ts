import { judgeUse, type UseRecords } from '../../src/workflows/use-evidence';
import { RotationRequest, parseAwaitUse, parseConfirmWithin, parseConsumerArg } from '../../src/rotation/model';

const T = Date.parse('2026-11-29T10:00:00.000Z');
const at = (seconds: number) => new Date(T + seconds * 1000).toISOString();

/** switched at T, grace 30 s (quiet after T+30 s), quiet window 30 s (new key must be seen at or after T+60 s) */
const records = (over: Partial<UseRecords>): UseRecords => ({
  oldId: 'AKIAOLD',
  newId: 'AKIANEW',
  switchedAt: T,
  quietAfter: T + 30_000,
  evidenceAfter: T + 60_000,
  old: { lastUsedAt: at(10) },
  new: { lastUsedAt: null },
  consumers: [],
  ...over,
});

describe('the evidence before deactivating', () => {
  it('is in when the new key is seen after the quiet window and the old one not after the grace', () => {
    expect(judgeUse(records({ new: { lastUsedAt: at(61) } }))).toEqual({ ready: true, waitingFor: [] });
    expect(judgeUse(records({ new: { lastUsedAt: at(60) }, old: { lastUsedAt: at(30) } })).ready).toBe(true);
  });

  it('is not in while the new key was only seen inside the quiet window: the old key could still show a late user', () => {
    const verdict = judgeUse(records({ new: { lastUsedAt: at(45) } }));
    expect(verdict.ready).toBe(false);
    expect(verdict.waitingFor).toEqual([expect.stringMatching(/AKIANEW to be used at or after 2026-11-29T10:01:00.000Z \(as the source reports it\)/)]);
  });

  it('holds at once when the old key was used after the grace, even with the new key seen', () => {
    const verdict = judgeUse(records({ new: { lastUsedAt: at(90) }, old: { lastUsedAt: at(31), service: 'sts', region: 'us-east-1' } }));
    expect(verdict.ready).toBe(false);
    expect(verdict.oldStillUsed).toMatch(/AKIAOLD was used at 2026-11-29T10:00:31.000Z \(sts, us-east-1\), after every known consumer held AKIANEW/);
  });

  it('takes a consumer that reports use (a SORACOM set) as evidence for the new key', () => {
    const waiting = judgeUse(records({ new: null, old: null, consumers: [{ consumer: 'soracom:s', lastUsedAt: at(59) }] }));
    expect(waiting.waitingFor).toEqual([expect.stringMatching(/\(as soracom:s reports it\)/)]);
    expect(judgeUse(records({ new: null, old: null, consumers: [{ consumer: 'soracom:s', lastUsedAt: at(60) }] })).ready).toBe(true);
  });

  it('never counts a key never used as evidence', () => {
    expect(judgeUse(records({ new: { lastUsedAt: null }, old: { lastUsedAt: null } })).ready).toBe(false);
  });
});

describe('cut-over options', () => {
  it.each([
    ['1m', 60],
    ['90m', 5400],
    ['6h', 21600],
    ['30d', 2592000],
  ])('--await-use %p is %p s', (arg, seconds) => expect(parseAwaitUse(arg)).toBe(seconds));
  it.each(['59s', '31d', '10', '2w', '', '1.5h'])('--await-use %p is refused with the allowed range', (arg) => {
    expect(() => parseAwaitUse(arg)).toThrow(/--await-use .* from 1m to 30d/);
  });
  it.each(['59m', '31d', '7'])('--confirm-within %p is refused', (arg) => expect(() => parseConfirmWithin(arg)).toThrow(/--confirm-within/));
  it('--confirm-within takes 1h to 30d', () => {
    expect([parseConfirmWithin('1h'), parseConfirmWithin('7d')]).toEqual([3600, 604800]);
  });

  it('reads a person and the place the credential is handed over in', () => {
    expect(parseConsumerArg('manual:payments-team@csms:payments-aws')).toMatchObject({ kind: 'csms-secret', secretName: 'payments-aws', person: 'payments-team' });
    expect(parseConsumerArg('manual:ops@file:/srv/handover/aws.json')).toMatchObject({ kind: 'file', person: 'ops' });
    expect(() => parseConsumerArg('manual:ops')).toThrow(/a person or team is named manual:<name>@/);
    expect(() => parseConsumerArg('manual:ops@soracom:set')).toThrow(/can be handed over in .* only \(a place the person can read\), not 'soracom:set'/);
  });

  it('refuses --await-use where no provider reports use, and --confirm-within without a person', () => {
    const csms = parseConsumerArg('csms:app-secret');
    const wallarm = { kind: 'wallarm-api-token' as const, cloud: 'eu' as const, tokenId: 42 };
    const refused = RotationRequest.safeParse({ source: wallarm, consumers: [csms], awaitUseSeconds: 600 });
    expect(refused.success ? [] : refused.error.issues.map((i) => i.message)).toEqual([expect.stringMatching(/await-use needs a provider that reports use/)]);
    const aws = { kind: 'aws-iam-access-key' as const, userName: 'u', accountId: '123456789012' };
    expect(RotationRequest.safeParse({ source: aws, consumers: [csms], awaitUseSeconds: 600 }).success).toBe(true);
    const noPerson = RotationRequest.safeParse({ source: aws, consumers: [csms], confirmWithinSeconds: 7200 });
    expect(noPerson.success ? [] : noPerson.error.issues.map((i) => i.message)).toEqual([expect.stringMatching(/confirm-within applies to manual consumers/)]);
  });
});
