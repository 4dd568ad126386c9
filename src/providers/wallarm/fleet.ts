/**
 * The Wallarm API tokens the rotator's user sees, as a fleet: a token is due when it expires within the selection's
 * period (ahead of Wallarm's 3-day e-mail), as `rotate wallarm-token --expiring-within` finds it. Its consumers come
 * from the consumer map, by token name. Read-only.
 */
import { ageInDays, duration, IN_PROGRESS, type FleetDecision, type FleetPage, type WallarmTokensFleetSelection } from '../../rotation/fleet';
import { defaultRecoveryWindowOf, rotationIdFor } from '../../rotation/model';
import type { WallarmClient } from './client';
import { tokenSubject } from './descriptor';
import type { ApiToken } from './inferred';

/** Tokens per page of a plan: Wallarm lists every token in one answer, so a page is a slice of it, by id. */
export const TOKENS_PER_PAGE = 100;
/** One token in use per name, plus the one a rotation introduces (the source's own limit). */
const TOKENS_PER_NAME = 2;

const day = (iso: string) => iso.slice(0, 10);

/**
 * One token's fate under the selection, at `at`. `tokens`: every token listed (its namesakes count); `me`: the
 * user the rotator calls as (only a personal token's owner can read a new token's value); `rotating`: the ids of the
 * rotations running now.
 */
export function decideToken(token: ApiToken, tokens: readonly ApiToken[], me: { id: number }, selection: WallarmTokensFleetSelection, at: number, rotating: ReadonlySet<string>): FleetDecision {
  const source = { kind: 'wallarm-api-token' as const, cloud: selection.cloud, tokenId: token.id, ...(selection.lifetimeDays === undefined ? {} : { lifetimeDays: selection.lifetimeDays }) };
  const base = { rotationId: rotationIdFor(source), subject: tokenSubject(selection.cloud, token), keyAgeDays: ageInDays(token.created_at, at) };
  const skip = (reason: string): FleetDecision => ({ ...base, action: 'skip', reason });
  // an old token kept enabled in a long window expires at the window's end: its rotation is what holds it
  if (rotating.has(base.rotationId)) return skip(IN_PROGRESS);
  const left = token.expire_at === null ? Number.POSITIVE_INFINITY : Date.parse(token.expire_at) - at;
  // Wallarm treats an expired token as disabled: say which it is
  if (left <= 0) return skip(`expired ${day(token.expire_at!)}: it no longer authenticates, so there is nothing to rotate`);
  if (!token.enabled) return skip('disabled (Wallarm deletes a disabled token a week after disabling it)');
  if (!token.shared && token.user_id !== me.id) return skip(`another user's personal token (user ${token.user_id}): only its owner can read a new token's value`);
  const namesakes = tokens.filter((t) => t.client_id === token.client_id && t.realname === token.realname);
  if (namesakes.length >= TOKENS_PER_NAME) {
    return skip(`two tokens named '${token.realname}' already (${namesakes.map((t) => `${t.id} ${t.enabled ? 'enabled' : 'disabled'}`).join(', ')}): finish or undo the rotation that left the second one`);
  }
  if (token.expire_at === null) return skip('no expiry: never due by expiry');
  const within = duration(selection.expiringWithinMs);
  if (left > selection.expiringWithinMs) return skip(`not due: expires in ${duration(left)} (${day(token.expire_at)}), not within ${within}`);
  const consumers = selection.consumerMap[token.realname];
  if (consumers === undefined) return skip(`no entry for '${token.realname}' in the consumer map`);
  return {
    ...base,
    action: 'rotate',
    reason: `expires in ${duration(left)} (${day(token.expire_at)}), within ${within}`,
    request: {
      source,
      consumers,
      // the request's own default is 30 days; a Wallarm token's is its week (the source's default, as `rotate` gives)
      recoveryWindowDays: selection.recoveryWindowDays ?? defaultRecoveryWindowOf('wallarm-api-token'),
      ...(selection.pickupGraceSeconds === undefined ? {} : { pickupGraceSeconds: selection.pickupGraceSeconds }),
    },
  };
}

/** One page of the plan: the tokens after `cursor` (a token id), by id, each decided against the whole list. */
export function planTokensPage(tokens: readonly ApiToken[], me: { id: number }, selection: WallarmTokensFleetSelection, cursor: string | undefined, at: number, rotating: ReadonlySet<string>): FleetPage {
  const after = cursor === undefined ? Number.NEGATIVE_INFINITY : Number(cursor);
  const rest = [...tokens].sort((a, b) => a.id - b.id).filter((t) => t.id > after);
  const page = rest.slice(0, TOKENS_PER_PAGE);
  return {
    decisions: page.map((token) => decideToken(token, tokens, me, selection, at, rotating)),
    ...(rest.length > page.length ? { next: String(page.at(-1)!.id) } : {}),
  };
}

/** One page of the plan, read from Wallarm with `wallarm`'s token: the list of tokens, and who that token's user is. */
export async function planWallarmPage(wallarm: WallarmClient, selection: WallarmTokensFleetSelection, cursor: string | undefined, at: number, rotating: ReadonlySet<string>): Promise<FleetPage> {
  const [tokens, me] = [await wallarm.listTokens(), await wallarm.currentUser()];
  return planTokensPage(tokens, me, selection, cursor, at, rotating);
}
