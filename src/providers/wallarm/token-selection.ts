/**
 * Expiry-driven rotation of Wallarm API tokens: which tokens are due, and which consumers hold each. Pure: the CLI
 * reads the files and calls Wallarm; this module only parses and selects.
 */
import { z } from 'zod';
import { parseConsumerArg, type ConsumerSpec } from '../../rotation/model';

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

const ConsumerMapFile = z.record(z.string().trim().min(1), z.array(z.string()).min(1, 'needs at least one consumer'), {
  error: 'must be a JSON object mapping token names to lists of consumers',
});

/**
 * The consumer map: `{"<token name>": ["soracom:<set>[:update|versioned]", …], …}`. Keyed by name because a
 * rotation keeps the name and changes the id. Every entry is checked here, before anything is started.
 */
export function parseConsumerMap(text: string, file: string): Map<string, ConsumerSpec[]> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`--consumer-map ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = ConsumerMapFile.safeParse(json);
  if (!parsed.success) {
    throw new Error(`--consumer-map ${file}: ${parsed.error.issues.map((i) => `${i.path.length > 0 ? `"${i.path.join('.')}" ` : ''}${i.message}`).join('; ')}`);
  }
  const map = new Map<string, ConsumerSpec[]>();
  for (const [name, consumers] of Object.entries(parsed.data)) {
    try {
      const specs = consumers.map(parseConsumerArg);
      if (new Set(consumers).size !== consumers.length) throw new Error('a consumer is listed twice');
      map.set(name, specs);
    } catch (err) {
      throw new Error(`--consumer-map ${file}, token "${name}": ${(err as Error).message.replace(/^--consumer /, '')}`);
    }
  }
  return map;
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
