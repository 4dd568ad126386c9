import { randomBytes, randomUUID } from 'node:crypto';
import { issueApiToken } from './api-token';
import { soracomErrors, type TokenErrorStatus } from './errors';
import type { GroupRecord } from './groups';

export interface AuthKeySeed {
  readonly authKeyId: string;
  readonly authKey: string;
  /** when it was created (UNIX seconds; default: when the sandbox started), to seed keys of any age */
  readonly createDateTime?: number;
}

/** An operator (SORACOM account) as the sandbox starts with it: root AuthKeys and SAM users with theirs. */
export interface OperatorSeed {
  /** e.g. `OP0012345678` */
  readonly operatorId: string;
  readonly authKeys?: readonly AuthKeySeed[];
  readonly users?: readonly { readonly userName: string; readonly authKeys?: readonly AuthKeySeed[] }[];
}

export interface AuthKeyRecord extends AuthKeySeed {
  readonly createDateTime: number;
  lastUsedDateTime?: number;
}

export interface CredentialsRecord {
  readonly credentialsId: string;
  type: string;
  description?: string;
  credentials: Record<string, unknown>;
  readonly createDateTime: number;
  updateDateTime: number;
  lastUsedDateTime: number;
}

export interface OperatorRecord {
  readonly operatorId: string;
  readonly rootAuthKeys: Map<string, AuthKeyRecord>;
  /** userName → that SAM user's AuthKeys by id */
  readonly users: Map<string, Map<string, AuthKeyRecord>>;
  readonly credentials: Map<string, CredentialsRecord>;
  /** groupId → group (sandbox/soracom/groups.ts) */
  readonly groups: Map<string, GroupRecord>;
}

/** An API key + token pair from `/auth`; both expire together (provider-facts §1.3). */
export interface Session {
  readonly apiKey: string;
  readonly token: string;
  readonly operatorId: string;
  readonly userName?: string;
  readonly expiresAt: number;
  /** the AuthKey it was issued for */
  readonly authKeyId: string;
}

/** Everything the sandbox knows, per operator; one instance models one coverage (api.soracom.io or g.api.soracom.io). */
export class SoracomStore {
  readonly operators = new Map<string, OperatorRecord>();
  private readonly sessions = new Map<string, Session>();
  /** UNIX seconds the store was made: every seeded SAM user's creation time */
  readonly createdAt: number;

  constructor(
    seeds: readonly OperatorSeed[],
    private readonly now: () => number,
    /** HS256 key of the JWT-shaped API tokens */
    private readonly tokenSigningSecret: string = randomBytes(32).toString('base64url'),
  ) {
    const created = this.unixSeconds();
    this.createdAt = created;
    const records = (keys: readonly AuthKeySeed[] = []) =>
      new Map(keys.map((k): [string, AuthKeyRecord] => [k.authKeyId, { ...k, createDateTime: k.createDateTime ?? created }]));
    for (const seed of seeds) {
      this.operators.set(seed.operatorId, {
        operatorId: seed.operatorId,
        rootAuthKeys: records(seed.authKeys),
        users: new Map((seed.users ?? []).map((u) => [u.userName, records(u.authKeys)])),
        credentials: new Map(),
        groups: new Map(),
      });
    }
  }

  unixSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Exchanges an AuthKey for a session; undefined when no operator or SAM user holds that key. */
  authenticate(authKeyId: string, authKey: string, tokenTimeoutSeconds: number): Session | undefined {
    for (const operator of this.operators.values()) {
      const owners: [string | undefined, Map<string, AuthKeyRecord>][] = [[undefined, operator.rootAuthKeys], ...operator.users];
      for (const [userName, keys] of owners) {
        const key = keys.get(authKeyId);
        if (key === undefined || key.authKey !== authKey) continue;
        key.lastUsedDateTime = this.unixSeconds();
        const expiresAt = this.now() + tokenTimeoutSeconds * 1000;
        const session: Session = {
          apiKey: `api-${randomUUID()}`,
          token: issueApiToken({ operatorId: operator.operatorId, issuedAt: this.now(), expiresAt }, this.tokenSigningSecret),
          operatorId: operator.operatorId,
          ...(userName === undefined ? {} : { userName }),
          expiresAt,
          authKeyId,
        };
        this.sessions.set(session.apiKey, session);
        return session;
      }
    }
    return undefined;
  }

  /** Ends every session issued for an AuthKey (SORACOM may do so when the key is deleted: unknown, provider-facts §1.3). */
  revokeSessionsOf(authKeyId: string): void {
    for (const [apiKey, session] of this.sessions) if (session.authKeyId === authKeyId) this.sessions.delete(apiKey);
  }

  /** The session behind the two auth headers, or the error SORACOM answers with. */
  /** Every API key/token pair issued so far (for tests proving they never leak). */
  issuedSessions(): Session[] {
    return [...this.sessions.values()].map((s) => ({ ...s }));
  }

  sessionFor(apiKey: string | undefined, token: string | undefined, tokenErrorStatus: TokenErrorStatus): Session {
    const session = apiKey === undefined ? undefined : this.sessions.get(apiKey);
    if (session === undefined) throw soracomErrors.invalidApiKey();
    if (token === undefined || token === '') throw soracomErrors.tokenRequired(tokenErrorStatus);
    if (token !== session.token) throw soracomErrors.tokenInvalid(tokenErrorStatus);
    if (this.now() >= session.expiresAt) throw soracomErrors.tokenExpired(tokenErrorStatus);
    return session;
  }

  operator(operatorId: string): OperatorRecord {
    const operator = this.operators.get(operatorId);
    if (operator === undefined) throw new Error(`unknown operator ${operatorId}`);
    return operator;
  }
}
