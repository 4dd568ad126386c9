import { randomBytes } from 'node:crypto';
import { soracomErrors } from './errors';
import type { Route } from './routes';
import type { AuthKeyRecord, Session, SoracomStore } from './store';

type Params = Readonly<Record<string, string>>;

export interface AuthKeyRouteOptions {
  readonly store: SoracomStore;
  /** the same cap as for a SAM user's keys (SORACOM publishes neither) */
  readonly authKeysPerUser: number;
  readonly revokeSessionsOnAuthKeyDelete: boolean;
}

/**
 * The spec's AuthKey operations beyond the three the rotator calls (routes.ts): a SAM user's key by id (getUserAuthKey,
 * which soracom-cli's `users auth-keys get` calls) and the operator's own keys (listOperatorAuthKeys,
 * generateOperatorAuthKey, deleteOperatorAuthKey). The spec has no get for an operator key.
 */
export function authKeyRoutes({ store, authKeysPerUser, revokeSessionsOnAuthKeyDelete }: AuthKeyRouteOptions): Route[] {
  const deleteKey = (keys: Map<string, AuthKeyRecord>, authKeyId: string) => {
    if (!keys.delete(authKeyId)) throw soracomErrors.authKeyNotFound(authKeyId);
    if (revokeSessionsOnAuthKeyDelete) store.revokeSessionsOf(authKeyId);
    return { status: 204 };
  };

  return [
    {
      method: 'GET',
      template: '/operators/{operator_id}/users/{user_name}/auth_keys/{auth_key_id}',
      public: false,
      handle: (params, _body, session) => {
        const authKeyId = params.auth_key_id ?? '';
        const key = userKeys(store, params, session).get(authKeyId);
        if (key === undefined) throw soracomErrors.authKeyNotFound(authKeyId);
        return { status: 200, body: summary(key) };
      },
    },
    {
      method: 'GET',
      template: '/operators/{operator_id}/auth_keys',
      public: false,
      handle: (params, _body, session) => ({ status: 200, body: [...rootKeys(store, params, session).values()].map(summary) }),
    },
    {
      method: 'POST',
      template: '/operators/{operator_id}/auth_keys',
      public: false,
      handle: (params, _body, session) => {
        const keys = rootKeys(store, params, session);
        if (keys.size >= authKeysPerUser) throw soracomErrors.authKeyLimitReached(authKeysPerUser);
        const authKeyId = `keyId-${randomBytes(16).toString('hex')}`;
        const authKey = `secret-${randomBytes(48).toString('base64url')}`;
        keys.set(authKeyId, { authKeyId, authKey, createDateTime: store.unixSeconds() });
        return { status: 201, body: { authKeyId, authKey } }; // 201 here, where generateUserAuthKey answers 200: as the spec says
      },
    },
    {
      method: 'DELETE',
      template: '/operators/{operator_id}/auth_keys/{auth_key_id}',
      public: false,
      handle: (params, _body, session) => deleteKey(rootKeys(store, params, session), params.auth_key_id ?? ''),
    },
  ];
}

/** The spec's AuthKeyResponse: never the secret, which only the generate calls show. */
function summary({ authKeyId, createDateTime, lastUsedDateTime }: AuthKeyRecord) {
  return { authKeyId, createDateTime, lastUsedDateTime };
}

// a caller reaches only its own operator (an empty `{operator_id}` included); SAM permissions within it are not modelled
function ownOperator(store: SoracomStore, operatorId: string | undefined, session: Session) {
  if (operatorId !== session.operatorId) throw soracomErrors.permissionDenied();
  return store.operator(operatorId);
}

function rootKeys(store: SoracomStore, { operator_id: operatorId }: Params, session: Session) {
  return ownOperator(store, operatorId, session).rootAuthKeys;
}

function userKeys(store: SoracomStore, { operator_id: operatorId, user_name: userName = '' }: Params, session: Session) {
  const keys = ownOperator(store, operatorId, session).users.get(userName);
  if (keys === undefined) throw soracomErrors.userNotFound(userName);
  return keys;
}
