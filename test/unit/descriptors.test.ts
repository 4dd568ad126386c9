/**
 * The request schemas and every provider's descriptor, field by field: which ids and windows a rotation accepts (at
 * each boundary, with the message an operator reads), the rotation id and labels it derives, and what each provider
 * declares about itself (queue, pace, the names its secrets travel under). A workflow validates its input with these,
 * and the log redaction and sealing read the secret names from them.
 */
import { awsAccountId, awsIamAccessKey, awsIamProvider, iamUserName } from '../../src/providers/aws-iam/descriptor';
import { csmsProvider, csmsSecret, csmsSecretName } from '../../src/providers/csms/descriptor';
import { consumerFilePath, fileConsumer, fileProvider } from '../../src/providers/file/descriptor';
import {
  soracomAuthKey,
  soracomCredentialsId,
  soracomCredentialsSet,
  soracomOperatorId,
  soracomProvider,
  soracomSamUserName,
  soracomSetMode,
  soracomUserSubject,
} from '../../src/providers/soracom/descriptor';
import { wallarmApiToken, wallarmCloud, wallarmProvider, wallarmTokenId } from '../../src/providers/wallarm/descriptor';
import {
  DEFAULT_PICKUP_GRACE_SECONDS,
  DEFAULT_RECOVERY_WINDOW_DAYS,
  defineRotationSchemas,
  MAX_PICKUP_GRACE_SECONDS,
  MAX_RECOVERY_WINDOW_DAYS,
  MIN_RECOVERY_WINDOW_DAYS,
  PHASES,
  TERMINAL_PHASES,
} from '../../src/rotation/schemas';
import type { z } from 'zod';

/** The messages a schema gives for a value, or 'ok'. */
const verdict = (schema: z.ZodType, value: unknown): string | string[] => {
  const parsed = schema.safeParse(value);
  return parsed.success ? 'ok' : parsed.error.issues.map((i) => i.message);
};

describe('the request', () => {
  const { RecoveryWindowDays, PickupGraceSeconds, RotationRequest, SourceSpec, ConsumerSpec } = defineRotationSchemas();
  const source = { kind: 'aws-iam-access-key', userName: 'funnel', accountId: '123456789012' };
  const set = (credentialsId: string) => ({ kind: 'soracom-credentials-set', credentialsId });

  it('the phases, in order, and the three endings', () => {
    expect(PHASES).toEqual(['preflight', 'creating', 'verifying', 'registering', 'awaiting-confirmation', 'checking-use', 'deactivating', 'pending-deletion', 'deleting', 'completed', 'compensating', 'failed', 'restored', 'needs-attention', 'awaiting-use']);
    expect(TERMINAL_PHASES).toEqual(['completed', 'failed', 'restored']);
  });

  it('a recovery window of whole days from 7 to 30, 30 by default', () => {
    expect([MIN_RECOVERY_WINDOW_DAYS, MAX_RECOVERY_WINDOW_DAYS, DEFAULT_RECOVERY_WINDOW_DAYS]).toEqual([7, 30, 30]);
    for (const days of [7, 8, 29, 30]) expect(verdict(RecoveryWindowDays, days)).toBe('ok');
    for (const days of [6, 31, 0, -7]) expect(verdict(RecoveryWindowDays, days)).toEqual(['recovery window must be 7–30 days']);
    expect(verdict(RecoveryWindowDays, 7.5)).toEqual(['recovery window must be a whole number of days']);
    expect(verdict(RecoveryWindowDays, '7')).toEqual(['recovery window must be a whole number of days']);
  });

  it('a pickup grace of whole seconds from 0 to 3600, 30 by default', () => {
    expect([MAX_PICKUP_GRACE_SECONDS, DEFAULT_PICKUP_GRACE_SECONDS]).toEqual([3600, 30]);
    for (const s of [0, 1, 3599, 3600]) expect(verdict(PickupGraceSeconds, s)).toBe('ok');
    for (const s of [-1, 3601]) expect(verdict(PickupGraceSeconds, s)).toEqual(['pickup grace must be 0–3600 seconds']);
    expect(verdict(PickupGraceSeconds, 0.5)).toEqual(['pickup grace must be a whole number of seconds']);
    expect(verdict(PickupGraceSeconds, null)).toEqual(['pickup grace must be a whole number of seconds']);
  });

  it('defaults, and what a request may carry', () => {
    expect(RotationRequest.parse({ source, consumers: [set('a')] })).toEqual({
      source,
      consumers: [{ kind: 'soracom-credentials-set', credentialsId: 'a', mode: 'update' }],
      recoveryWindowDays: 30,
      pickupGraceSeconds: 30,
    });
    expect(RotationRequest.parse({ source, consumers: [set('a')], requestedBy: 'x'.repeat(200) }).requestedBy).toHaveLength(200);
    expect(RotationRequest.safeParse({ source, consumers: [set('a')], requestedBy: 'x'.repeat(201) }).success).toBe(false);
  });

  it('at least one consumer, each named once', () => {
    expect(verdict(RotationRequest, { source, consumers: [] })).toEqual(['at least one consumer is required']);
    const twice = RotationRequest.safeParse({ source, consumers: [set('a'), set('b'), set('a')] });
    expect(twice.success ? [] : twice.error.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['consumers', 'each consumer may be named only once']]);
    // the same id in two providers is two consumers
    expect(verdict(RotationRequest, { source, consumers: [set('app'), { kind: 'csms-secret', secretName: 'app' }] })).toBe('ok');
  });

  it('every registered source and consumer kind, and no other', () => {
    expect(verdict(SourceSpec, source)).toBe('ok');
    expect(verdict(SourceSpec, { kind: 'soracom-auth-key', operatorId: 'OP0012345678', userName: 'rotator' })).toBe('ok');
    expect(verdict(SourceSpec, { kind: 'wallarm-api-token', cloud: 'eu', tokenId: 5 })).toBe('ok');
    expect(SourceSpec.safeParse({ kind: 'gcp-key' }).success).toBe(false);
    for (const c of [set('a'), { kind: 'csms-secret', secretName: 'a' }, { kind: 'file', path: '/a/b.json' }]) expect(verdict(ConsumerSpec, c)).toBe('ok');
    expect(ConsumerSpec.safeParse({ kind: 'vault-kv', path: 'a/b' }).success).toBe(false);
  });
});

describe('AWS IAM', () => {
  it('declares its queue, pace and the names its secret travels under', () => {
    expect(awsIamProvider).toEqual({ queue: 'provider-aws-iam', pace: { rps: 10, concurrency: 20 }, secretFields: ['secretAccessKey', 'SecretAccessKey', 'secret_access_key'] });
  });

  it('user names: 1–64 of letters, digits and +=,.@_-', () => {
    for (const name of ['a', 'x'.repeat(64), 'funnel_writer+1=a,b.c@d-e', 'A9']) expect(verdict(iamUserName(), name)).toBe('ok');
    for (const name of ['', 'x'.repeat(65), 'with space', 'a/b', 'ä', 'a:b']) expect(verdict(iamUserName(), name)).toEqual(['IAM user name must be 1–64 characters of letters, digits and +=,.@_-']);
  });

  it('account ids: exactly 12 digits', () => {
    expect(verdict(awsAccountId(), '123456789012')).toBe('ok');
    for (const id of ['12345678901', '1234567890123', '12345678901a', ' 123456789012']) expect(verdict(awsAccountId(), id)).toEqual(['AWS account id must be 12 digits']);
  });

  it('a source: its id, subject, window, retirement and credential form', () => {
    const spec = { kind: 'aws-iam-access-key' as const, userName: 'funnel', accountId: '123456789012' };
    expect(verdict(awsIamAccessKey.schema(), spec)).toBe('ok');
    expect(verdict(awsIamAccessKey.schema(), { ...spec, kind: 'soracom-auth-key' })).not.toBe('ok');
    expect(verdict(awsIamAccessKey.schema(), { ...spec, accountId: '1' })).toEqual(['AWS account id must be 12 digits']);
    expect(awsIamAccessKey.kind).toBe('aws-iam-access-key');
    expect(awsIamAccessKey.provider).toBe('aws-iam');
    expect(awsIamAccessKey.rotationId(spec)).toBe('aws-iam:123456789012:funnel');
    expect(awsIamAccessKey.subject(spec)).toBe('arn:aws:iam::123456789012:user/funnel');
    expect(awsIamAccessKey.defaultRecoveryWindowDays).toBe(30);
    expect(awsIamAccessKey.retiredNote('T')).toBe('deactivated T');
    expect([awsIamAccessKey.retiredStaysActive(7), awsIamAccessKey.retiredStaysActive(30)]).toEqual([false, false]);
    const { secretShape, ...form } = awsIamAccessKey.credential;
    expect(form).toEqual({ type: 'aws-access-key', holding: 'an AWS access key', secretFields: ['secretAccessKey'], json: { idField: 'accessKeyId', secretField: 'secretAccessKey' } });
    expect(secretShape!.flags).toContain('g');
  });
});

describe('SORACOM', () => {
  it('declares its queue, pace and the names its secrets travel under', () => {
    expect(soracomProvider).toEqual({ queue: 'provider-soracom', pace: { rps: 5, concurrency: 10 }, secretFields: ['authKey', 'apiKey', 'token', 'x-soracom-token', 'x-soracom-api-key'] });
  });

  it('credentials set ids: 1–100 of letters, digits and ._-, starting with a letter or digit', () => {
    for (const id of ['a', '9', `a${'b'.repeat(99)}`, 'funnel-aws_2026.01']) expect(verdict(soracomCredentialsId(), id)).toBe('ok');
    for (const id of ['', `a${'b'.repeat(100)}`, '-a', '.a', '_a', 'a b', 'a/b', 'a:b']) {
      expect(verdict(soracomCredentialsId(), id)).toEqual(['SORACOM credentials id must be 1–100 characters of letters, digits and ._- (starting with a letter or digit)']);
    }
  });

  it('operator ids: OP and 10 digits or capitals', () => {
    for (const id of ['OP0012345678', 'OP0000TEST01']) expect(verdict(soracomOperatorId(), id)).toBe('ok');
    for (const id of ['OP001234567', 'OP00123456789', 'op0012345678', 'OP001234567a', 'XOP0012345678']) {
      expect(verdict(soracomOperatorId(), id)).toEqual(['SORACOM operator id must be OP followed by 10 digits or capital letters, e.g. OP0012345678']);
    }
  });

  it('SAM user names: 1–100 of letters, digits and ._@+=,-', () => {
    for (const name of ['r', 'x'.repeat(100), 'a.b_c@d+e=f,g-h']) expect(verdict(soracomSamUserName(), name)).toBe('ok');
    for (const name of ['', 'x'.repeat(101), 'a b', 'a/b', 'a:b']) expect(verdict(soracomSamUserName(), name)).toEqual(['SAM user name must be 1–100 characters of letters, digits and ._@+=,-']);
  });

  it('an AuthKey source: its id, subject, short window, and an old key that keeps logging in', () => {
    const spec = { kind: 'soracom-auth-key' as const, operatorId: 'OP0012345678', userName: 'rotator' };
    expect(verdict(soracomAuthKey.schema(), spec)).toBe('ok');
    expect(verdict(soracomAuthKey.schema(), { ...spec, userName: 'a b' })).not.toBe('ok');
    expect(verdict(soracomAuthKey.schema(), { ...spec, operatorId: 'OP1' })).not.toBe('ok');
    expect([soracomAuthKey.kind, soracomAuthKey.provider]).toEqual(['soracom-auth-key', 'soracom']);
    expect(soracomAuthKey.rotationId(spec)).toBe('soracom-auth-key:OP0012345678:rotator');
    expect(soracomAuthKey.subject(spec)).toBe('soracom:OP0012345678:user/rotator');
    expect(soracomUserSubject('OP1', 'u')).toBe('soracom:OP1:user/u');
    expect(soracomAuthKey.defaultRecoveryWindowDays).toBe(7);
    expect(soracomAuthKey.retiredNote('T')).toBe('the worker stopped using it T; it logs in until it is deleted');
    expect([soracomAuthKey.retiredStaysActive(7), soracomAuthKey.retiredStaysActive(30)]).toEqual([true, true]);
    const { secretShape, ...form } = soracomAuthKey.credential;
    expect(form).toEqual({ type: 'auth-key', holding: 'a SORACOM AuthKey', secretFields: ['authKey'], json: { idField: 'authKeyId', secretField: 'authKey' } });
    expect(secretShape!.flags).toContain('g');
  });

  it('a credentials set consumer: update by default or versioned, its label, home and --consumer syntax', () => {
    const schema = soracomCredentialsSet.schema();
    expect(schema.parse({ kind: 'soracom-credentials-set', credentialsId: 'a' })).toEqual({ kind: 'soracom-credentials-set', credentialsId: 'a', mode: 'update' });
    expect(verdict(schema, { kind: 'soracom-credentials-set', credentialsId: 'a', mode: 'versioned' })).toBe('ok');
    expect(verdict(schema, { kind: 'soracom-credentials-set', credentialsId: 'a', mode: 'sideways' })).not.toBe('ok');
    expect(soracomSetMode().options).toEqual(['update', 'versioned']);
    const spec = { kind: 'soracom-credentials-set' as const, credentialsId: 'funnel-aws', mode: 'versioned' as const };
    expect([soracomCredentialsSet.kind, soracomCredentialsSet.provider, soracomCredentialsSet.place]).toEqual(['soracom-credentials-set', 'soracom', 'set']);
    expect([soracomCredentialsSet.label(spec), soracomCredentialsSet.mode(spec), soracomCredentialsSet.home(spec)]).toEqual(['soracom:funnel-aws', 'versioned', 'funnel-aws']);
    expect(soracomCredentialsSet.holds).toEqual(['aws-access-key', 'api-token']);
    const { parse, ...cli } = soracomCredentialsSet.cli;
    expect(cli).toEqual({
      prefix: 'soracom',
      syntax: 'soracom:<credentialsId>[:update|versioned]',
      hint: 'mode is update or versioned',
      help: '(update = PUT the same set, the default; versioned = new set <prefix>-<yyyymmdd>, old set deleted with the old key)',
    });
    expect(parse('funnel-aws')).toEqual({ credentialsId: 'funnel-aws', mode: 'update' });
    expect(parse('funnel-aws:versioned')).toEqual({ credentialsId: 'funnel-aws', mode: 'versioned' });
    expect(parse('funnel-aws:')).toEqual({ credentialsId: 'funnel-aws', mode: 'update' });
    expect(parse('a:versioned:x')).toBeUndefined();
    expect(parse('')).toBeUndefined();
    expect(parse(':versioned')).toBeUndefined();
  });
});

describe('Huawei Cloud CSMS', () => {
  it('declares its queue, pace and the names its secrets travel under', () => {
    expect(csmsProvider).toEqual({ queue: 'provider-csms', pace: { rps: 10, concurrency: 10 }, secretFields: ['secretString', 'secret_string', 'secret'] });
  });

  it('secret names: 1–64 of letters, digits, _ and -', () => {
    for (const name of ['a', 'x'.repeat(64), 'app_aws-1']) expect(verdict(csmsSecretName(), name)).toBe('ok');
    for (const name of ['', 'x'.repeat(65), 'a.b', 'a b', 'a:b', 'a/b']) expect(verdict(csmsSecretName(), name)).toEqual(['CSMS secret name must be 1–64 characters of letters, digits, _ and -']);
  });

  it('a secret consumer: a new version each rotation, its label, home and --consumer syntax', () => {
    const spec = { kind: 'csms-secret' as const, secretName: 'app-aws' };
    expect(verdict(csmsSecret.schema(), spec)).toBe('ok');
    expect(verdict(csmsSecret.schema(), { ...spec, secretName: 'a.b' })).not.toBe('ok');
    expect([csmsSecret.kind, csmsSecret.provider, csmsSecret.place, csmsSecret.holds]).toEqual(['csms-secret', 'csms', 'secret', ['json']]);
    expect([csmsSecret.label(spec), csmsSecret.mode(spec), csmsSecret.home(spec)]).toEqual(['csms:app-aws', 'new-version', 'app-aws']);
    const { parse, ...cli } = csmsSecret.cli;
    expect(cli).toEqual({ prefix: 'csms', syntax: 'csms:<secretName>', help: '(a new Huawei Cloud CSMS secret version that takes SYSCURRENT)' });
    expect(parse('app-aws')).toEqual({ secretName: 'app-aws' });
    expect(parse('app:extra')).toBeUndefined();
    expect(parse('')).toBeUndefined();
  });
});

describe('files', () => {
  it('declares its queue and pace, and no secret names of its own', () => {
    expect(fileProvider).toEqual({ queue: 'provider-file', pace: { rps: 20, concurrency: 4 }, secretFields: [] });
  });

  it('paths: absolute and normalised, at most 4096 characters', () => {
    for (const p of ['/a', '/etc/rotator/auth-key.json', `/${'x'.repeat(4095)}`, '/a/b:c.json', '/a/.hidden', '/a/..b']) expect(verdict(consumerFilePath(), p)).toBe('ok');
    expect(verdict(consumerFilePath(), `/${'x'.repeat(4096)}`)).toEqual(['file path must be at most 4096 characters']);
    for (const p of ['a/b', 'relative.json', '']) expect(verdict(consumerFilePath(), p)).toContain('file path must be absolute, e.g. /etc/rotator/auth-key.json');
    for (const p of ['/', '/a/', '/a//b', '/a/./b', '/a/../b', '/a/.', '/a/..', '/a\0b']) {
      expect(verdict(consumerFilePath(), p)).toEqual(['file path must be a normalised path to a file (no ., .., // or trailing /)']);
    }
  });

  it('a file consumer: replaced atomically, its label, home and --consumer syntax (the path may hold colons)', () => {
    const spec = { kind: 'file' as const, path: '/etc/rotator/key.json' };
    expect(verdict(fileConsumer.schema(), spec)).toBe('ok');
    expect([fileConsumer.kind, fileConsumer.provider, fileConsumer.place, fileConsumer.holds]).toEqual(['file', 'file', 'file', ['json']]);
    expect([fileConsumer.label(spec), fileConsumer.mode(spec), fileConsumer.home(spec)]).toEqual(['file:/etc/rotator/key.json', 'replace', '/etc/rotator/key.json']);
    const { parse, ...cli } = fileConsumer.cli;
    expect(cli).toEqual({ prefix: 'file', syntax: 'file:<absolute path>', help: '(a JSON file on the workers, replaced atomically)' });
    expect(parse('/a:b/c.json')).toEqual({ path: '/a:b/c.json' });
  });
});

describe('Wallarm', () => {
  it('declares its queue, pace and the names its secret travels under', () => {
    expect(wallarmProvider).toEqual({ queue: 'provider-wallarm', pace: { rps: 5, concurrency: 10 }, secretFields: ['x-wallarmapi-token', 'X-WallarmApi-Token', 'token'] });
  });

  it('clouds and token ids', () => {
    for (const cloud of ['us1', 'eu', 'me1']) expect(verdict(wallarmCloud(), cloud)).toBe('ok');
    for (const cloud of ['us', 'eu1', '']) expect(verdict(wallarmCloud(), cloud)).toEqual(["Wallarm cloud must be 'us1', 'eu' or 'me1'"]);
    expect(verdict(wallarmTokenId(), 1)).toBe('ok');
    for (const id of [0, -1, 1.5, '1']) expect(verdict(wallarmTokenId(), id)).toEqual(['Wallarm token id must be a positive whole number']);
  });

  it('a token source: its id, subject, lifetime, and a window past Wallarm’s week keeping the old token enabled', () => {
    const spec = { kind: 'wallarm-api-token' as const, cloud: 'us1' as const, tokenId: 1234 };
    const schema = wallarmApiToken.schema();
    for (const lifetimeDays of [undefined, 1, 3650]) expect(verdict(schema, { ...spec, lifetimeDays })).toBe('ok');
    for (const lifetimeDays of [0, 3651]) expect(verdict(schema, { ...spec, lifetimeDays })).toEqual(['token lifetime must be 1–3650 whole days']);
    expect(verdict(schema, { ...spec, lifetimeDays: 1.5 })).not.toBe('ok');
    expect([wallarmApiToken.kind, wallarmApiToken.provider]).toEqual(['wallarm-api-token', 'wallarm']);
    expect(wallarmApiToken.rotationId(spec)).toBe('wallarm:us1:1234');
    expect(wallarmApiToken.subject(spec)).toBe('wallarm:us1:api-token/1234');
    expect(wallarmApiToken.defaultRecoveryWindowDays).toBe(7);
    expect(wallarmApiToken.retiredNote('T')).toBe('deactivated T');
    expect([6, 7, 8, 30].map((d) => wallarmApiToken.retiredStaysActive(d))).toEqual([false, false, true, true]);
    expect(wallarmApiToken.credential).toEqual({ type: 'api-token', holding: 'a Wallarm API token', secretFields: ['token'] });
  });
});
