import { z } from 'zod';

/**
 * Wallarm API wire shapes, read as a tolerant reader: only what the rotator reads is required; `null`, a missing optional
 * field and fields the docs do not name pass. Every JSON answer is the envelope `{status, body}` (provider-facts §3.1).
 */
export const envelope = <S extends z.ZodType>(body: S) => z.object({ status: z.number().int().nullish(), body });

/** `POST /v1/user` (documented; wallarm-go `UserParams`): read, the caller's user id and company (`clientid`); the rest (role, permissions, e-mail…) never. */
export const WallarmUser = z.object({
  id: z.number().int(),
  clientid: z.number().int(),
});
export type WallarmUser = z.infer<typeof WallarmUser>;

/** `POST /v2/api_tokens` body, exactly as documented (W2), plus `shared`, whose real name is NOT FOUND (provider-facts §4). */
export interface CreateTokenRequest {
  client_id: number;
  realname: string;
  user_id: number;
  enabled: boolean;
  expire_at: string | null;
  permissions: string[];
  shared?: boolean;
}

/** The documented create answer promises only the token's `id` ("get the id of the created token from the response"). */
export const CreatedToken = z.object({ id: z.number().int() });

/** `GET /v2/api_tokens/{id}/secret` (documented): the value used in X-WallarmApi-Token. */
export const TokenSecret = z.object({ secret: z.string().min(1) });

/** Error bodies: `{status, body}` with a string or a field map, or `{body:{error}}` for unexpected errors (W5). */
export const WallarmErrorBody = z.object({ status: z.number().int().nullish(), body: z.unknown() });
