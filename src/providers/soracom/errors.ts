import { failFast, ProviderError, retry, retryAfter, type Disposition } from '../errors';
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
}

const provider = 'soracom';
// notes §1.3: after a 429 "wait up to one minute"
const defaultRateLimitDelayMs = 60_000;
const transientNetworkCodes = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

/** The `{code, message}` of an error body in either form, if it has one. */
export function errorBodyOf(data: unknown): SoracomErrorBody | undefined {
  const parsed = SoracomErrorBody.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/** A refused API key/token pair: SORACOM answers 400 'invalid api key', AUM0001 (status undocumented) or 401 (notes §1.2). */
export function isRejectedSession(status: number, data: unknown): boolean {
  if (status === 401) return true;
  if (status !== 400) return false;
  const body = errorBodyOf(data);
  return body?.code === 'AUM0001' || /invalid api key/i.test(body?.message ?? '');
}

/** Classifies an HTTP answer outside the expected statuses. */
export function classifyResponse(
  action: SoracomAction,
  response: { status: number; headers: Record<string, unknown>; data: unknown },
  secrets: readonly string[],
): ProviderError {
  const { status } = response;
  const body = errorBodyOf(response.data);
  const said = body === undefined ? `HTTP ${status}` : `HTTP ${status} ${body.code} "${body.message}"`;
  const fail = (type: string, hint: string, disposition: Disposition = failFast) =>
    new ProviderError(provider, type, scrub(`${describe(action)} failed: ${said}. ${hint}`, secrets), disposition, { httpStatus: status });

  if (status === 429) {
    const delayMs = rateLimitDelayMs(response.headers);
    return fail('SoracomRateLimited', `Rate limited; retry in ${Math.round(delayMs / 1000)} s.`, retryAfter(delayMs));
  }
  if (status >= 500) return fail('SoracomUnavailable', 'SORACOM had a server-side problem; retrying.', retry);
  if (status === 401 || status === 403 || isRejectedSession(status, response.data)) {
    const permission = action.permission === undefined ? '' : ` and the SAM user's permission for ${action.permission}`;
    return fail(status === 403 ? 'SoracomPermissionDenied' : 'SoracomAuthFailed', `Check SORACOM_AUTH_KEY_ID / SORACOM_AUTH_KEY${permission}.`);
  }
  if (status === 404) {
    const what = action.credentialsId !== undefined ? `credentials set '${action.credentialsId}'` : action.authKeyId !== undefined ? `AuthKey '${action.authKeyId}'` : 'resource';
    return fail('SoracomNotFound', `The ${what} does not exist at ${action.endpoint}: check the id and the coverage (SORACOM_ENDPOINT / SORACOM_COVERAGE_TYPE).`);
  }
  const hint = action.operation === 'createCredential' ? ' If the set already exists, update it instead.' : '';
  return fail('SoracomRequestRejected', `SORACOM rejected the request; retrying will not help.${hint}`);
}

/** Classifies a failure to get any HTTP answer (connection, timeout, DNS). */
export function classifyTransportError(action: SoracomAction, err: { code?: string; message: string }, secrets: readonly string[]): ProviderError {
  const transient = (err.code !== undefined && transientNetworkCodes.has(err.code)) || /socket hang up|timeout/i.test(err.message);
  const message = scrub(`${describe(action)} failed: no answer from ${action.endpoint} (${err.code ?? 'error'}: ${err.message}).`, secrets);
  const cause = new Error(scrub(err.message, secrets)); // not the axios error: its config holds the token and the request body
  if (transient) return new ProviderError(provider, 'SoracomUnreachable', `${message} Retrying.`, retry, { cause });
  return new ProviderError(provider, 'SoracomEndpointInvalid', `${message} Check SORACOM_ENDPOINT / SORACOM_COVERAGE_TYPE.`, failFast, { cause });
}

/** A 2xx whose body is not what the spec says. */
export function unexpectedResponse(action: SoracomAction, status: number, problem: string): ProviderError {
  return new ProviderError(provider, 'SoracomUnexpectedResponse', `${describe(action)}: HTTP ${status} with an unexpected body (${problem}).`, failFast, { httpStatus: status });
}

function describe({ operation, credentialsId, authKeyId }: SoracomAction): string {
  if (credentialsId !== undefined) return `SORACOM ${operation} of credentials set '${credentialsId}'`;
  if (authKeyId !== undefined) return `SORACOM ${operation} of AuthKey '${authKeyId}'`;
  return `SORACOM ${operation}`;
}

function rateLimitDelayMs(headers: Record<string, unknown>): number {
  const refresh = Number(headers['x-soracom-ratelimit-seconds-before-refresh']);
  if (headers['x-soracom-ratelimit-seconds-before-refresh'] !== undefined && Number.isFinite(refresh) && refresh >= 0) return refresh * 1000;
  const retryAfterHeader = headers['retry-after'];
  if (typeof retryAfterHeader === 'string' && retryAfterHeader.trim() !== '') {
    const seconds = Number(retryAfterHeader);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const at = Date.parse(retryAfterHeader);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  return defaultRateLimitDelayMs;
}

/** Removes every known secret from text that may reach a log or workflow history. */
export function scrub(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length >= 4).reduce((out, secret) => out.split(secret).join('***'), text);
}
