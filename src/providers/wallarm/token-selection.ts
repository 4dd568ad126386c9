/**
 * Expiry-driven rotation of Wallarm API tokens: which tokens are due, and which consumers hold each. Pure: the CLI
 * reads the files and calls Wallarm; this module only parses and selects.
 */
import { parseConsumerMapText } from '../../rotation/consumer-map';
import type { ConsumerSpec } from '../../rotation/model';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
const MAX_PERIOD_DAYS = 90;

/** `7d`, `72h` → milliseconds; 1 hour to 90 days. Wallarm e-mails 3 days before expiry, so 7d rotates ahead of it. */
export function parseExpiringWithin(arg: string): number {
  const match = /^(\d+)\s*([dh])$/.exec(arg.trim());
  const ms = match ? Number(match[1]) * (match[2] === 'd' ? DAY_MS : HOUR_MS) : Number.NaN;
  if (!(ms >= HOUR_MS && ms <= MAX_PERIOD_DAYS * DAY_MS)) {
    throw new Error(`--expiring-within '${arg}' is not understood: use whole days or hours, e.g. 7d or 72h (1h to ${MAX_PERIOD_DAYS}d)`);
  }
  return ms;
}

/**
 * The consumer map: `{"<token name>": ["soracom:<set>[:update|versioned]", …], …}`. Keyed by name because a
 * rotation keeps the name and changes the id. Every entry is checked here, before anything is started.
 */
export function parseConsumerMap(text: string, file: string): Map<string, ConsumerSpec[]> {
  return parseConsumerMapText(text, file, { entry: 'token' });
}

export interface ListedToken {
  readonly id: number;
  readonly realname: string;
  readonly enabled: boolean;
  readonly expire_at: string | null;
}

/** Enabled tokens whose expiry falls in (now, now + within], soonest first. Expired and expiry-less tokens are not due. */
export function tokensExpiringWithin<T extends ListedToken>(tokens: readonly T[], now: number, withinMs: number): T[] {
  return tokens
    .filter((t) => t.enabled && t.expire_at !== null && Date.parse(t.expire_at) > now && Date.parse(t.expire_at) <= now + withinMs)
    .sort((a, b) => Date.parse(a.expire_at!) - Date.parse(b.expire_at!));
}
