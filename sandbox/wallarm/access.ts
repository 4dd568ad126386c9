import { wallarmErrors } from './errors';
import { grantable, isAdministrator, mayManageTokens } from './roles';
import type { ApiTokenRecord, UserRecord, WallarmStore } from './store';

/** Who is calling: the token in X-WallarmApi-Token and its owner. */
export interface Caller {
  readonly user: UserRecord;
  readonly token: ApiTokenRecord;
}

/** What the caller's token may do: its permissions, cut down to what its owner's role still grants (provider-facts §3.2). */
export function effectivePermissions(caller: Caller): string[] {
  const allowed = grantable([caller.user.role]);
  return caller.token.permissions.filter((p) => allowed.has(p));
}

export function requireTokenManagement(caller: Caller): void {
  if (!mayManageTokens(effectivePermissions(caller))) throw wallarmErrors.forbidden();
}

/** Administrators see every token of their company; other users their own (provider-facts §3.2). */
export function visibleTokens(store: WallarmStore, caller: Caller): ApiTokenRecord[] {
  const admin = isAdministrator(effectivePermissions(caller));
  return [...store.tokens.values()].filter((t) => t.client_id === caller.user.clientid && (admin || t.user_id === caller.user.id));
}

/** A token the caller may see, or 404. */
export function visibleToken(store: WallarmStore, caller: Caller, id: string): ApiTokenRecord {
  const token = visibleTokens(store, caller).find((t) => String(t.id) === id);
  if (token === undefined) throw wallarmErrors.notFound();
  return token;
}

/** Personal tokens belong to their owner alone; shared ones to every administrator of the company (provider-facts §3.2). */
export function requireOwnership(caller: Caller, token: ApiTokenRecord): void {
  const owner = token.user_id === caller.user.id;
  if (!(owner || (token.shared && isAdministrator(effectivePermissions(caller))))) throw wallarmErrors.forbidden();
}
