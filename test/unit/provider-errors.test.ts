/**
 * Each provider's status table, row by row: what an answer is classified as (its typed name), what happens next
 * (retry, retry after the provider's advice, fail fast) and what the operator is told to check. The clients' tests
 * (test/providers/) reach these through real answers; here every row is named once, so a row lost or changed fails.
 */
import { awsErrorName, classifyAwsError, unexpectedResponse } from '../../src/providers/aws-iam/errors';
import { cancelDeletionHint, classifyResponse as classifyCsms, csmsHttp, errorBodyOf as csmsBody, type CsmsAction } from '../../src/providers/csms/errors';
import { failFast, ProviderError, retry, retryAfter, type Disposition } from '../../src/providers/errors';
import { classifyFileError, fileRefused } from '../../src/providers/file/errors';
import type { HttpAnswer } from '../../src/providers/http/provider';
import { classifyResponse as classifySoracom, errorBodyOf as soracomBody, isRejectedSession, soracomHttp, type SoracomAction } from '../../src/providers/soracom/errors';
import { classifyResponse as classifyWallarm, ROTATOR_ROLE_HINT, wallarmHttp, type WallarmAction } from '../../src/providers/wallarm/errors';

const answer = (status: number, data?: unknown, headers: Record<string, unknown> = {}): HttpAnswer => ({ status, data, headers });
const seen = (e: ProviderError) => ({ provider: e.provider, type: e.type, disposition: e.disposition, message: e.message, httpStatus: e.httpStatus });

describe('the dispositions', () => {
  it('retry, fail fast, and retry after a delay rounded to whole milliseconds, never negative', () => {
    expect(retry).toEqual({ kind: 'retry' });
    expect(failFast).toEqual({ kind: 'fail' });
    expect(retryAfter(1234.6)).toEqual({ kind: 'retry-after', delayMs: 1235 });
    expect(retryAfter(-5)).toEqual({ kind: 'retry-after', delayMs: 0 });
  });

  it('a ProviderError carries its provider, type, disposition and HTTP status, and its cause only when given one', () => {
    const cause = new Error('underneath');
    const e = new ProviderError('aws-iam', 'IamThrottled', 'slow down', retryAfter(10), { cause, httpStatus: 400 });
    expect(e).toBeInstanceOf(Error);
    expect({ name: e.name, provider: e.provider, type: e.type, message: e.message, disposition: e.disposition, httpStatus: e.httpStatus, cause: e.cause }).toEqual({
      name: 'ProviderError',
      provider: 'aws-iam',
      type: 'IamThrottled',
      message: 'slow down',
      disposition: { kind: 'retry-after', delayMs: 10 },
      httpStatus: 400,
      cause,
    });
    const bare = new ProviderError('file', 'FileUnavailable', 'm', retry);
    expect('cause' in bare).toBe(false);
    expect(bare.httpStatus).toBeUndefined();
  });
});

describe('AWS IAM / STS', () => {
  const awsError = (name: string, status?: number, extra: Record<string, unknown> = {}) => Object.assign(new Error('the message'), { name, $metadata: { httpStatusCode: status }, ...extra });
  const classify = (err: unknown, attempt?: number) => classifyAwsError(err, 'iam:CreateAccessKey funnel', attempt);

  type Row = [name: string, status: number | undefined, type: string, kind: Disposition['kind']];
  const rows: Row[] = [
    ...['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException'].map((n): Row => [n, 400, 'IamThrottled', 'retry-after']),
    ...['ServiceFailure', 'ServiceUnavailable', 'InternalFailure', 'ConcurrentModification', 'EntityTemporarilyUnmodifiable', 'TimeoutError', 'RequestTimeout'].map((n): Row => [n, 409, 'IamUnavailable', 'retry']),
    ...['AccessDenied', 'AccessDeniedException', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException', 'ExpiredToken', 'MissingAuthenticationToken'].map((n): Row => [n, 403, 'IamAccessDenied', 'fail']),
    ['LimitExceeded', 409, 'IamKeyLimitReached', 'fail'],
    ['LimitExceededException', 409, 'IamKeyLimitReached', 'fail'],
    ['NoSuchEntity', 404, 'IamNoSuchEntity', 'fail'],
    ['NoSuchEntityException', 404, 'IamNoSuchEntity', 'fail'],
    ['InvalidInput', 400, 'IamInvalidInput', 'fail'],
    ['ValidationError', 400, 'IamInvalidInput', 'fail'],
    ['MalformedPolicyDocument', 400, 'IamInvalidInput', 'fail'],
    ['SomethingNew', 429, 'IamThrottled', 'retry-after'],
    ['SomethingNew', 500, 'IamUnavailable', 'retry'],
    ['SomethingNew', 503, 'IamUnavailable', 'retry'],
    ['SomethingNew', 400, 'IamRequestRejected', 'fail'],
    ['SomethingNew', 499, 'IamRequestRejected', 'fail'],
    ['SomethingNew', undefined, 'IamUnavailable', 'retry'],
  ];
  it.each(rows)('%s (HTTP %s) is %s, %s', (name, status, type, kind) => {
    const e = classify(awsError(name, status));
    expect({ type: e.type, kind: e.disposition.kind, provider: e.provider, httpStatus: e.httpStatus }).toEqual({ type, kind, provider: 'aws-iam', httpStatus: status });
    expect(e.message.startsWith(`iam:CreateAccessKey funnel failed: ${name}${status ? ` (HTTP ${status})` : ''}: the message`)).toBe(true);
  });

  it('a 300 with an unknown name is no server problem and no rejection: retried as a transport problem would be', () => {
    expect(classify(awsError('SomethingNew', 302)).disposition.kind).toBe('retry');
  });

  it('what the operator reads for each fail-fast row', () => {
    expect(classify(awsError('LimitExceeded', 409)).message).toBe(
      'iam:CreateAccessKey funnel failed: LimitExceeded (HTTP 409): the message — the user already has 2 access keys (Active and Inactive both count)',
    );
    expect(classify(awsError('AccessDenied', 403)).message).toBe(
      "iam:CreateAccessKey funnel failed: AccessDenied (HTTP 403): the message — check the rotator's AWS credentials and that its IAM policy allows iam:CreateAccessKey funnel",
    );
    expect(classify(awsError('Throttling', 400)).message).toBe('iam:CreateAccessKey funnel failed: Throttling (HTTP 400): the message — AWS is throttling; retrying at a slower pace');
    expect(classify(awsError('NoSuchEntity', 404)).message).toBe('iam:CreateAccessKey funnel failed: NoSuchEntity (HTTP 404): the message');
    expect(seen(classify(awsError('CredentialsProviderError')))).toMatchObject({
      type: 'IamNoCredentials',
      disposition: failFast,
      message: 'iam:CreateAccessKey funnel failed: the rotator found no AWS credentials (the message); configure them for the worker (environment, profile or role)',
    });
  });

  it.each(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET'])('%s, on the error or its cause, is a transient IamUnavailable even with a 4xx', (code) => {
    expect(classify(awsError('Weird', 400, { code })).type).toBe('IamUnavailable');
    expect(classify(awsError('Weird', 400, { cause: { code } })).type).toBe('IamUnavailable');
  });

  it('an error the SDK marks as throttling is throttling', () => {
    expect(classify(awsError('Weird', 400, { $retryable: { throttling: true } })).type).toBe('IamThrottled');
    expect(classify(awsError('Weird', 400, { $retryable: { throttling: false } })).type).toBe('IamRequestRejected');
  });

  it('throttling waits half to all of a ceiling that doubles per attempt from 2 s to a minute', () => {
    const delay = (attempt: number | undefined, draw: number) => {
      const random = jest.spyOn(Math, 'random').mockReturnValue(draw);
      try {
        const d = classify(awsError('Throttling', 400), attempt).disposition;
        return d.kind === 'retry-after' ? d.delayMs : NaN;
      } finally {
        random.mockRestore();
      }
    };
    expect([delay(undefined, 0), delay(undefined, 1)]).toEqual([1_000, 2_000]);
    expect([delay(1, 0), delay(2, 0), delay(3, 0), delay(5, 0.5)]).toEqual([1_000, 2_000, 4_000, 24_000]);
    expect([delay(6, 0), delay(6, 1), delay(7, 0), delay(30, 1)]).toEqual([30_000, 60_000, 30_000, 60_000]);
  });

  it('the error name: the SDK’s name, else its code, else UnknownError', () => {
    expect(awsErrorName(awsError('NoSuchEntity'))).toBe('NoSuchEntity');
    expect(awsErrorName(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(awsErrorName(new Error('x'))).toBe('UnknownError');
    expect(awsErrorName(undefined)).toBe('UnknownError');
    expect(classify('a plain string').message).toBe('iam:CreateAccessKey funnel failed: UnknownError: a plain string');
  });

  it('a classified error passes through unchanged', () => {
    const classified = new ProviderError('aws-iam', 'IamAccessDenied', 'already', failFast);
    expect(classify(classified)).toBe(classified);
  });

  it('strips 40-character secrets from the message, and nothing shorter or longer', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const e = classify(Object.assign(new Error(`got ${secret} and ${'a'.repeat(41)} and ${'b'.repeat(39)} and x${secret}`), { name: 'InvalidInput' }));
    expect(e.message).toBe(`iam:CreateAccessKey funnel failed: InvalidInput: got [redacted] and ${'a'.repeat(41)} and ${'b'.repeat(39)} and x${secret}`);
  });

  it('an answer without a field the rotator needs fails fast, naming it and the endpoints to check', () => {
    expect(seen(unexpectedResponse('sts:GetCallerIdentity', 'Arn'))).toEqual({
      provider: 'aws-iam',
      type: 'IamUnexpectedResponse',
      disposition: failFast,
      httpStatus: undefined,
      message: 'sts:GetCallerIdentity: the answer has no Arn, which the rotator needs; check AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS if an emulator or proxy answers for AWS',
    });
  });
});

describe('SORACOM', () => {
  const action: SoracomAction = { operation: 'updateCredential', permission: 'Credential:updateCredential', credentialsId: 'funnel-aws', endpoint: 'https://api.soracom.io/v1' };
  const classify = (a: HttpAnswer, over: Partial<SoracomAction> = {}) => classifySoracom({ ...action, ...over }, a, ['secret-value-1234']);
  const body = (code: string, message: string) => ({ code, message });

  it('429: retry after SORACOM’s own header, else Retry-After, else a minute', () => {
    const limited = (headers: Record<string, unknown>) => classify(answer(429, body('AGW0002', 'Too many'), headers));
    expect(seen(limited({ 'x-soracom-ratelimit-seconds-before-refresh': '2' }))).toEqual({
      provider: 'soracom',
      type: 'SoracomRateLimited',
      disposition: { kind: 'retry-after', delayMs: 2_000 },
      httpStatus: 429,
      message: `SORACOM updateCredential of credentials set 'funnel-aws' failed: HTTP 429 AGW0002 "Too many". Rate limited; retry in 2 s.`,
    });
    expect(limited({ 'x-soracom-ratelimit-seconds-before-refresh': '0' }).disposition).toEqual(retryAfter(0));
    expect(limited({ 'x-soracom-ratelimit-seconds-before-refresh': '-1', 'retry-after': '5' }).disposition).toEqual(retryAfter(5_000));
    expect(limited({ 'x-soracom-ratelimit-seconds-before-refresh': 'soon', 'retry-after': '5' }).disposition).toEqual(retryAfter(5_000));
    expect(limited({ 'retry-after': '7' }).disposition).toEqual(retryAfter(7_000));
    expect(limited({}).disposition).toEqual(retryAfter(60_000));
    expect(limited({}).message).toMatch(/Rate limited; retry in 60 s\.$/);
  });

  it('5xx: retried', () => {
    for (const status of [500, 502, 503]) expect(seen(classify(answer(status)))).toMatchObject({ type: 'SoracomUnavailable', disposition: retry });
    expect(classify(answer(500, body('COM0000', 'Internal')))).toMatchObject({ message: `SORACOM updateCredential of credentials set 'funnel-aws' failed: HTTP 500 COM0000 "Internal". SORACOM had a server-side problem; retrying.` });
  });

  it('401, 403 and a refused session: fail fast, naming where the AuthKey came from and the SAM permission', () => {
    expect(seen(classify(answer(401)))).toMatchObject({
      type: 'SoracomAuthFailed',
      disposition: failFast,
      message: "SORACOM updateCredential of credentials set 'funnel-aws' failed: HTTP 401. Check SORACOM_AUTH_KEY_ID / SORACOM_AUTH_KEY and the SAM user's permission for Credential:updateCredential.",
    });
    expect(classify(answer(403, body('AUM0017', 'no')))).toMatchObject({ type: 'SoracomPermissionDenied' });
    expect(classify(answer(400, body('AUM0001', 'x')), { permission: undefined, authKeyFrom: 'profile default' })).toMatchObject({
      type: 'SoracomAuthFailed',
      message: `SORACOM updateCredential of credentials set 'funnel-aws' failed: HTTP 400 AUM0001 "x". Check profile default.`,
    });
    expect(classify(answer(400, body('COM0001', 'Invalid API Key')))).toMatchObject({ type: 'SoracomAuthFailed' });
  });

  it('a refused session is 401, or 400 with AUM0001 or "invalid api key"; nothing else', () => {
    expect(isRejectedSession(401, undefined)).toBe(true);
    expect(isRejectedSession(400, body('AUM0001', 'whatever'))).toBe(true);
    expect(isRejectedSession(400, { httpStatus: 400, errorMessage: body('COM0001', 'invalid API key') })).toBe(true);
    expect(isRejectedSession(400, body('COM0001', 'bad set'))).toBe(false);
    expect(isRejectedSession(400, 'invalid api key')).toBe(false);
    expect(isRejectedSession(403, body('AUM0001', 'x'))).toBe(false);
  });

  it('404 of /auth: the endpoint is wrong, not the AuthKey', () => {
    expect(seen(classify(answer(404), { operation: 'auth', credentialsId: undefined, endpoint: 'https://example.com' }))).toMatchObject({
      type: 'SoracomEndpointInvalid',
      disposition: failFast,
      message:
        "SORACOM auth failed: HTTP 404. https://example.com/auth is not SORACOM's login: the endpoint is wrong, not the AuthKey. Check SORACOM_ENDPOINT / SORACOM_COVERAGE_TYPE: SORACOM's API root, e.g. https://api.soracom.io (Japan) or https://g.api.soracom.io (global), with or without /v1.",
    });
    expect(classify(answer(404), { operation: 'authWithKey', endpointFrom: 'profile p' }).message).toContain('Check profile p:');
  });

  it('404 of a set, an AuthKey, or anything else: fail fast, naming it', () => {
    expect(classify(answer(404)).message).toBe(
      "SORACOM updateCredential of credentials set 'funnel-aws' failed: HTTP 404. The credentials set 'funnel-aws' does not exist at https://api.soracom.io/v1: check the id and the coverage (SORACOM_ENDPOINT / SORACOM_COVERAGE_TYPE).",
    );
    expect(classify(answer(404), { operation: 'deleteUserAuthKey', credentialsId: undefined, authKeyId: 'keyId-1', endpointFrom: 'the profile' })).toMatchObject({
      type: 'SoracomNotFound',
      message: "SORACOM deleteUserAuthKey of AuthKey 'keyId-1' failed: HTTP 404. The AuthKey 'keyId-1' does not exist at https://api.soracom.io/v1: check the id and the coverage (the profile).",
    });
    expect(classify(answer(404), { operation: 'listGroups', credentialsId: undefined }).message).toBe(
      'SORACOM listGroups failed: HTTP 404. The resource does not exist at https://api.soracom.io/v1: check the id and the coverage (SORACOM_ENDPOINT / SORACOM_COVERAGE_TYPE).',
    );
  });

  it('any other 4xx: rejected, with a hint for a set that already exists', () => {
    expect(seen(classify(answer(400, body('CRD0001', 'exists')), { operation: 'createCredential' }))).toMatchObject({
      type: 'SoracomRequestRejected',
      disposition: failFast,
      message: `SORACOM createCredential of credentials set 'funnel-aws' failed: HTTP 400 CRD0001 "exists". SORACOM rejected the request; retrying will not help. If the set already exists, update it instead.`,
    });
    expect(classify(answer(409)).message).toMatch(/retrying will not help\.$/);
  });

  it('secrets never reach a message; both error body forms are read', () => {
    expect(classify(answer(400, body('X', 'bad secret-value-1234'))).message).toContain('"bad ***"');
    expect(soracomBody({ httpStatus: 400, errorMessage: body('A', 'b') })).toEqual(body('A', 'b'));
    expect(soracomBody('text')).toBeUndefined();
  });

  it('the shared plumbing carries SORACOM’s names', () => {
    expect(soracomHttp.profile.types).toEqual({ unreachable: 'SoracomUnreachable', endpointInvalid: 'SoracomEndpointInvalid', unexpectedResponse: 'SoracomUnexpectedResponse' });
    expect(soracomHttp.transportFailure(action, { code: 'EINVAL', message: 'bad url' }, []).message).toBe(
      "SORACOM updateCredential of credentials set 'funnel-aws' failed: no answer from https://api.soracom.io/v1 (EINVAL: bad url). Check SORACOM_ENDPOINT / SORACOM_COVERAGE_TYPE.",
    );
  });
});

describe('Huawei Cloud CSMS', () => {
  const action: CsmsAction = { operation: 'CreateSecretVersion', permission: 'csms:secret:createVersion', secretName: 'app-aws', endpoint: 'https://kms.cn-north-4.myhuaweicloud.com', projectId: 'p0' };
  const classify = (a: HttpAnswer, over: Partial<CsmsAction> = {}) => classifyCsms({ ...action, ...over }, a, ['secret-value-1234']);
  const err = (code: string, msg = 'm') => ({ error_code: code, error_msg: msg });
  const prefix = "CSMS CreateSecretVersion of secret 'app-aws' failed:";

  it('429 or APIGW.0308: retry after Retry-After, else 5 s', () => {
    expect(seen(classify(answer(429, err('APIGW.0308', 'throttled'), { 'x-request-id': 'r1' })))).toEqual({
      provider: 'csms',
      type: 'CsmsThrottled',
      disposition: retryAfter(5_000),
      httpStatus: 429,
      message: `${prefix} HTTP 429 APIGW.0308 "throttled" (request id r1). Throttled by the API gateway; retry in 5 s.`,
    });
    expect(classify(answer(400, err('APIGW.0308'))).type).toBe('CsmsThrottled');
    expect(classify(answer(429, undefined, { 'retry-after': '8' })).disposition).toEqual(retryAfter(8_000));
    expect(classify(answer(429, undefined, { 'x-request-id': 42 })).message).toBe(`${prefix} HTTP 429. Throttled by the API gateway; retry in 5 s.`);
  });

  it('a secret pending deletion: fail fast, saying how to cancel the deletion', () => {
    for (const code of ['CSMS.0103', 'CSMS.0107']) {
      expect(seen(classify(answer(400, err(code))))).toMatchObject({
        type: 'CsmsSecretPendingDeletion',
        disposition: failFast,
        message: `${prefix} HTTP 400 ${code} "m". Secret 'app-aws' is scheduled for deletion (PENDING_DELETE) and cannot be read or written. ${cancelDeletionHint('app-aws', 'p0')}`,
      });
    }
    expect(cancelDeletionHint('s', 'p')).toBe(
      "Cancel the deletion with RestoreSecret (POST /v1/p/secrets/s/scheduled-deleted-tasks/cancel, 'hcloud CSMS RestoreSecret', or 'Cancel Deletion' in the DEW console), then start the rotation again.",
    );
    expect(classify(answer(400, err('CSMS.0103')), { secretName: undefined }).message).toContain("Secret '?' is scheduled for deletion");
    expect(classify(answer(400, err('CSMS.0103')), { secretName: undefined }).message).toContain('/v1/p0/secrets/<name>/scheduled-deleted-tasks/cancel');
  });

  it('5xx: retried', () => {
    expect(seen(classify(answer(500, err('CSMS.0001'))))).toMatchObject({ type: 'CsmsUnavailable', disposition: retry, message: `${prefix} HTTP 500 CSMS.0001 "m". CSMS had a server-side problem; retrying.` });
    expect(classify(answer(503)).type).toBe('CsmsUnavailable');
  });

  it('401 or APIGW.0301: fail fast (5 failures lock the AK); an expired signature is the clock', () => {
    expect(seen(classify(answer(401, err('APIGW.0301', 'Incorrect IAM authentication information'))))).toMatchObject({
      type: 'CsmsAuthFailed',
      disposition: failFast,
      message: `${prefix} HTTP 401 APIGW.0301 "Incorrect IAM authentication information". Check CLOUD_SDK_AK / CLOUD_SDK_SK (5 failures in a row lock the AK for 5 minutes).`,
    });
    expect(classify(answer(400, err('APIGW.0301'))).type).toBe('CsmsAuthFailed');
    expect(classify(answer(401))).toMatchObject({ type: 'CsmsAuthFailed' });
    expect(classify(answer(401, err('APIGW.0301', 'Signature Expired')))).toMatchObject({
      type: 'CsmsSignatureExpired',
      message: `${prefix} HTTP 401 APIGW.0301 "Signature Expired". The worker's clock differs from Huawei's by more than 15 minutes: fix the clock (NTP).`,
    });
  });

  it('403: the IAM action to grant, on which secret and project', () => {
    expect(seen(classify(answer(403, err('CSMS.0403'))))).toMatchObject({
      type: 'CsmsPermissionDenied',
      disposition: failFast,
      message: `${prefix} HTTP 403 CSMS.0403 "m". Grant the IAM user the action csms:secret:createVersion on secret 'app-aws' in project p0.`,
    });
    expect(classify(answer(403), { secretName: undefined }).message).toBe("CSMS CreateSecretVersion failed: HTTP 403. Grant the IAM user the action csms:secret:createVersion on secret '*' in project p0.");
  });

  it('not found (404, CSMS.0005, CSMS.0106): fail fast, naming what to check', () => {
    for (const a of [answer(404), answer(400, err('CSMS.0005')), answer(400, err('CSMS.0106'))]) expect(classify(a).type).toBe('CsmsNotFound');
    expect(classify(answer(404)).message).toBe(
      `${prefix} HTTP 404. The secret 'app-aws' (or the version or stage asked for) does not exist in project p0 at https://kms.cn-north-4.myhuaweicloud.com: check the name, CSMS_PROJECT_ID and CSMS_REGION.`,
    );
    expect(classify(answer(404), { secretName: undefined }).message).toContain('The resource does not exist in project p0');
  });

  it('not pending deletion, quotas, anything else', () => {
    expect(seen(classify(answer(400, err('CSMS.0108'))))).toMatchObject({ type: 'CsmsSecretNotPendingDeletion', disposition: failFast, message: `${prefix} HTTP 400 CSMS.0108 "m". Secret 'app-aws' is not scheduled for deletion.` });
    expect(classify(answer(400, err('CSMS.0108')), { secretName: undefined }).message).toContain("Secret '?' is not scheduled");
    for (const code of ['CSMS.0202', 'CSMS.0203']) {
      expect(seen(classify(answer(400, err(code))))).toMatchObject({ type: 'CsmsQuotaReached', disposition: failFast, message: `${prefix} HTTP 400 ${code} "m". A CSMS quota is reached (500 secrets per project, 12 stages per secret).` });
    }
    expect(seen(classify(answer(400, err('CSMS.9999'))))).toMatchObject({ type: 'CsmsRequestRejected', disposition: failFast, message: `${prefix} HTTP 400 CSMS.9999 "m". CSMS rejected the request; retrying will not help.` });
  });

  it('reads each error body Huawei sends, and never a secret', () => {
    expect(csmsBody({ error_code: 'A', error_msg: 'b' })).toEqual({ code: 'A', message: 'b' });
    expect(csmsBody({ error: { error_code: 'A', error_msg: 'b' } })).toEqual({ code: 'A', message: 'b' });
    expect(csmsBody({ code: 401, message: 'b' })).toEqual({ code: '401', message: 'b' });
    expect(csmsBody('nope')).toBeUndefined();
    expect(classify(answer(400, err('X', 'bad secret-value-1234'))).message).toContain('"bad ***"');
  });

  it('the shared plumbing carries CSMS’s names and what to check', () => {
    expect(csmsHttp.profile.types).toEqual({ unreachable: 'CsmsUnreachable', endpointInvalid: 'CsmsEndpointInvalid', unexpectedResponse: 'CsmsUnexpectedResponse' });
    expect(csmsHttp.transportFailure(action, { code: 'EINVAL', message: 'bad url' }, []).message).toMatch(/no answer from https:\/\/kms\.cn-north-4\.myhuaweicloud\.com \(EINVAL: bad url\)\. Check CSMS_REGION \/ CSMS_ENDPOINT\.$/);
  });
});

describe('Wallarm', () => {
  const action: WallarmAction = { operation: 'updateToken', tokenId: 1234, endpoint: 'https://us1.api.wallarm.com' };
  const classify = (a: HttpAnswer, over: Partial<WallarmAction> = {}) => classifyWallarm({ ...action, ...over }, a, ['secret-value-1234']);
  const prefix = 'Wallarm updateToken of API token 1234 failed:';

  it('the shared plumbing carries Wallarm’s names and what to check', () => {
    expect(wallarmHttp.profile.types).toEqual({ unreachable: 'WallarmUnreachable', endpointInvalid: 'WallarmEndpointInvalid', unexpectedResponse: 'WallarmUnexpectedResponse' });
    expect(wallarmHttp.transportFailure(action, { code: 'EINVAL', message: 'bad url' }, []).message).toMatch(/no answer from https:\/\/us1\.api\.wallarm\.com \(EINVAL: bad url\)\. Check WALLARM_CLOUD \/ WALLARM_API_HOST\.$/);
  });

  it('429 and 5xx: retried, after Retry-After when Wallarm sends one', () => {
    expect(seen(classify(answer(429, { status: 429, body: 'Too many requests' })))).toEqual({
      provider: 'wallarm',
      type: 'WallarmRateLimited',
      disposition: retry,
      httpStatus: 429,
      message: `${prefix} HTTP 429 "Too many requests". Rate limited; retrying with backoff.`,
    });
    expect(seen(classify(answer(429, undefined, { 'retry-after': '3' })))).toMatchObject({ disposition: retryAfter(3_000), message: `${prefix} HTTP 429. Rate limited; retry in 3 s.` });
    expect(seen(classify(answer(502)))).toMatchObject({ type: 'WallarmUnavailable', disposition: retry, message: `${prefix} HTTP 502. Wallarm had a server-side problem; retrying.` });
    expect(classify(answer(503, undefined, { 'retry-after': '4' })).disposition).toEqual(retryAfter(4_000));
  });

  it('401 and 403: the role the rotator’s token needs', () => {
    for (const status of [401, 403]) {
      expect(seen(classify(answer(status, { status, body: 'Check permissions failed' })))).toMatchObject({
        type: 'WallarmPermissionDenied',
        disposition: failFast,
        message: `${prefix} HTTP ${status} "Check permissions failed". Check WALLARM_API_TOKEN and WALLARM_CLOUD / WALLARM_API_HOST: ${ROTATOR_ROLE_HINT}.`,
      });
    }
  });

  it('404: the token, or the resource, to check', () => {
    expect(seen(classify(answer(404)))).toMatchObject({
      type: 'WallarmNotFound',
      disposition: failFast,
      message: `${prefix} HTTP 404. The API token 1234 does not exist at https://us1.api.wallarm.com, or the rotator's user may not see it: check the id and the cloud.`,
    });
    expect(classify(answer(404), { tokenId: undefined, operation: 'listTokens' }).message).toBe(
      "Wallarm listTokens failed: HTTP 404. The resource does not exist at https://us1.api.wallarm.com, or the rotator's user may not see it: check the id and the cloud.",
    );
  });

  it('any other 4xx: rejected; a new token may not be wider than its creator', () => {
    expect(seen(classify(answer(400, { status: 400, body: { permissions: { error: 'invalid' } } }), { operation: 'createToken', tokenId: undefined }))).toMatchObject({
      type: 'WallarmRequestRejected',
      disposition: failFast,
      message: `Wallarm createToken failed: HTTP 400 {"permissions":{"error":"invalid"}}. Wallarm rejected the request; retrying will not help. A new token's permissions may not be wider than the rotator user's role.`,
    });
    expect(classify(answer(422)).message).toBe(`${prefix} HTTP 422. Wallarm rejected the request; retrying will not help.`);
  });

  it('says what Wallarm’s body said, cut at 300 characters, and never a secret', () => {
    expect(classify(answer(400, { body: 'x'.repeat(400) })).message).toBe(`${prefix} HTTP 400 "${'x'.repeat(299)}…. Wallarm rejected the request; retrying will not help.`);
    expect(classify(answer(400, { body: 'y'.repeat(298) })).message).toBe(`${prefix} HTTP 400 "${'y'.repeat(298)}". Wallarm rejected the request; retrying will not help.`);
    expect(classify(answer(400, { status: 400 })).message).toBe(`${prefix} HTTP 400. Wallarm rejected the request; retrying will not help.`);
    expect(classify(answer(400, 'not an envelope')).message).toBe(`${prefix} HTTP 400. Wallarm rejected the request; retrying will not help.`);
    expect(classify(answer(400, { body: 'leaked secret-value-1234' })).message).toContain('"leaked ***"');
  });
});

describe('files', () => {
  const errno = (code: string) => Object.assign(new Error(`${code}: oops`), { code });

  it.each(['ENOSPC', 'EIO', 'EBUSY', 'EAGAIN', 'EMFILE', 'ENFILE', 'EINTR'])('%s passes: FileUnavailable, retried', (code) => {
    expect(seen(classifyFileError(errno(code), 'write', '/etc/rotator/key.json'))).toEqual({
      provider: 'file',
      type: 'FileUnavailable',
      disposition: retry,
      httpStatus: undefined,
      message: `write /etc/rotator/key.json failed (${code}): retrying.`,
    });
  });

  it.each([
    ['ENOENT', 'the directory does not exist on this worker: create it, or mount the volume that holds it'],
    ['ENOTDIR', 'a part of the path is not a directory'],
    ['EISDIR', 'the path is a directory; name a file'],
    ['EACCES', 'the worker may not write there: give its user write access to the directory'],
    ['EPERM', 'the worker may not write there: give its user write access to the directory'],
    ['EROFS', 'the file system is read-only on this worker: name a file on a writable volume'],
    ['ELOOP', 'the path is a symbolic link loop'],
    ['EXDEV', 'the temporary file and the target are on different file systems'],
    ['EWHATEVER', "check the path and the worker's permissions"],
  ])('%s needs an operator: FileNotWritable, failing fast, saying what to do', (code, hint) => {
    const e = classifyFileError(errno(code), 'rename', '/srv/key.json');
    expect({ type: e.type, disposition: e.disposition, message: e.message }).toEqual({ type: 'FileNotWritable', disposition: failFast, message: `rename /srv/key.json failed (${code}): ${hint}.` });
    // the cause names the code only: a file system error's message may quote the file's path or content
    expect((e.cause as Error).message).toBe(code);
  });

  it('an error without a code, a classified error, and a file the rotator refuses', () => {
    expect(classifyFileError(new Error('?'), 'write', '/x').message).toBe("write /x failed (EUNKNOWN): check the path and the worker's permissions.");
    expect(classifyFileError(undefined, 'write', '/x').type).toBe('FileNotWritable');
    const classified = fileRefused('FileNotJson', 'not JSON');
    expect(classifyFileError(classified, 'write', '/x')).toBe(classified);
    expect(seen(classified)).toEqual({ provider: 'file', type: 'FileNotJson', disposition: failFast, httpStatus: undefined, message: 'not JSON' });
  });
});

