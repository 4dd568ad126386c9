import { RotationRequest, parseConsumerArg, parsePickupGrace, parseRecoveryWindow, rotationIdFor } from '../../src/rotation/model';
import { versionedCredentialsId } from '../../src/activities/soracom';

describe('rotation request', () => {
  it.each(['7d', '7', '30d', ' 14d '])('accepts a recovery window of %p', (arg) => {
    expect(parseRecoveryWindow(arg)).toBe(Number.parseInt(arg, 10));
  });
  it.each(['6d', '31d', '0', '7.5d', 'two weeks', ''])('refuses a recovery window of %p, naming the allowed range', (arg) => {
    expect(() => parseRecoveryWindow(arg)).toThrow(/whole days from 7d to 30d/);
  });

  it('parses consumers with update as the default mode', () => {
    expect(parseConsumerArg('soracom:funnel-aws')).toEqual({ kind: 'soracom-credentials-set', credentialsId: 'funnel-aws', mode: 'update' });
    expect(parseConsumerArg('soracom:funnel-aws:versioned')).toMatchObject({ mode: 'versioned' });
    expect(() => parseConsumerArg('soracom:x:sideways')).toThrow(/update or versioned/);
    expect(() => parseConsumerArg('s3:bucket')).toThrow(/soracom:<credentialsId>/);
  });

  it('defaults the window to 30 days and refuses a consumer named twice', () => {
    const source = { kind: 'aws-iam-access-key' as const, userName: 'u', accountId: '123456789012' };
    const consumer = parseConsumerArg('soracom:a');
    expect(RotationRequest.parse({ source, consumers: [consumer] }).recoveryWindowDays).toBe(30);
    expect(RotationRequest.safeParse({ source, consumers: [consumer, consumer] }).success).toBe(false);
    expect(rotationIdFor(source)).toBe('aws-iam:123456789012:u');
  });

  it('names versioned sets <prefix>-<yyyymmdd>, avoiding taken ids', () => {
    expect(versionedCredentialsId('foobar-20220722', '20261123', new Set())).toBe('foobar-20261123');
    expect(versionedCredentialsId('foobar', '20261123', new Set(['foobar-20261123']))).toBe('foobar-20261123-2');
    expect(versionedCredentialsId('foobar-20261123', '20261123', new Set(['foobar-20261123']))).toBe('foobar-20261123-2');
  });
});

describe('pickup grace', () => {
  it.each([
    ['30s', 30],
    ['0', 0],
    ['2m', 120],
    ['60m', 3600],
  ])('%s is %i seconds', (arg, seconds) => {
    expect(parsePickupGrace(arg)).toBe(seconds);
  });
  it.each(['61m', '-1s', '1.5s', 'soon', '3601'])('refuses %s, naming the range', (arg) => {
    expect(() => parsePickupGrace(arg)).toThrow(/from 0s to 60m \(default 30s\)/);
  });
  it('defaults to 30 s in a request', () => {
    const parsed = RotationRequest.parse({ source: { kind: 'aws-iam-access-key', userName: 'u', accountId: '123456789012' }, consumers: [{ kind: 'soracom-credentials-set', credentialsId: 's' }] });
    expect(parsed.pickupGraceSeconds).toBe(30);
  });
});
