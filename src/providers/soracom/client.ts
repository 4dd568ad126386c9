import type { AxiosInstance, AxiosResponse, Method } from 'axios';
import { z } from 'zod';
import { failFast, ProviderError } from '../errors';
import { createHttpClient } from '../http/client';
import type { SoracomConfig } from './config';
import { classifyResponse, isRejectedSession, soracomHttp, type SoracomAction } from './errors';
import { AuthKeyResponse, AuthResponse, CredentialsBody, CredentialsModel, GeneratedAuthKey, SamUser } from './schemas';
import { readAuthKeyFile, type AuthKeyPair } from './auth-key-file';
import { Group, type GroupConfigurationEntry } from './groups';

export interface SoracomClientOptions extends SoracomConfig {
  /** TTL asked of each API key/token pair; default 86400 s, SORACOM's default (max 172800) */
  readonly tokenTimeoutSeconds?: number;
  readonly timeoutMs?: number;
  /** Milliseconds since the epoch, for the token's renewal time. */
  readonly now?: () => number;
}

export type DeleteOutcome = 'deleted' | 'already-gone';

interface Session extends AuthResponse {
  readonly expiresAt: number;
  /** the AuthKey the pair was issued for */
  readonly authKeyId: string;
}

/** Who an AuthKey logs in as. */
export interface SoracomIdentity {
  operatorId: string;
  userName?: string;
}

interface ApiRequest {
  readonly method: Method;
  readonly url: string;
  readonly data?: unknown;
}

/** API key/token pairs shared by every client in the process, by endpoint and AuthKey id: one `/auth` per TTL, not per activity. */
const sessions = new Map<string, Promise<Session>>();

/**
 * The SORACOM API calls the rotator makes. No retries here beyond one re-authentication: Temporal owns retries,
 * and every failure leaves as a classified {@link ProviderError} that names the operation and the id.
 */
export class SoracomClient {
  private readonly http: AxiosInstance;
  private readonly endpoint: string;
  // a #private field: util.inspect and JSON.stringify of the client never show it; the file's latest content when there is one
  #key: AuthKeyPair;
  /** the JSON file the AuthKey is read from for every new pair, when configured so (SORACOM_AUTH_KEY_FILE) */
  readonly authKeyFile: string | undefined;
  private readonly sessionKey: string;
  private readonly tokenTimeoutSeconds: number;
  private readonly now: () => number;
  /** where the AuthKey comes from, for messages: the variables, the key file or the soracom-cli profile */
  readonly authKeyFrom: string;
  private readonly endpointFrom: string | undefined;

  constructor(options: SoracomClientOptions) {
    this.endpoint = options.endpoint;
    this.authKeyFrom = options.origin?.authKey ?? (options.authKeyFile === undefined ? 'SORACOM_AUTH_KEY_ID / SORACOM_AUTH_KEY' : `SORACOM_AUTH_KEY_FILE (${options.authKeyFile})`);
    this.endpointFrom = options.origin?.endpoint;
    this.#key = { authKeyId: options.authKeyId, authKey: options.authKey };
    this.authKeyFile = options.authKeyFile;
    // every status is classified in one place: classifyResponse in errors.ts
    this.http = createHttpClient({ baseURL: options.endpoint, timeoutMs: options.timeoutMs, headers: { 'X-Soracom-Lang': 'en' } });
    // a file-configured client keeps one pair per file: whichever key the file holds when it is renewed
    this.sessionKey = options.authKeyFile === undefined ? `${options.endpoint}\n${options.authKeyId}` : `${options.endpoint}\nfile:${options.authKeyFile}`;
    this.tokenTimeoutSeconds = options.tokenTimeoutSeconds ?? 86_400;
    this.now = options.now ?? Date.now;
  }

  async listCredentials(): Promise<CredentialsModel[]> {
    return this.listCredentialsFor(this.action('listCredentials', 'Credential'));
  }

  /** One set, or null when it does not exist; the spec has no GET /credentials/{id}, so this reads the list. */
  async getCredentials(credentialsId: string): Promise<CredentialsModel | null> {
    const sets = await this.listCredentialsFor(this.action('listCredentials', 'Credential', { credentialsId }));
    return sets.find((set) => set.credentialsId === credentialsId) ?? null;
  }

  /** POST: fails if the set exists (SORACOM answers 400). */
  async createCredentials(credentialsId: string, body: CredentialsBody): Promise<CredentialsModel> {
    const action = this.action('createCredential', 'Credential', { credentialsId });
    const response = await this.call(action, { method: 'POST', url: credentialsPath(credentialsId), data: body }, [201]);
    return soracomHttp.parsed(action, response, CredentialsModel);
  }

  /** PUT: replaces type, description and credentials of an existing set. */
  async updateCredentials(credentialsId: string, body: CredentialsBody): Promise<CredentialsModel> {
    const action = this.action('updateCredential', 'Credential', { credentialsId });
    const response = await this.call(action, { method: 'PUT', url: credentialsPath(credentialsId), data: body }, [200]);
    return soracomHttp.parsed(action, response, CredentialsModel);
  }

  /** 'already-gone' on 404, so a retried delete after a lost response succeeds. */
  async deleteCredentials(credentialsId: string): Promise<DeleteOutcome> {
    const action = this.action('deleteCredential', 'Credential', { credentialsId });
    const response = await this.call(action, { method: 'DELETE', url: credentialsPath(credentialsId) }, [204, 404]);
    return response.status === 204 ? 'deleted' : 'already-gone';
  }

  /** Every group of the operator, page after page (`x-soracom-next-key` → `last_evaluated_key`). */
  async listGroups(): Promise<Group[]> {
    const action = this.action('listGroups', 'Group');
    const groups: Group[] = [];
    const seen = new Set<string>();
    for (let next: string | undefined; ; ) {
      const url = next === undefined ? '/groups' : `/groups?last_evaluated_key=${encodeURIComponent(next)}`;
      const response = await this.call(action, { method: 'GET', url }, [200]);
      groups.push(...soracomHttp.parsed(action, response, z.array(Group)));
      const header: unknown = response.headers['x-soracom-next-key'];
      if (typeof header !== 'string' || header === '') return groups;
      // a key handed out twice would page forever
      if (seen.has(header)) throw soracomHttp.unexpectedResponse(action, response.status, `x-soracom-next-key '${header}' repeated`);
      seen.add(header);
      next = header;
    }
  }

  /** PUT: sets each `key` of the group's namespace to its `value`; null when the group does not exist (404). */
  async putGroupConfiguration(groupId: string, namespace: string, entries: readonly GroupConfigurationEntry[]): Promise<Group | null> {
    const action = this.action('putConfigurationParameters', 'Group');
    const url = `/groups/${encodeURIComponent(groupId)}/configuration/${encodeURIComponent(namespace)}`;
    const response = await this.call(action, { method: 'PUT', url, data: entries }, [200, 404]);
    return response.status === 404 ? null : soracomHttp.parsed(action, response, Group);
  }

  /** Every SAM user of the operator this client logs in to, each with its AuthKeys (ids only); the spec has no paging here. */
  async listUsers(): Promise<SamUser[]> {
    const action = this.action('listUsers', 'User');
    const session = await this.session(action);
    const response = await this.call(action, { method: 'GET', url: `/operators/${encodeURIComponent(session.operatorId)}/users` }, [200]);
    return soracomHttp.parsed(action, response, z.array(SamUser));
  }

  /** The AuthKeys (ids only) of a SAM user, by default the one this client authenticates as. */
  async listUserAuthKeys(userName?: string): Promise<AuthKeyResponse[]> {
    const action = this.action('listUserAuthKeys', 'User');
    const response = await this.call(action, { method: 'GET', url: await this.authKeysPath(action, userName) }, [200]);
    return soracomHttp.parsed(action, response, z.array(AuthKeyResponse));
  }

  /** A new AuthKey; its secret is shown by SORACOM this once. */
  async createUserAuthKey(userName?: string): Promise<GeneratedAuthKey> {
    const action = this.action('generateUserAuthKey', 'User');
    const response = await this.call(action, { method: 'POST', url: await this.authKeysPath(action, userName) }, [200]);
    return soracomHttp.parsed(action, response, GeneratedAuthKey);
  }

  /** 'already-gone' on 404, as for credentials sets. */
  async deleteUserAuthKey(authKeyId: string, userName?: string): Promise<DeleteOutcome> {
    const action = this.action('deleteUserAuthKey', 'User', { authKeyId });
    const url = `${await this.authKeysPath(action, userName)}/${encodeURIComponent(authKeyId)}`;
    const response = await this.call(action, { method: 'DELETE', url }, [204, 404]);
    return response.status === 204 ? 'deleted' : 'already-gone';
  }

  /** The operator and SAM user the AuthKey belongs to. */
  async identity(): Promise<SoracomIdentity> {
    const { operatorId, userName } = await this.session(this.action('auth'));
    return userName === undefined ? { operatorId } : { operatorId, userName };
  }

  /** The id of the AuthKey this client is configured with now: the file's current content, when it reads one. */
  configuredAuthKeyId(): string {
    return this.authKeyFile === undefined ? this.#key.authKeyId : this.readKeyFile(this.action('auth')).authKeyId;
  }

  /**
   * Drops the cached pair if it was issued for another AuthKey than the configured one (a rotated file) and logs in
   * with the configured key: from here on every call of this process uses it. Returns the key id in use and its identity.
   */
  async switchToConfiguredAuthKey(): Promise<SoracomIdentity & { authKeyId: string }> {
    const action = this.action('auth');
    const wanted = this.configuredAuthKeyId();
    let session = await this.session(action);
    if (session.authKeyId !== wanted) {
      await this.forget(session);
      session = await this.session(action);
    }
    const { operatorId, userName, authKeyId } = session;
    return { authKeyId, operatorId, ...(userName === undefined ? {} : { userName }) };
  }

  /** Logs in with another AuthKey (a new one, to verify it), uncached: who SORACOM says it belongs to. */
  async identityOfAuthKey(key: AuthKeyPair): Promise<SoracomIdentity> {
    const action = this.action('auth', undefined, { authKeyId: key.authKeyId });
    const request: ApiRequest = { method: 'POST', url: '/auth', data: { authKeyId: key.authKeyId, authKey: key.authKey } };
    const response = await this.exchange(action, request, undefined, [key.authKey]);
    if (response.status !== 200) throw classifyResponse(action, response, [key.authKey, ...this.secrets(request, undefined)]);
    const { operatorId, userName } = soracomHttp.parsed(action, response, AuthResponse);
    return userName === undefined ? { operatorId } : { operatorId, userName };
  }

  private async listCredentialsFor(action: SoracomAction): Promise<CredentialsModel[]> {
    const response = await this.call(action, { method: 'GET', url: '/credentials' }, [200]);
    return soracomHttp.parsed(action, response, z.array(CredentialsModel));
  }

  private action(operation: string, tag?: string, ids: Pick<SoracomAction, 'credentialsId' | 'authKeyId'> = {}): SoracomAction {
    const from = { authKeyFrom: this.authKeyFrom, ...(this.endpointFrom === undefined ? {} : { endpointFrom: this.endpointFrom }) };
    return { operation, ...(tag === undefined ? {} : { permission: `${tag}:${operation}` }), ...ids, endpoint: this.endpoint, ...from };
  }

  private async authKeysPath(action: SoracomAction, userName: string | undefined): Promise<string> {
    const session = await this.session(action);
    const user = userName ?? session.userName;
    if (user === undefined) {
      throw new ProviderError('soracom', 'SoracomNoSamUser', `SORACOM ${action.operation}: the AuthKey belongs to the operator's root user; name the SAM user.`, failFast);
    }
    return `/operators/${encodeURIComponent(session.operatorId)}/users/${encodeURIComponent(user)}/auth_keys`;
  }

  /** Sends with the cached pair; a refused pair is renewed once and the request sent again. */
  private async call(action: SoracomAction, request: ApiRequest, expected: readonly number[]): Promise<AxiosResponse> {
    let session = await this.session(action);
    let response = await this.exchange(action, request, session);
    if (isRejectedSession(response.status, response.data)) {
      await this.forget(session);
      session = await this.session(action);
      response = await this.exchange(action, request, session);
    }
    if (!expected.includes(response.status)) throw classifyResponse(action, response, this.secrets(request, session));
    return response;
  }

  private exchange(action: SoracomAction, request: ApiRequest, session: Session | undefined, extraSecrets: readonly string[] = []): Promise<AxiosResponse> {
    const headers = session === undefined ? {} : { 'X-Soracom-API-Key': session.apiKey, 'X-Soracom-Token': session.token };
    return soracomHttp.send(this.http, action, { ...request, headers }, () => [...extraSecrets, ...this.secrets(request, session)]);
  }

  private async session(action: SoracomAction): Promise<Session> {
    const cached = sessions.get(this.sessionKey);
    if (cached !== undefined) {
      const session = await cached.catch(() => undefined);
      if (session !== undefined && this.now() < session.expiresAt - renewalMarginMs(this.tokenTimeoutSeconds)) return session;
      if (sessions.get(this.sessionKey) !== cached) return this.session(action); // another call renewed it meanwhile
    }
    const fresh = this.authenticate(action);
    sessions.set(this.sessionKey, fresh);
    void fresh.catch(() => {
      if (sessions.get(this.sessionKey) === fresh) sessions.delete(this.sessionKey);
    });
    return fresh;
  }

  private async forget(stale: Session): Promise<void> {
    const cached = sessions.get(this.sessionKey);
    if (cached !== undefined && (await cached.catch(() => undefined)) === stale && sessions.get(this.sessionKey) === cached) {
      sessions.delete(this.sessionKey);
    }
  }

  private async authenticate(cause: SoracomAction): Promise<Session> {
    const { permission: _needsNoPermission, ...context } = cause;
    const action: SoracomAction = { ...context, operation: cause.operation === 'auth' ? 'auth' : `auth (for ${cause.operation})` };
    // a rotated file takes effect at the next pair: read it for every login
    const key = this.authKeyFile === undefined ? this.#key : this.readKeyFile(action);
    this.#key = key;
    const request: ApiRequest = { method: 'POST', url: '/auth', data: { authKeyId: key.authKeyId, authKey: key.authKey, tokenTimeoutSeconds: this.tokenTimeoutSeconds } };
    const requestedAt = this.now();
    const response = await this.exchange(action, request, undefined);
    if (response.status !== 200) throw classifyResponse({ ...action, authKeyId: key.authKeyId }, response, this.secrets(request, undefined));
    return { ...soracomHttp.parsed(action, response, AuthResponse), expiresAt: requestedAt + this.tokenTimeoutSeconds * 1000, authKeyId: key.authKeyId };
  }

  private readKeyFile(action: SoracomAction): AuthKeyPair {
    try {
      return readAuthKeyFile(this.authKeyFile!);
    } catch (err) {
      throw new ProviderError('soracom', 'SoracomAuthKeyFileInvalid', `SORACOM ${action.operation}: ${(err as Error).message}`, failFast);
    }
  }

  /** Strings that must not reach a message: the AuthKey, the pair in use and every value of a credentials body. */
  private secrets(request: ApiRequest, session: Session | undefined): string[] {
    const body = CredentialsBody.safeParse(request.data);
    const values = body.success ? Object.values(body.data.credentials).filter((v): v is string => typeof v === 'string') : [];
    return [this.#key.authKey, ...(session === undefined ? [] : [session.apiKey, session.token]), ...values];
  }
}

function credentialsPath(credentialsId: string): string {
  return `/credentials/${encodeURIComponent(credentialsId)}`;
}

/** Renew shortly before expiry so a request never carries a token about to lapse in flight. */
function renewalMarginMs(tokenTimeoutSeconds: number): number {
  return Math.min(5 * 60_000, tokenTimeoutSeconds * 100);
}
