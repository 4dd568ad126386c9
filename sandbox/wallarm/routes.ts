import { requireOwnership, requireTokenManagement, effectivePermissions, visibleToken, type Caller } from './access';
import { wallarmErrors } from './errors';
import { CreateTokenBody, parseBody } from './requests';
import { grantable, isAdministrator, isRole } from './roles';
import { tokenModel, type WallarmStore } from './store';

export interface Reply {
  readonly status: number;
  /** the JSON answered; Wallarm wraps everything in `{status, body}` */
  readonly json: unknown;
}

export type Params = Readonly<Record<string, string>>;

/** A Wallarm API route. `evidence` says whether Wallarm documents it or we inferred it (provider-facts §3.1). */
export interface Route {
  readonly method: string;
  readonly template: string;
  readonly evidence: 'documented' | 'inferred';
  handle(params: Params, body: unknown, caller: Caller): Reply;
}

export const ok = (body: unknown): Reply => ({ status: 200, json: { status: 200, body } });

/**
 * The routes Wallarm documents (provider-facts §3.1, W2): the current user, token creation and reading a token's secret.
 * Request and response shapes are exactly the documented ones.
 */
export function documentedRoutes(store: WallarmStore): Route[] {
  return [
    {
      method: 'POST',
      template: '/v1/user',
      evidence: 'documented',
      // gives `id` and `clientid` for the create call (W2; wallarm-go UserDetails)
      handle: (_params, _body, { user }) =>
        ok({
          id: user.id,
          uuid: user.uuid,
          clientid: user.clientid,
          permissions: [user.role],
          actual_permissions: [user.role],
          enabled: user.enabled,
          username: user.email,
          realname: user.email,
          email: user.email,
        }),
    },
    {
      method: 'POST',
      template: '/v2/api_tokens',
      evidence: 'documented',
      handle: (_params, body, caller) => {
        requireTokenManagement(caller);
        const request = parseBody(CreateTokenBody, body);
        if (request.client_id !== caller.user.clientid || request.user_id !== caller.user.id) throw wallarmErrors.forbidden();
        const held = effectivePermissions(caller);
        if (request.shared && !isAdministrator(held)) throw wallarmErrors.forbidden();
        // never wider than the creator's role, nor than the token it calls with
        const mayGrant = grantable(held);
        const ownerGrants = grantable([caller.user.role]);
        if (!request.permissions.every((p) => isRole(p) && mayGrant.has(p) && ownerGrants.has(p))) {
          throw wallarmErrors.invalidField('permissions', request.permissions);
        }
        if (request.expire_at != null && Date.parse(request.expire_at) <= store.now()) throw wallarmErrors.invalidField('expire_at', request.expire_at);
        const token = store.addToken({
          client_id: request.client_id,
          user_id: request.user_id,
          realname: request.realname,
          enabled: request.enabled,
          expire_at: request.expire_at == null ? null : store.iso(Date.parse(request.expire_at)),
          permissions: request.permissions,
          shared: request.shared ?? false,
        });
        // the doc only says "get the id of the created token from the response"
        return ok(tokenModel(token));
      },
    },
    {
      method: 'GET',
      template: '/v2/api_tokens/{id}/secret',
      evidence: 'documented',
      handle: ({ id = '' }, _body, caller) => {
        const token = visibleToken(store, caller, id);
        // "only the owner can copy a personal token's value" (provider-facts §3.2)
        requireOwnership(caller, token);
        return ok({ ...tokenModel(token), secret: token.secret });
      },
    },
  ];
}
