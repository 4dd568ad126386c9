import { failFast, ProviderError, retry, retryAfter } from '../errors';
import type { CallOutcome } from '../../telemetry/metrics';

const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);
const TRANSIENT = new Set(['ServiceFailure', 'ServiceUnavailable', 'InternalFailure', 'ConcurrentModification', 'EntityTemporarilyUnmodifiable', 'TimeoutError', 'RequestTimeout']);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET']);
const AUTH = new Set(['AccessDenied', 'AccessDeniedException', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException', 'ExpiredToken', 'MissingAuthenticationToken']);

interface AwsErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

/** AWS error name as the SDK reports it; the SDK renames IAM's LimitExceeded to LimitExceededException. */
export function awsErrorName(err: unknown): string {
  const e = err as AwsErrorShape;
  return (e?.name && e.name !== 'Error' ? e.name : e?.code) ?? 'UnknownError';
}

/** How IAM or STS answered a call that failed, for the provider-call metrics: throttling as classifyAwsError sees it. */
export function awsCallOutcome(err: unknown): CallOutcome {
  const e = err as AwsErrorShape;
  const status = e?.$metadata?.httpStatusCode;
  if (THROTTLING.has(awsErrorName(err)) || status === 429 || e?.$retryable?.throttling) return 'throttled';
  if (status === undefined) return 'no_answer';
  return status >= 500 ? 'server_error' : 'client_error';
}

/**
 * Classifies an IAM/STS error. `operation` names what was attempted, for an operator-readable message.
 * Throttling: retry after a jittered, growing delay (IAM publishes no rate and sends no Retry-After).
 */
export function classifyAwsError(err: unknown, operation: string, attempt = 1): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = err as AwsErrorShape & { cause?: { code?: string } };
  const name = awsErrorName(err);
  const status = e?.$metadata?.httpStatusCode;
  const detail = redactAwsMessage(e?.message ?? String(err));
  const base = `${operation} failed: ${name}${status ? ` (HTTP ${status})` : ''}: ${detail}`;
  const opts = { cause: err, httpStatus: status };

  if (name === 'CredentialsProviderError') {
    return new ProviderError('aws-iam', 'IamNoCredentials', `${operation} failed: the rotator found no AWS credentials (${detail}); configure them for the worker (environment, profile or role)`, failFast, opts);
  }
  if (THROTTLING.has(name) || status === 429 || e?.$retryable?.throttling) {
    const ceiling = Math.min(60_000, 1_000 * 2 ** Math.min(attempt, 6));
    return new ProviderError('aws-iam', 'IamThrottled', `${base} — AWS is throttling; retrying at a slower pace`, retryAfter(ceiling / 2 + Math.random() * (ceiling / 2)), opts);
  }
  if (name === 'LimitExceeded' || name === 'LimitExceededException') {
    return new ProviderError('aws-iam', 'IamKeyLimitReached', `${base} — the user already has 2 access keys (Active and Inactive both count)`, failFast, opts);
  }
  if (name === 'NoSuchEntity' || name === 'NoSuchEntityException') {
    return new ProviderError('aws-iam', 'IamNoSuchEntity', base, failFast, opts);
  }
  if (AUTH.has(name)) {
    return new ProviderError('aws-iam', 'IamAccessDenied', `${base} — check the rotator's AWS credentials and that its IAM policy allows ${operation}`, failFast, opts);
  }
  if (name === 'InvalidInput' || name === 'ValidationError' || name === 'MalformedPolicyDocument') {
    return new ProviderError('aws-iam', 'IamInvalidInput', base, failFast, opts);
  }
  if (TRANSIENT.has(name) || (status !== undefined && status >= 500) || NETWORK.has(e?.code ?? '') || NETWORK.has(e?.cause?.code ?? '')) {
    return new ProviderError('aws-iam', 'IamUnavailable', base, retry, opts);
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new ProviderError('aws-iam', 'IamRequestRejected', base, failFast, opts);
  }
  // no HTTP status at all: a transport problem (reset, timeout, DNS) is worth another try
  return new ProviderError('aws-iam', 'IamUnavailable', base, retry, opts);
}

/** An answer without a field IAM or STS documents and the rotator needs: fail fast, naming the call and the field. */
export function unexpectedResponse(operation: string, field: string): ProviderError {
  return new ProviderError(
    'aws-iam',
    'IamUnexpectedResponse',
    `${operation}: the answer has no ${field}, which the rotator needs; check AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL_STS if an emulator or proxy answers for AWS`,
    failFast,
  );
}

/** AWS messages never echo secret keys, but an access-key secret is 40 base64 chars: strip anything shaped like one. */
function redactAwsMessage(message: string): string {
  return message.replace(/(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g, '[redacted]');
}
