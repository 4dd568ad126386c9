/** Wallarm API tokens, as the rotator's registry knows them (workflow-safe: no I/O). */
import { z } from 'zod';
import { defineSource, type ProviderDescriptor } from '../../rotation/descriptors';

export const wallarmProvider: ProviderDescriptor = {
  queue: 'provider-wallarm',
  // unpublished limit; a commented-out line of Wallarm's docs says 500/s: stay far below it
  pace: { rps: 5, concurrency: 10 },
  secretFields: ['x-wallarmapi-token', 'X-WallarmApi-Token', 'token'],
};

/** Wallarm clouds: US `us1.api.wallarm.com`, EU `api.wallarm.com`, ME `me1.api.wallarm.com` (token ids are per cloud). */
export const wallarmCloud = () => z.enum(['us1', 'eu', 'me1'], { error: "Wallarm cloud must be 'us1', 'eu' or 'me1'" });
export type WallarmCloud = z.infer<ReturnType<typeof wallarmCloud>>;
export const wallarmTokenId = () =>
  z.number({ error: 'Wallarm token id must be a positive whole number' }).int('Wallarm token id must be a positive whole number').positive('Wallarm token id must be a positive whole number');

/** A Wallarm API token; the new token keeps its name, owner, type and permissions. */
export const wallarmApiToken = defineSource({
  kind: 'wallarm-api-token',
  provider: 'wallarm',
  schema: () =>
    z.object({
      kind: z.literal('wallarm-api-token'),
      cloud: wallarmCloud(),
      tokenId: wallarmTokenId(),
      /** the new token's lifetime; by default the old token's (none if it had no expiry) */
      lifetimeDays: z.number().int().min(1, 'token lifetime must be 1–3650 whole days').max(3650, 'token lifetime must be 1–3650 whole days').optional(),
    }),
  rotationId: (s) => `wallarm:${s.cloud}:${s.tokenId}`,
  subject: (s) => `wallarm:${s.cloud}:api-token/${s.tokenId}`,
  // Wallarm deletes a disabled token a week after disabling it: a 7-day window is the one it keeps restorable as is
  defaultRecoveryWindowDays: 7,
  retiredNote: (at) => `deactivated ${at}`,
  // a window longer than Wallarm's week keeps the old token enabled, expiring at the window's end
  retiredStaysActive: (days) => days > 7,
  credential: { type: 'api-token', holding: 'a Wallarm API token', secretFields: ['token'] },
});

/** What a rotation rotates: the tokens of one name in one company, as IAM rotates the keys of one user. */
export function tokenSubject(cloud: string, token: { client_id: number; realname: string }): string {
  return `wallarm:${cloud}:client/${token.client_id}/api-token/${token.realname}`;
}
