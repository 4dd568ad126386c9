import { inspect } from 'node:util';
import { ProviderError } from '../../src/providers/errors';
import { SYSCURRENT, SYSPREVIOUS } from '../../src/providers/csms/client';
import { csmsConfigFromEnv } from '../../src/providers/csms/config';
import { classifyResponse } from '../../src/providers/csms/errors';
import { awsValue, otherProjectId, projectId, rotatorKey, useCsmsSandbox } from './csms-sandbox';

const DAY_MS = 86_400_000;

async function failureOf(call: Promise<unknown>): Promise<ProviderError> {
  const err: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${inspect(err)}`);
  return err;
}

describe('CsmsClient against the CSMS sandbox', () => {
  const startSandbox = useCsmsSandbox();

  it('adds versions: the new one takes SYSCURRENT, the former SYSCURRENT becomes SYSPREVIOUS', async () => {
    const { sandbox, client } = await startSandbox();
    const csms = client();
    await csms.createSecret('app-aws', awsValue('AKIAOLD', 'old-secret'));
    expect(await csms.showSecretStage('app-aws', SYSCURRENT)).toMatchObject({ version_id: 'v1' });
    expect(await csms.showSecretStage('app-aws', SYSPREVIOUS)).toBeNull();

    const v2 = await csms.createSecretVersion('app-aws', awsValue('AKIANEW', 'new-secret'));
    expect(v2).toMatchObject({ id: 'v2', version_stages: [SYSCURRENT] });
    expect(await csms.showSecretStage('app-aws', SYSCURRENT)).toMatchObject({ version_id: 'v2' });
    expect(await csms.showSecretStage('app-aws', SYSPREVIOUS)).toMatchObject({ version_id: 'v1' });
    expect((await csms.showSecretVersion('app-aws', 'v2')).secret_string).toBe(awsValue('AKIANEW', 'new-secret'));
    expect((await csms.showSecretVersion('app-aws', 'latest')).version_metadata.id).toBe('v2');
    expect((await csms.listSecretVersions('app-aws')).map((v) => [v.id, v.version_stages])).toEqual([['v1', [SYSPREVIOUS]], ['v2', [SYSCURRENT]]]);
    expect(sandbox.currentValue(projectId, 'app-aws')).toBe(awsValue('AKIANEW', 'new-secret'));

    // moving SYSCURRENT back moves only that stage (UpdateSecretStage's constraint)
    await csms.updateSecretStage('app-aws', SYSCURRENT, 'v1');
    expect(await csms.showSecretStage('app-aws', SYSCURRENT)).toMatchObject({ version_id: 'v1' });
    expect(await csms.showSecretStage('app-aws', SYSPREVIOUS)).toMatchObject({ version_id: 'v1' });
    expect(sandbox.currentValue(projectId, 'app-aws')).toBe(awsValue('AKIAOLD', 'old-secret'));
  });

  it('answers null for a missing secret or stage, and names the secret when a version is missing', async () => {
    const { client } = await startSandbox();
    const csms = client();
    expect(await csms.showSecret('no-such-secret')).toBeNull();
    await csms.createSecret('app-aws', awsValue('AKIAOLD', 'old-secret'));
    expect(await csms.showSecretStage('app-aws', 'CUSTOM')).toBeNull();
    const err = await failureOf(csms.showSecretVersion('app-aws', 'v9'));
    expect(err).toMatchObject({ type: 'CsmsNotFound', disposition: { kind: 'fail' } });
    expect(err.message).toMatch(/ShowSecretVersion of secret 'app-aws' failed: HTTP 400 CSMS.0005/);
  });

  it('scheduled deletion: reads and writes refused with a message that says how to cancel; cancel restores; the window ends in deletion', async () => {
    const { clock, client } = await startSandbox();
    const csms = client();
    await csms.createSecret('app-aws', awsValue('AKIAOLD', 'old-secret'));
    await expect(csms.scheduleDeletion('app-aws', 7)).resolves.toBe('scheduled');
    const secret = await csms.showSecret('app-aws');
    expect(secret).toMatchObject({ state: 'PENDING_DELETE', scheduled_delete_time: clock.ms + 7 * DAY_MS });
    await expect(csms.scheduleDeletion('app-aws', 7)).resolves.toBe('already-gone');

    for (const call of [csms.showSecretVersion('app-aws', 'v1'), csms.createSecretVersion('app-aws', awsValue('AKIANEW', 'x')), csms.updateSecretStage('app-aws', SYSCURRENT, 'v1')]) {
      const err = await failureOf(call);
      expect(err).toMatchObject({ type: 'CsmsSecretPendingDeletion', disposition: { kind: 'fail' } });
      expect(err.message).toMatch(/scheduled for deletion \(PENDING_DELETE\).*RestoreSecret \(POST \/v1\/\w+\/secrets\/app-aws\/scheduled-deleted-tasks\/cancel/);
    }

    await expect(csms.cancelDeletion('app-aws')).resolves.toBe('restored');
    await expect(csms.cancelDeletion('app-aws')).resolves.toBe('not-pending');
    expect(await csms.showSecret('app-aws')).toMatchObject({ state: 'ENABLED', scheduled_delete_time: null });

    await csms.scheduleDeletion('app-aws', 30);
    clock.advance(30 * DAY_MS);
    expect(await csms.showSecret('app-aws')).toBeNull();
  });

  it('refuses a recovery window outside 7–30 days', async () => {
    const { client } = await startSandbox();
    const csms = client();
    await csms.createSecret('app-aws', awsValue('AKIAOLD', 'old-secret'));
    for (const days of [6, 31]) {
      expect(await failureOf(csms.scheduleDeletion('app-aws', days))).toMatchObject({ type: 'CsmsRequestRejected', httpStatus: 400 });
    }
  });

  it('a wrong SK fails fast with APIGW.0301, and five failures in a row lock the AK for five minutes', async () => {
    const { clock, client } = await startSandbox();
    await client().createSecret('app-aws', awsValue('AKIAOLD', 'old-secret'));
    const wrong = client({ secretKey: 'not-the-secret-key' });
    for (let i = 0; i < 5; i++) {
      const err = await failureOf(wrong.showSecret('app-aws'));
      expect(err).toMatchObject({ type: 'CsmsAuthFailed', httpStatus: 401, disposition: { kind: 'fail' } });
      expect(err.message).toMatch(/APIGW.0301 "Incorrect IAM authentication information: verify aksk signature fail"/);
      expect(err.message).not.toContain('not-the-secret-key');
    }
    // now even the right key is refused, until the lock expires
    expect(await failureOf(client().showSecret('app-aws'))).toMatchObject({ type: 'CsmsAuthFailed' });
    clock.advance(5 * 60_000 + 1);
    await expect(client().showSecret('app-aws')).resolves.toMatchObject({ name: 'app-aws' });
  });

  it('a clock more than 15 minutes off fails fast as an expired signature', async () => {
    const { clock, client } = await startSandbox();
    const skewed = client({ now: () => clock.ms - 16 * 60_000 });
    const err = await failureOf(skewed.showSecret('app-aws'));
    expect(err).toMatchObject({ type: 'CsmsSignatureExpired', disposition: { kind: 'fail' } });
    expect(err.message).toMatch(/signature expired, signature time:\d{8}T\d{6}Z,server time:\d{8}T\d{6}Z.*fix the clock/);
    await expect(client({ now: () => clock.ms - 14 * 60_000 }).showSecret('app-aws')).resolves.toBeNull();
  });

  it('throttling (429 APIGW.0308) is retried after a delay', async () => {
    const { client } = await startSandbox({ requestsPerSecond: 2 });
    const csms = client();
    await csms.showSecret('a');
    await csms.showSecret('b');
    const err = await failureOf(csms.showSecret('c'));
    expect(err).toMatchObject({ type: 'CsmsThrottled', httpStatus: 429, disposition: { kind: 'retry-after', delayMs: 5000 } });
  });

  it('a project of another account, or an action the IAM policy denies, fails fast naming the action', async () => {
    const { client } = await startSandbox({ denies: (operation) => operation === 'CreateSecretVersion' });
    const csms = client();
    await csms.createSecret('app-aws', awsValue('AKIAOLD', 'old-secret'));
    const denied = await failureOf(csms.createSecretVersion('app-aws', awsValue('AKIANEW', 'new-secret')));
    expect(denied).toMatchObject({ type: 'CsmsPermissionDenied', httpStatus: 403, disposition: { kind: 'fail' } });
    expect(denied.message).toMatch(/Grant the IAM user the action csms:secret:createVersion on secret 'app-aws'/);
    expect(denied.message).not.toContain('new-secret');

    const foreign = await failureOf(client({ projectId: otherProjectId }).showSecret('app-aws'));
    expect(foreign).toMatchObject({ type: 'CsmsPermissionDenied', httpStatus: 403 });
  });

  it('an unreachable endpoint is retried; the SK never appears in the client or its errors', async () => {
    const { client } = await startSandbox();
    const gone = client({ endpoint: 'http://127.0.0.1:1' });
    const err = await failureOf(gone.showSecret('app-aws'));
    expect(err).toMatchObject({ type: 'CsmsUnreachable', disposition: { kind: 'retry' } });
    expect(inspect(client(), { depth: 5 })).not.toContain(rotatorKey.secretKey);
    expect(JSON.stringify(client())).not.toContain(rotatorKey.secretKey);
    expect(inspect(err, { depth: 5 })).not.toContain(rotatorKey.secretKey);
  });
});

describe('CSMS error classification of answers the sandbox does not give', () => {
  const action = { operation: 'ShowSecret', permission: 'csms:secret:get', secretName: 'app-aws', endpoint: 'https://kms.cn-north-4.myhuaweicloud.com', projectId };
  it.each([500, 502, 504])('HTTP %i is retried', (status) => {
    expect(classifyResponse(action, { status, headers: {}, data: { error_code: 'CSMS.0001', error_msg: 'x' } }, [])).toMatchObject({ type: 'CsmsUnavailable', disposition: { kind: 'retry' } });
  });
  it('a Retry-After header, if ever sent, sets the delay; the nested and {code, message} error shapes are read', () => {
    expect(classifyResponse(action, { status: 429, headers: { 'retry-after': '12' }, data: {} }, [])).toMatchObject({ disposition: { kind: 'retry-after', delayMs: 12_000 } });
    expect(classifyResponse(action, { status: 400, headers: {}, data: { error: { error_code: 'CSMS.0107', error_msg: 'x' } } }, []).type).toBe('CsmsSecretPendingDeletion');
    expect(classifyResponse(action, { status: 400, headers: {}, data: { code: 'CSMS.0103', message: 'x' } }, []).type).toBe('CsmsSecretPendingDeletion');
  });
});

describe('CSMS configuration from the environment', () => {
  const base = { CLOUD_SDK_AK: 'AK', CLOUD_SDK_SK: 'SK', CSMS_PROJECT_ID: projectId };

  it('builds the KMS endpoint from the region, or takes CSMS_ENDPOINT', () => {
    expect(csmsConfigFromEnv({ ...base, CSMS_REGION: 'cn-north-4' })).toMatchObject({ endpoint: 'https://kms.cn-north-4.myhuaweicloud.com', region: 'cn-north-4', projectId });
    expect(csmsConfigFromEnv({ ...base, CSMS_ENDPOINT: 'http://127.0.0.1:5058/' })).toMatchObject({ endpoint: 'http://127.0.0.1:5058' });
  });

  it('is absent when nothing is set, and names every missing variable, never a value, when half set', () => {
    expect(csmsConfigFromEnv({ PATH: '/bin' })).toBeUndefined();
    expect(() => csmsConfigFromEnv({ CLOUD_SDK_AK: 'AK-VALUE' })).toThrow(/CLOUD_SDK_SK is not set.*CSMS_PROJECT_ID is not set/);
    expect(() => csmsConfigFromEnv({ ...base, CLOUD_SDK_SK: 'SK-VALUE' })).toThrow(/CSMS_REGION \(or CSMS_ENDPOINT\) is not set/);
    expect(() => csmsConfigFromEnv({ ...base, CSMS_REGION: 'North 4' })).toThrow(/CSMS_REGION must be/);
    expect(() => csmsConfigFromEnv({ CLOUD_SDK_AK: 'AK-VALUE' })).not.toThrow(/AK-VALUE/);
  });
});
