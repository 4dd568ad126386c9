import { randomBytes, randomUUID } from 'node:crypto';
import { wallarmErrors } from './errors';
import type { WallarmRole } from './roles';

/** Wallarm deletes a disabled token one week after it was disabled (provider-facts §3.2). */
export const DISABLED_TOKEN_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

export interface TokenSeed {
  readonly id?: number;
  readonly realname: string;
  readonly permissions: readonly string[];
  /** the value sent in X-WallarmApi-Token; random when omitted */
  readonly secret?: string;
  readonly expireAt?: string | null;
  readonly enabled?: boolean;
  readonly shared?: boolean;
  readonly createdAt?: string;
}

export interface UserSeed {
  readonly id: number;
  readonly email: string;
  readonly role: WallarmRole;
  readonly enabled?: boolean;
  readonly tokens?: readonly TokenSeed[];
}

/** A company account (Wallarm "client") and its users. */
export interface ClientSeed {
  readonly clientId: number;
  readonly users: readonly UserSeed[];
}

export interface UserRecord {
  readonly id: number;
  readonly uuid: string;
  readonly clientid: number;
  readonly email: string;
  readonly role: WallarmRole;
  enabled: boolean;
}

/** A token as the emulator keeps it; `secret` and `disabled_at` never leave through the token model. */
export interface ApiTokenRecord {
  readonly id: number;
  readonly client_id: number;
  readonly user_id: number;
  realname: string;
  enabled: boolean;
  expire_at: string | null;
  permissions: string[];
  /** personal (false) or shared (true): the API field's name is NOT FOUND in our sources (provider-facts §4) */
  readonly shared: boolean;
  readonly created_at: string;
  readonly secret: string;
  /** when it was disabled (by hand or by expiry): Wallarm deletes it a week later */
  disabled_at: string | null;
}

export interface StoreOptions {
  readonly now: () => number;
  /** Whether an expired token counts as disabled for the one-week deletion; the docs say both "deactivate" (default true). */
  readonly expiryDisables: boolean;
}

/** Everything one Wallarm cloud (us1, eu or me1) knows. Time-driven rules run lazily, on every request, by `settle()`. */
export class WallarmStore {
  readonly users = new Map<number, UserRecord>();
  readonly tokens = new Map<number, ApiTokenRecord>();
  private nextId = 1000;

  constructor(
    seeds: readonly ClientSeed[],
    private readonly options: StoreOptions,
  ) {
    for (const client of seeds) {
      for (const user of client.users) {
        this.users.set(user.id, { id: user.id, uuid: randomUUID(), clientid: client.clientId, email: user.email, role: user.role, enabled: user.enabled ?? true });
        for (const token of user.tokens ?? []) {
          this.addToken({
            id: token.id,
            client_id: client.clientId,
            user_id: user.id,
            realname: token.realname,
            enabled: token.enabled ?? true,
            expire_at: token.expireAt ?? null,
            permissions: [...token.permissions],
            shared: token.shared ?? false,
            created_at: token.createdAt,
            secret: token.secret,
          });
        }
      }
    }
  }

  now(): number {
    return this.options.now();
  }

  iso(ms = this.now()): string {
    return new Date(ms).toISOString();
  }

  addToken(fields: Omit<ApiTokenRecord, 'id' | 'secret' | 'created_at' | 'disabled_at'> & { id?: number; secret?: string; created_at?: string }): ApiTokenRecord {
    const id = fields.id ?? this.nextId++;
    if (this.tokens.has(id)) throw new Error(`token id ${id} is taken`);
    this.nextId = Math.max(this.nextId, id + 1);
    const record: ApiTokenRecord = {
      ...fields,
      id,
      secret: fields.secret ?? randomBytes(48).toString('base64url'),
      created_at: fields.created_at ?? this.iso(),
      disabled_at: fields.enabled ? null : this.iso(),
    };
    this.tokens.set(id, record);
    return record;
  }

  /** Expiry deactivates a token; a token disabled for a week is deleted. */
  settle(): void {
    const now = this.now();
    for (const token of this.tokens.values()) {
      if (token.enabled && token.expire_at !== null && Date.parse(token.expire_at) <= now) {
        token.enabled = false;
        if (this.options.expiryDisables) token.disabled_at = token.expire_at;
      }
      if (!token.enabled && token.disabled_at !== null && Date.parse(token.disabled_at) + DISABLED_TOKEN_LIFETIME_MS <= now) {
        this.tokens.delete(token.id);
      }
    }
  }

  /** The caller behind `X-WallarmApi-Token`, or Wallarm's 403 for a missing, unknown, disabled or expired token. */
  authenticate(secret: string | undefined): { user: UserRecord; token: ApiTokenRecord } {
    if (secret === undefined || secret === '') throw wallarmErrors.forbidden();
    const token = [...this.tokens.values()].find((t) => t.secret === secret);
    const user = token === undefined ? undefined : this.users.get(token.user_id);
    // a disabled owner disables its tokens (provider-facts §3.2)
    if (token === undefined || user === undefined || !token.enabled || !user.enabled) throw wallarmErrors.forbidden();
    return { user, token };
  }
}

/** The token as the API shows it: no secret. Field names beyond the create body are inferred (provider-facts §3.1). */
export function tokenModel(token: ApiTokenRecord) {
  const { secret: _secret, disabled_at: _disabledAt, ...model } = token;
  return model;
}
