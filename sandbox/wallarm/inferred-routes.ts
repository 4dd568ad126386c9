/**
 * ── INFERRED ROUTES ──────────────────────────────────────────────────────────────────────────────────────────
 * Wallarm documents no route to list, update (enable, disable, re-expire, rename) or delete an API token
 * (provider-facts §3.1: NOT FOUND). These are the likely ones "by analogy", unverified against the live API, and every
 * field beyond the create body is our guess. This module and `src/providers/wallarm/inferred.ts` are the only
 * places that know them: when the real routes are confirmed, change these two files.
 *
 * The *rules* they enforce are documented (provider-facts §3.2): re-enabling needs a new expiry; disabling takes
 * effect at once and starts the one-week countdown to Wallarm's own deletion.
 * ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
 */
import { requireOwnership, requireTokenManagement, visibleToken, visibleTokens } from './access';
import { wallarmErrors } from './errors';
import { parseBody, UpdateTokenBody } from './requests';
import { ok, type Route } from './routes';
import { tokenModel, type WallarmStore } from './store';

export function inferredRoutes(store: WallarmStore): Route[] {
  return [
    {
      method: 'GET',
      template: '/v2/api_tokens',
      evidence: 'inferred',
      handle: (_params, _body, caller) => ok(visibleTokens(store, caller).map(tokenModel)),
    },
    {
      method: 'PUT',
      template: '/v2/api_tokens/{id}',
      evidence: 'inferred',
      handle: ({ id = '' }, body, caller) => {
        requireTokenManagement(caller);
        const token = visibleToken(store, caller, id);
        requireOwnership(caller, token);
        const request = parseBody(UpdateTokenBody, body);
        const now = store.now();
        if (request.expire_at != null && Date.parse(request.expire_at) <= now) throw wallarmErrors.invalidField('expire_at', request.expire_at);
        const enabling = request.enabled === true && !token.enabled;
        // "to re-enable a disabled token, set a new expiration date" (provider-facts §3.2)
        if (enabling && request.expire_at == null) throw wallarmErrors.invalidField('expire_at', request.expire_at ?? null);
        if (request.realname !== undefined) token.realname = request.realname;
        if (request.expire_at !== undefined) token.expire_at = request.expire_at === null ? null : store.iso(Date.parse(request.expire_at));
        if (request.enabled === false && token.enabled) {
          token.enabled = false;
          token.disabled_at = store.iso(now);
        } else if (enabling) {
          token.enabled = true;
          token.disabled_at = null;
        }
        return ok(tokenModel(token));
      },
    },
    {
      method: 'DELETE',
      template: '/v2/api_tokens/{id}',
      evidence: 'inferred',
      handle: ({ id = '' }, _body, caller) => {
        requireTokenManagement(caller);
        const token = visibleToken(store, caller, id);
        requireOwnership(caller, token);
        store.tokens.delete(token.id);
        // W5: "some deletes" answer `{"body":{"result":"deleted"}}`
        return { status: 200, json: { body: { result: 'deleted' } } };
      },
    },
  ];
}
