import { z } from 'zod';
import { wallarmErrors } from './errors';

/**
 * Request bodies as the emulator accepts them. `CreateTokenBody` is the documented `POST /v2/api_tokens` body
 * (provider-facts §3.1, W2) plus `shared`, whose real name is NOT FOUND; `UpdateTokenBody` belongs to the inferred routes.
 */
const isoTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}T/.test(v), 'must be an ISO-8601 date-time');

export const CreateTokenBody = z.object({
  client_id: z.number().int().positive(),
  realname: z.string().trim().min(1).max(256),
  user_id: z.number().int().positive(),
  enabled: z.boolean().default(true),
  // "Expiry: optional" (provider-facts §3.2)
  expire_at: isoTime.nullable().optional(),
  permissions: z.array(z.string().min(1)).min(1),
  shared: z.boolean().optional(),
});
export type CreateTokenBody = z.output<typeof CreateTokenBody>;

export const UpdateTokenBody = z
  .object({
    realname: z.string().trim().min(1).max(256).optional(),
    enabled: z.boolean().optional(),
    expire_at: isoTime.nullable().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'nothing to update');
export type UpdateTokenBody = z.output<typeof UpdateTokenBody>;

/** Parses a body or throws Wallarm's 400 naming the first invalid field (values echoed only for non-secret fields). */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = String(issue.path[0] ?? 'body');
  const value = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[field] : body;
  throw wallarmErrors.invalidField(field, value ?? null);
}
