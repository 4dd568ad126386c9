import { failFast, ProviderError, retry, retryAfter, type Disposition } from '../errors';
import { WallarmErrorBody } from './schemas';

/** What the client was doing, for messages an operator can act on. */
export interface WallarmAction {
  /** e.g. `createToken`, `updateToken` */
  readonly operation: string;
  readonly tokenId?: number;
  readonly endpoint: string;
}

const provider = 'wallarm';
const transientNetworkCodes = new Set(['ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

/** The role the rotator's own token needs, named in every 403 message. */
export const ROTATOR_ROLE_HINT =
  "the rotator's token must be enabled and unexpired, belong to this cloud, and have the Administrator role (shared tokens) or be a personal Administrator/Analyst token of the rotated tokens' owner";

/**
 * Classifies an HTTP answer outside the expected statuses:
 * 400 fail fast (the body names the field); 403 fail fast with what to check (Wallarm answers 403 for a bad token and
 * a lacking role alike, never 401); 404 fail fast; 429 and 5xx retry, after Retry-After when Wallarm sends one.
 */
export function classifyResponse(
  action: WallarmAction,
  response: { status: number; headers: Record<string, unknown>; data: unknown },
  secrets: readonly string[],
): ProviderError {
  const { status } = response;
  const said = `HTTP ${status}${bodyText(response.data)}`;
  const fail = (type: string, hint: string, disposition: Disposition = failFast) =>
    new ProviderError(provider, type, scrub(`${describe(action)} failed: ${said}. ${hint}`, secrets), disposition, { httpStatus: status });
  const advised = retryAfterMs(response.headers['retry-after']);

  if (status === 429) return fail('WallarmRateLimited', advised === undefined ? 'Rate limited; retrying with backoff.' : `Rate limited; retry in ${Math.round(advised / 1000)} s.`, advised === undefined ? retry : retryAfter(advised));
  if (status >= 500) return fail('WallarmUnavailable', 'Wallarm had a server-side problem; retrying.', advised === undefined ? retry : retryAfter(advised));
  if (status === 401 || status === 403) return fail('WallarmPermissionDenied', `Check WALLARM_API_TOKEN and WALLARM_CLOUD / WALLARM_API_HOST: ${ROTATOR_ROLE_HINT}.`);
  if (status === 404) {
    const what = action.tokenId === undefined ? 'resource' : `API token ${action.tokenId}`;
    return fail('WallarmNotFound', `The ${what} does not exist at ${action.endpoint}, or the rotator's user may not see it: check the id and the cloud.`);
  }
  const hint = action.operation === 'createToken' ? " A new token's permissions may not be wider than the rotator user's role." : '';
  return fail('WallarmRequestRejected', `Wallarm rejected the request; retrying will not help.${hint}`);
}

/** Classifies a failure to get any HTTP answer (connection, timeout, DNS). */
export function classifyTransportError(action: WallarmAction, err: { code?: string; message: string }, secrets: readonly string[]): ProviderError {
  const transient = (err.code !== undefined && transientNetworkCodes.has(err.code)) || /socket hang up|timeout/i.test(err.message);
  const message = scrub(`${describe(action)} failed: no answer from ${action.endpoint} (${err.code ?? 'error'}: ${err.message}).`, secrets);
  const cause = new Error(scrub(err.message, secrets)); // not the axios error: its config holds the token
  if (transient) return new ProviderError(provider, 'WallarmUnreachable', `${message} Retrying.`, retry, { cause });
  return new ProviderError(provider, 'WallarmEndpointInvalid', `${message} Check WALLARM_CLOUD / WALLARM_API_HOST.`, failFast, { cause });
}

/** A 2xx whose body is not what we expect. */
export function unexpectedResponse(action: WallarmAction, status: number, problem: string): ProviderError {
  return new ProviderError(provider, 'WallarmUnexpectedResponse', `${describe(action)}: HTTP ${status} with an unexpected body (${problem}).`, failFast, { httpStatus: status });
}

function describe({ operation, tokenId }: WallarmAction): string {
  return tokenId === undefined ? `Wallarm ${operation}` : `Wallarm ${operation} of API token ${tokenId}`;
}

/** ` "Check permissions failed"` or ` {"permissions":{"error":"invalid",…}}`: Wallarm's body says what was wrong. */
function bodyText(data: unknown): string {
  const parsed = WallarmErrorBody.safeParse(data);
  if (!parsed.success || parsed.data.body === undefined) return '';
  const text = typeof parsed.data.body === 'string' ? `"${parsed.data.body}"` : JSON.stringify(parsed.data.body);
  return ` ${text.length > 300 ? `${text.slice(0, 300)}…` : text}`;
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Removes every known secret from text that may reach a log or workflow history. */
export function scrub(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length >= 4).reduce((out, secret) => out.split(secret).join('***'), text);
}
