/**
 * The errors the Wallarm emulator answers with, in Wallarm's `{status, body}` envelope (provider-facts §3.1, from the
 * public Swagger copy W5): 400 names the invalid field, 403 is the one answer for a bad token and for a missing
 * permission alike. Wallarm uses 403, never 401, for authentication failures.
 */
export class WallarmApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }

  get envelope(): { status: number; body: unknown } {
    return { status: this.status, body: this.body };
  }
}

export const wallarmErrors = {
  /** W5: `{"status":403,"body":"Check permissions failed"}` — for a missing, unknown, disabled or expired token, and for a lacking role */
  forbidden: () => new WallarmApiError(403, 'Check permissions failed'),
  /** W5: `{"status":400,"body":{"<field>":{"error":"invalid","value":"…"}}}` */
  invalidField: (field: string, value: unknown) => new WallarmApiError(400, { [field]: { error: 'invalid', value } }),
  notFound: () => new WallarmApiError(404, 'Not found'),
  /** 429 semantics are NOT FOUND in our sources (provider-facts §3.3); whether Retry-After is sent is an emulator option */
  rateLimited: (retryAfterSeconds: number | undefined) =>
    new WallarmApiError(429, 'Too many requests', retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) }),
  /** W5: unexpected errors come as `{"body":{"error":"…"}}` */
  internal: () => new WallarmApiError(500, { error: 'Internal server error' }),
};
