/**
 * ── INFERRED ─────────────────────────────────────────────────────────────────────────────────────────────────
 * Wallarm documents only the create and read-secret routes for API tokens (provider-facts §3.1). Listing, updating
 * (enable, disable, re-expire) and deleting a token, and the token object's fields beyond the create body, are
 * NOT FOUND in our sources: these are our best guess "by analogy", unverified against the live API. This module
 * and `sandbox/wallarm/inferred-routes.ts` are the only places that know them.
 * ─────────────────────────────────────────────────────────────────────────────────────────────────────────────
 */
import { z } from 'zod';

export const inferredRoutes = {
  listTokens: { method: 'GET', path: () => '/v2/api_tokens' },
  updateToken: { method: 'PUT', path: (id: number) => `/v2/api_tokens/${id}` },
  deleteToken: { method: 'DELETE', path: (id: number) => `/v2/api_tokens/${id}` },
} as const;

/**
 * A token as listed: the create body's fields plus `id`, `created_at` and `shared`. No secret. Every field is read: the
 * new token copies name, company, owner, permissions and type, and the lifetime comes from `created_at`/`expire_at`;
 * no expiry and no type (`null` or absent) read as none and personal. Fields not named here pass.
 */
export const ApiToken = z.object({
  id: z.number().int(),
  client_id: z.number().int(),
  user_id: z.number().int(),
  realname: z.string(),
  enabled: z.boolean(),
  expire_at: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  permissions: z.array(z.string()),
  shared: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
  created_at: z.string(),
});
export type ApiToken = z.infer<typeof ApiToken>;

/** The update body: `expire_at` must come with `enabled: true` on a disabled token (a documented rule, provider-facts §3.2). */
export interface UpdateTokenRequest {
  enabled?: boolean;
  expire_at?: string | null;
}
