import { retry, retryAfter, type ProviderError } from '../errors';
import { HttpProvider, type HttpAnswer } from '../http/provider';
import { retryAfterMs } from '../http/retry-after';
import { WallarmErrorBody } from './schemas';

/** What the client was doing, for messages an operator can act on. */
export interface WallarmAction {
  /** e.g. `createToken`, `updateToken` */
  readonly operation: string;
  readonly tokenId?: number;
  readonly endpoint: string;
}

/** The shared HTTP plumbing under Wallarm's names: transport and body failures, and what to check. */
export const wallarmHttp = new HttpProvider<WallarmAction>({
  provider: 'wallarm', describe, endpointHint: 'Check WALLARM_CLOUD / WALLARM_API_HOST.',
  types: { unreachable: 'WallarmUnreachable', endpointInvalid: 'WallarmEndpointInvalid', unexpectedResponse: 'WallarmUnexpectedResponse' },
});

/** The role the rotator's own token needs, named in every 403 message. */
export const ROTATOR_ROLE_HINT =
  "the rotator's token must be enabled and unexpired, belong to this cloud, and have the Administrator role (shared tokens) or be a personal Administrator/Analyst token of the rotated tokens' owner";

/**
 * Classifies an HTTP answer outside the expected statuses:
 * 400 fail fast (the body names the field); 403 fail fast with what to check (Wallarm answers 403 for a bad token and
 * a lacking role alike, never 401); 404 fail fast; 429 and 5xx retry, after Retry-After when Wallarm sends one.
 */
export function classifyResponse(action: WallarmAction, response: HttpAnswer, secrets: readonly string[]): ProviderError {
  const { status } = response;
  const fail = wallarmHttp.answerFailure(action, response, `HTTP ${status}${bodyText(response.data)}`, secrets);
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
