/**
 * Requests per minute by route, keyed `'<METHOD> <path template>'` as in the spec (e.g. `'GET /credentials'`,
 * `'PUT /credentials/{credentials_id}'`), plus `default` for every other route. Real limits are unpublished (provider-facts §1.3).
 */
export type RateLimits = Readonly<Record<string, number>> & { readonly default?: number };

export interface RateLimitState {
  readonly limit: number;
  readonly remaining: number;
  readonly secondsBeforeRefresh: number;
  readonly allowed: boolean;
}

const windowMs = 60_000;

/** Fixed one-minute windows, counted per subject (an operator, or a source IP for `/auth`) and route. */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number,
  ) {}

  /** Counts one request; undefined when the route has no limit. */
  take(route: string, subject: string): RateLimitState | undefined {
    const limit = this.limits[route] ?? this.limits.default;
    if (limit === undefined) return undefined;
    const now = this.now();
    const key = `${subject}\n${route}`;
    let window = this.windows.get(key);
    if (window === undefined || now - window.start >= windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    const allowed = window.count < limit;
    if (allowed) window.count++;
    return {
      limit,
      remaining: limit - window.count,
      secondsBeforeRefresh: Math.max(1, Math.ceil((window.start + windowMs - now) / 1000)),
      allowed,
    };
  }
}

export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    'X-Soracom-Ratelimit-Limit': String(state.limit),
    'X-Soracom-Ratelimit-Remaining': String(state.remaining),
    'X-Soracom-Ratelimit-Seconds-Before-Refresh': String(state.secondsBeforeRefresh),
  };
}
