import { ApplicationFailure } from '@temporalio/common';
import { toActivityFailure } from '../../src/activities/failures';
import { classifyAwsError } from '../../src/providers/aws-iam/errors';

const awsError = (name: string, status?: number, message = 'm') => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('IAM/STS error classification', () => {
  it.each([
    ['Throttling', 400, 'retry-after', 'IamThrottled'],
    ['ServiceFailure', 500, 'retry', 'IamUnavailable'],
    ['EntityTemporarilyUnmodifiable', 409, 'retry', 'IamUnavailable'],
    ['LimitExceededException', 409, 'fail', 'IamKeyLimitReached'],
    ['NoSuchEntityException', 404, 'fail', 'IamNoSuchEntity'],
    ['AccessDenied', 403, 'fail', 'IamAccessDenied'],
    ['InvalidClientTokenId', 403, 'fail', 'IamAccessDenied'],
    ['InvalidInput', 400, 'fail', 'IamInvalidInput'],
    ['CredentialsProviderError', undefined, 'fail', 'IamNoCredentials'],
    ['SomethingNew', 418, 'fail', 'IamRequestRejected'],
    ['SomethingNew', 499, 'fail', 'IamRequestRejected'],
    ['SomethingNew', 500, 'retry', 'IamUnavailable'],
    ['SomethingNew', undefined, 'retry', 'IamUnavailable'],
  ])('%s (HTTP %s) → %s %s', (name, status, kind, type) => {
    const e = classifyAwsError(awsError(name, status), 'iam:CreateAccessKey funnel');
    expect(e.disposition.kind).toBe(kind);
    expect(e.type).toBe(type);
    expect(e.message).toMatch(/^iam:CreateAccessKey funnel failed/);
  });

  it('says what to do when the worker has no AWS credentials', () => {
    expect(classifyAwsError(awsError('CredentialsProviderError', undefined, 'Could not load credentials from any providers'), 'iam:ListAccessKeys').message).toBe(
      'iam:ListAccessKeys failed: the rotator found no AWS credentials (Could not load credentials from any providers); configure them for the worker (environment, profile or role)',
    );
  });

  it('takes a thrown nothing (null, undefined) as a transport problem worth another try', () => {
    for (const nothing of [null, undefined]) {
      const e = classifyAwsError(nothing, 'op');
      expect([e.type, e.disposition.kind]).toEqual(['IamUnavailable', 'retry']);
    }
  });

  it('treats a connection reset without HTTP status as transient', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyAwsError(reset, 'op').disposition.kind).toBe('retry');
  });

  it('throttling delays grow with the attempt and are jittered within a bound', () => {
    const delay = (attempt: number) => {
      const d = classifyAwsError(awsError('Throttling', 400), 'op', attempt).disposition;
      return d.kind === 'retry-after' ? d.delayMs : NaN;
    };
    for (let i = 0; i < 20; i++) {
      expect(delay(1)).toBeGreaterThanOrEqual(1_000);
      expect(delay(1)).toBeLessThanOrEqual(2_000);
      expect(delay(10)).toBeLessThanOrEqual(60_000);
    }
  });

  it('strips anything shaped like a secret access key from messages', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    expect(classifyAwsError(awsError('InvalidInput', 400, `bad value ${secret}`), 'op').message).not.toContain(secret);
  });

  it('maps dispositions to Temporal: fail → non-retryable, retry-after → nextRetryDelay', () => {
    const fail = toActivityFailure(classifyAwsError(awsError('AccessDenied', 403), 'op'));
    expect(fail).toBeInstanceOf(ApplicationFailure);
    expect(fail).toMatchObject({ nonRetryable: true, type: 'IamAccessDenied' });
    const slow = toActivityFailure(classifyAwsError(awsError('Throttling', 400), 'op'));
    expect(slow.nonRetryable).toBe(false);
    expect(slow.nextRetryDelay).toBeGreaterThanOrEqual(1_000);
  });
});
