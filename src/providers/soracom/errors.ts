import { retry, retryAfter, type ProviderError } from '../errors';
import { HttpProvider, type HttpAnswer } from '../http/provider';
import { retryAfterMs } from '../http/retry-after';
import { SoracomErrorBody } from './schemas';

/** What the client was doing, for messages an operator can act on. */
export interface SoracomAction {
  /** the spec's operationId, e.g. `updateCredential` */
  readonly operation: string;
  /** the SAM permission the call needs, e.g. `Credential:updateCredential`; none for `/auth` */
  readonly permission?: string;
  readonly credentialsId?: string;
  readonly authKeyId?: string;
  readonly endpoint: string;
  /** what set the endpoint, for the operator to check: SORACOM_ENDPOINT / SORACOM_COVERAGE_TYPE unless a profile did */
  readonly endpointFrom?: string;
  /** what gave the AuthKey, for the operator to check: SORACOM_AUTH_KEY_ID / SORACOM_AUTH_KEY unless a file or profile did */
  readonly authKeyFrom?: string;
}

const DEFAULT_ENDPOINT_FROM = 'SORACOM_ENDPOINT / SORACOM_COVERAGE_TYPE';
const DEFAULT_AUTH_KEY_FROM = 'SORACOM_AUTH_KEY_ID / SORACOM_AUTH_KEY';

/** The shared HTTP plumbing under SORACOM's names: transport and body failures, and what to check. */
export const soracomHttp = new HttpProvider<SoracomAction>({
  provider: 'soracom', describe, endpointHint: 'Check SORACOM_ENDPOINT / SORACOM_COVERAGE_TYPE.',
  types: { unreachable: 'SoracomUnreachable', endpointInvalid: 'SoracomEndpointInvalid', unexpectedResponse: 'SoracomUnexpectedResponse' },
});

/** The `{code, message}` of an error body in either form, if it has one. */
export const errorBodyOf = (data: unknown): SoracomErrorBody | undefined => SoracomErrorBody.safeParse(data).data;

/** A refused API key/token pair: SORACOM answers 400 'invalid api key', AUM0001 (status undocumented) or 401 (provider-facts §1.2). */
export function isRejectedSession(status: number, data: unknown): boolean {
  if (status === 401) return true;
  if (status !== 400) return false;
  const body = errorBodyOf(data);
  return body?.code === 'AUM0001' || /invalid api key/i.test(body?.message ?? '');
}

/** Classifies an HTTP answer outside the expected statuses. */
export function classifyResponse(action: SoracomAction, response: HttpAnswer, secrets: readonly string[]): ProviderError {
  const { status } = response;
  const body = errorBodyOf(response.data);
  const fail = soracomHttp.answerFailure(action, response, body === undefined ? `HTTP ${status}` : `HTTP ${status} ${body.code} "${body.message}"`, secrets);

  if (status === 429) {
    const delayMs = rateLimitDelayMs(response.headers);
    return fail('SoracomRateLimited', `Rate limited; retry in ${Math.round(delayMs / 1000)} s.`, retryAfter(delayMs));
  }
  if (status >= 500) return fail('SoracomUnavailable', 'SORACOM had a server-side problem; retrying.', retry);
  if (status === 401 || status === 403 || isRejectedSession(status, response.data)) {
    const permission = action.permission === undefined ? '' : ` and the SAM user's permission for ${action.permission}`;
    return fail(status === 403 ? 'SoracomPermissionDenied' : 'SoracomAuthFailed', `Check ${action.authKeyFrom ?? DEFAULT_AUTH_KEY_FROM}${permission}.`);
  }
  const endpointFrom = action.endpointFrom ?? DEFAULT_ENDPOINT_FROM;
  // SORACOM answers a wrong AuthKey with 401: POST /auth not found means the request went somewhere else than its API
  if (status === 404 && action.operation.startsWith('auth')) {
    return fail(
      soracomHttp.profile.types.endpointInvalid,
      `${action.endpoint}/auth is not SORACOM's login: the endpoint is wrong, not the AuthKey. Check ${endpointFrom}: SORACOM's API root, e.g. https://api.soracom.io (Japan) or https://g.api.soracom.io (global), with or without /v1.`,
    );
  }
  if (status === 404) {
    const what = action.credentialsId !== undefined ? `credentials set '${action.credentialsId}'` : action.authKeyId !== undefined ? `AuthKey '${action.authKeyId}'` : 'resource';
    return fail('SoracomNotFound', `The ${what} does not exist at ${action.endpoint}: check the id and the coverage (${endpointFrom}).`);
  }
  const hint = action.operation === 'createCredential' ? ' If the set already exists, update it instead.' : '';
  return fail('SoracomRequestRejected', `SORACOM rejected the request; retrying will not help.${hint}`);
}

function describe({ operation, credentialsId, authKeyId }: SoracomAction): string {
  if (credentialsId !== undefined) return `SORACOM ${operation} of credentials set '${credentialsId}'`;
  if (authKeyId !== undefined) return `SORACOM ${operation} of AuthKey '${authKeyId}'`;
  return `SORACOM ${operation}`;
}

// provider-facts §1.3: after a 429 "wait up to one minute"
const defaultRateLimitDelayMs = 60_000;

/** SORACOM's own header first (it sends no Retry-After, provider-facts §1.3), then Retry-After, then a minute. */
function rateLimitDelayMs(headers: Record<string, unknown>): number {
  const refresh = Number(headers['x-soracom-ratelimit-seconds-before-refresh']);
  // absent: Number(undefined) is NaN, not finite
  if (Number.isFinite(refresh) && refresh >= 0) return refresh * 1000;
  return retryAfterMs(headers['retry-after']) ?? defaultRateLimitDelayMs;
}
