import { randomBytes } from 'node:crypto';
import { soracomErrors } from './errors';
import { AuthRequest, CredentialsBody, parseBody, secretFieldsByType } from './requests';
import type { CredentialsRecord, OperatorRecord, Session, SoracomStore } from './store';

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  /** e.g. `x-soracom-next-key` of a page */
  readonly headers?: Readonly<Record<string, string>>;
}

type Params = Readonly<Record<string, string>>;

/** A spec operation the sandbox serves; `template` is the spec's path, so it also names the route in rate limits. */
export type Route = { readonly method: string; readonly template: string } & (
  | { readonly public: true; handle(params: Params, body: unknown): Reply }
  | { readonly public: false; handle(params: Params, body: unknown, session: Session, query: URLSearchParams): Reply }
);

export interface RouteOptions {
  readonly store: SoracomStore;
  readonly redactSecrets: boolean;
  readonly authKeysPerUser: number;
  /** deleting an AuthKey also ends the sessions issued for it */
  readonly revokeSessionsOnAuthKeyDelete: boolean;
  /** test hook: AuthKeys whose /auth is refused as if they were wrong */
  readonly authFails?: (authKeyId: string) => boolean;
}

export function soracomRoutes({ store, redactSecrets, authKeysPerUser, revokeSessionsOnAuthKeyDelete, authFails }: RouteOptions): Route[] {
  const credentialsOf = (session: Session) => store.operator(session.operatorId).credentials;
  const model = (record: CredentialsRecord) => (redactSecrets ? redacted(record) : record);

  return [
    {
      method: 'POST',
      template: '/auth',
      public: true,
      handle: (_params, body) => {
        const request = parseBody(AuthRequest, body);
        if (authFails?.(request.authKeyId)) throw soracomErrors.authenticationFailed();
        const session = store.authenticate(request.authKeyId, request.authKey, request.tokenTimeoutSeconds);
        if (session === undefined) throw soracomErrors.authenticationFailed();
        const { apiKey, token, operatorId, userName } = session;
        return { status: 200, body: { apiKey, token, operatorId, ...(userName === undefined ? {} : { userName }) } };
      },
    },
    {
      method: 'GET',
      template: '/credentials',
      public: false,
      handle: (_params, _body, session) => ({ status: 200, body: [...credentialsOf(session).values()].map(model) }),
    },
    // The spec has no GET /credentials/{credentials_id}: a single set is read from the list.
    {
      method: 'POST',
      template: '/credentials/{credentials_id}',
      public: false,
      handle: ({ credentials_id: id = '' }, body, session) => {
        const request = parseBody(CredentialsBody, body);
        const credentials = credentialsOf(session);
        // the spec documents no error here; 400 "already exists" is what it documents for the alike createSoralet
        if (credentials.has(id)) throw soracomErrors.credentialsAlreadyExist(id);
        const now = store.unixSeconds();
        const record: CredentialsRecord = { credentialsId: id, ...request, createDateTime: now, updateDateTime: now, lastUsedDateTime: 0 };
        credentials.set(id, record);
        return { status: 201, body: model(record) };
      },
    },
    {
      method: 'PUT',
      template: '/credentials/{credentials_id}',
      public: false,
      handle: ({ credentials_id: id = '' }, body, session) => {
        const request = parseBody(CredentialsBody, body);
        const record = credentialsOf(session).get(id);
        if (record === undefined) throw soracomErrors.credentialsNotFound(id);
        record.type = request.type;
        record.credentials = request.credentials;
        if (request.description === undefined) delete record.description;
        else record.description = request.description;
        record.updateDateTime = store.unixSeconds();
        return { status: 200, body: model(record) };
      },
    },
    {
      method: 'DELETE',
      template: '/credentials/{credentials_id}',
      public: false,
      handle: ({ credentials_id: id = '' }, _body, session) => {
        if (!credentialsOf(session).delete(id)) throw soracomErrors.credentialsNotFound(id);
        return { status: 204 };
      },
    },
    {
      // listUsers: the spec's UserDetailResponse; SAM users are not created or changed here, so their times are the store's
      method: 'GET',
      template: '/operators/{operator_id}/users',
      public: false,
      handle: ({ operator_id: operatorId }, _body, session) => {
        if (operatorId !== session.operatorId) throw soracomErrors.permissionDenied();
        const users = [...store.operator(operatorId).users].map(([userName, keys]) => ({
          userName,
          authKeyList: [...keys.values()].map(({ authKeyId, createDateTime, lastUsedDateTime }) => ({ authKeyId, createDateTime, lastUsedDateTime })),
          createDateTime: store.createdAt,
          updateDateTime: store.createdAt,
          hasPassword: false,
          roleList: [],
        }));
        return { status: 200, body: users };
      },
    },
    {
      method: 'GET',
      template: '/operators/{operator_id}/users/{user_name}/auth_keys',
      public: false,
      handle: (params, _body, session) => {
        const keys = [...userAuthKeys(store, params, session).values()];
        return { status: 200, body: keys.map(({ authKeyId, createDateTime, lastUsedDateTime }) => ({ authKeyId, createDateTime, lastUsedDateTime })) };
      },
    },
    {
      method: 'POST',
      template: '/operators/{operator_id}/users/{user_name}/auth_keys',
      public: false,
      handle: (params, _body, session) => {
        const keys = userAuthKeys(store, params, session);
        // the real cap is not in our sources (provider-facts §1.3), hence an option
        if (keys.size >= authKeysPerUser) throw soracomErrors.authKeyLimitReached(authKeysPerUser);
        const authKeyId = `keyId-${randomBytes(16).toString('hex')}`;
        const authKey = `secret-${randomBytes(48).toString('base64url')}`;
        keys.set(authKeyId, { authKeyId, authKey, createDateTime: store.unixSeconds() });
        return { status: 200, body: { authKeyId, authKey } }; // 200, not 201: as the spec says for generateUserAuthKey
      },
    },
    {
      method: 'DELETE',
      template: '/operators/{operator_id}/users/{user_name}/auth_keys/{auth_key_id}',
      public: false,
      handle: (params, _body, session) => {
        const authKeyId = params.auth_key_id ?? '';
        if (!userAuthKeys(store, params, session).delete(authKeyId)) throw soracomErrors.authKeyNotFound(authKeyId);
        if (revokeSessionsOnAuthKeyDelete) store.revokeSessionsOf(authKeyId);
        return { status: 204 };
      },
    },
  ];
}

function userAuthKeys(store: SoracomStore, { operator_id: operatorId, user_name: userName = '' }: Params, session: Session) {
  // a caller reaches only its own operator; SAM permissions within it are not modelled
  if (operatorId !== session.operatorId) throw soracomErrors.permissionDenied();
  const operator: OperatorRecord = store.operator(operatorId);
  const keys = operator.users.get(userName);
  if (keys === undefined) throw soracomErrors.userNotFound(userName);
  return keys;
}

function redacted(record: CredentialsRecord): CredentialsRecord {
  const secret = secretFieldsByType[record.type];
  const credentials = Object.fromEntries(Object.entries(record.credentials).filter(([field]) => secret !== undefined && !secret.includes(field)));
  return { ...record, credentials };
}
