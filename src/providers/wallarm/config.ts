import { z } from 'zod';
import { wallarmCloud, type WallarmCloud } from './descriptor';

/** Where and as whom the rotator calls Wallarm. */
export interface WallarmConfig {
  /** the cloud's name, as rotations name it (`wallarm:<cloud>:<tokenId>`) */
  readonly cloud: WallarmCloud;
  /** Base URL without a path, e.g. `https://us1.api.wallarm.com` */
  readonly endpoint: string;
  /** the rotator's own API token, sent as X-WallarmApi-Token */
  readonly token: string;
}

/** API hosts per cloud (provider-facts §3: W1 for US and EU, W6 for ME). */
export const cloudEndpoints: Readonly<Record<WallarmCloud, string>> = {
  us1: 'https://us1.api.wallarm.com',
  eu: 'https://api.wallarm.com',
  me1: 'https://me1.api.wallarm.com',
};

const WallarmEnv = z.object({
  WALLARM_API_TOKEN: z.string().refine((v) => v.trim() !== '', { error: 'WALLARM_API_TOKEN is empty' }),
  // EU is terraform-provider-wallarm's default too (W4)
  WALLARM_CLOUD: wallarmCloud().default('eu'),
  WALLARM_API_HOST: z.url({ error: 'WALLARM_API_HOST must be a URL such as https://us1.api.wallarm.com' }).optional(),
});

/**
 * Reads WALLARM_API_TOKEN, WALLARM_CLOUD (us1 | eu | me1; default eu) and WALLARM_API_HOST (an emulator or proxy in
 * front of that cloud). Undefined when WALLARM_API_TOKEN is not set: Wallarm is then not configured on this process.
 * Errors name the variable, never its value.
 */
export function wallarmConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WallarmConfig | undefined {
  if (env.WALLARM_API_TOKEN === undefined) return undefined;
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => value !== '' || key === 'WALLARM_API_TOKEN'));
  const parsed = WallarmEnv.safeParse(present);
  if (!parsed.success) {
    const messages = parsed.error.issues.map((i) => (i.path[0] === 'WALLARM_CLOUD' ? "WALLARM_CLOUD must be 'us1', 'eu' or 'me1'" : i.message));
    throw new Error(`Wallarm configuration: ${messages.join('; ')}`);
  }
  const { WALLARM_API_TOKEN, WALLARM_CLOUD, WALLARM_API_HOST } = parsed.data;
  return { cloud: WALLARM_CLOUD, endpoint: (WALLARM_API_HOST ?? cloudEndpoints[WALLARM_CLOUD]).replace(/\/+$/, ''), token: WALLARM_API_TOKEN };
}
