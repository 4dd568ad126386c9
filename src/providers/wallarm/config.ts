import { z } from 'zod';
import type { WallarmCloud } from './descriptor';

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

/** Wallarm's names for its clouds ("US Cloud", "EU Cloud", "ME Cloud"; eu1 in its console hosts) as the rotator's. */
const CLOUD_NAMES: Readonly<Record<string, WallarmCloud>> = { us1: 'us1', us: 'us1', eu: 'eu', eu1: 'eu', me1: 'me1', me: 'me1' };

/** The cloud whose API a host is, if it is one of Wallarm's. */
function cloudOfHost(hostname: string): WallarmCloud | undefined {
  return (Object.keys(cloudEndpoints) as WallarmCloud[]).find((cloud) => new URL(cloudEndpoints[cloud]).hostname === hostname.toLowerCase());
}

/**
 * WALLARM_API_HOST as Wallarm's tools take it: a URL (terraform-provider-wallarm, `https://us1.api.wallarm.com`) or a
 * bare host (Wallarm's node images, `us1.api.wallarm.com`), which is https on port 443.
 */
function apiHostUrl(value: string): URL | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
  try {
    const url = new URL(withScheme);
    return ['http:', 'https:'].includes(url.protocol) && url.hostname !== '' && !/\s/.test(value) ? url : undefined;
  } catch {
    return undefined;
  }
}

const WallarmEnv = z.object({
  WALLARM_API_TOKEN: z.string().refine((v) => v.trim() !== '', { error: 'WALLARM_API_TOKEN is empty' }),
  WALLARM_CLOUD: z
    .string()
    .transform((v) => (Object.hasOwn(CLOUD_NAMES, v.trim().toLowerCase()) ? CLOUD_NAMES[v.trim().toLowerCase()] : undefined))
    .refine((v) => v !== undefined, { error: "WALLARM_CLOUD must be 'us1', 'eu' or 'me1' (Wallarm's us, eu1 and me are taken too)" })
    .optional(),
  WALLARM_API_HOST: z
    .string()
    .transform((v) => apiHostUrl(v.trim()))
    .refine((v) => v !== undefined, { error: 'WALLARM_API_HOST must be a URL such as https://us1.api.wallarm.com or a host such as us1.api.wallarm.com' })
    .optional(),
});

/**
 * Reads WALLARM_API_TOKEN, WALLARM_CLOUD (us1 | eu | me1, or Wallarm's us / eu1 / me) and WALLARM_API_HOST (a Wallarm
 * API host, an emulator or a proxy; with or without `https://`). The cloud is WALLARM_CLOUD, else the one whose host
 * WALLARM_API_HOST names, else eu (terraform-provider-wallarm's default too, W4). Undefined when WALLARM_API_TOKEN is
 * not set: Wallarm is then not configured on this process. Errors name the variable, never its value.
 */
export function wallarmConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WallarmConfig | undefined {
  if (env.WALLARM_API_TOKEN === undefined) return undefined;
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => value !== '' || key === 'WALLARM_API_TOKEN'));
  const parsed = WallarmEnv.safeParse(present);
  if (!parsed.success) throw new Error(`Wallarm configuration: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const { WALLARM_API_TOKEN, WALLARM_CLOUD, WALLARM_API_HOST } = parsed.data;
  const hostCloud = WALLARM_API_HOST === undefined ? undefined : cloudOfHost(WALLARM_API_HOST.hostname);
  if (WALLARM_CLOUD !== undefined && hostCloud !== undefined && WALLARM_CLOUD !== hostCloud) {
    throw new Error(`Wallarm configuration: WALLARM_CLOUD is ${WALLARM_CLOUD} but WALLARM_API_HOST is the ${hostCloud} cloud's API (${WALLARM_API_HOST!.hostname}); set one, or both alike`);
  }
  const cloud = WALLARM_CLOUD ?? hostCloud ?? 'eu';
  const endpoint = WALLARM_API_HOST === undefined ? cloudEndpoints[cloud] : `${WALLARM_API_HOST.origin}${WALLARM_API_HOST.pathname}`;
  return { cloud, endpoint: endpoint.replace(/\/+$/, ''), token: WALLARM_API_TOKEN };
}
