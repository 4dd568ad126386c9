import path from 'node:path';
import { z } from 'zod';
import { readAuthKeyFile } from './auth-key-file';

/** Where and as whom the rotator calls SORACOM. */
export interface SoracomConfig {
  /** Base URL including `/v1` */
  readonly endpoint: string;
  readonly authKeyId: string;
  readonly authKey: string;
  /**
   * When set, the AuthKey came from this JSON file and is read again for every new API key/token pair, so a
   * self-rotation that rewrites the file switches the running worker to the new key. `authKeyId`/`authKey` are its
   * content at start-up.
   */
  readonly authKeyFile?: string;
}

export const coverageEndpoints = {
  jp: 'https://api.soracom.io/v1',
  g: 'https://g.api.soracom.io/v1',
} as const;

const required = (name: string) =>
  z.string({ error: `${name} is not set` }).refine((v) => v.trim() !== '', { error: `${name} is empty` });

const SoracomEnv = z.object({
  SORACOM_ENDPOINT: z.url({ error: 'SORACOM_ENDPOINT must be a URL such as https://api.soracom.io/v1' }).optional(),
  SORACOM_COVERAGE_TYPE: z.enum(['jp', 'g'], { error: "SORACOM_COVERAGE_TYPE must be 'jp' (Japan) or 'g' (global)" }).default('jp'),
  SORACOM_AUTH_KEY_ID: required('SORACOM_AUTH_KEY_ID'),
  SORACOM_AUTH_KEY: required('SORACOM_AUTH_KEY'),
});
const SoracomFileEnv = SoracomEnv.omit({ SORACOM_AUTH_KEY_ID: true, SORACOM_AUTH_KEY: true }).extend({
  SORACOM_AUTH_KEY_FILE: z.string().refine((p) => path.isAbsolute(p), { error: 'SORACOM_AUTH_KEY_FILE must be an absolute path' }),
});

/**
 * Reads SORACOM_ENDPOINT (or SORACOM_COVERAGE_TYPE) and the AuthKey: SORACOM_AUTH_KEY_ID and SORACOM_AUTH_KEY, or
 * SORACOM_AUTH_KEY_FILE (a JSON file the rotator can rotate itself). Errors name the variable, never its value.
 */
export function soracomConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SoracomConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  if (present.SORACOM_AUTH_KEY_FILE !== undefined) {
    if (present.SORACOM_AUTH_KEY_ID !== undefined || present.SORACOM_AUTH_KEY !== undefined) {
      throw new Error('SORACOM configuration: set either SORACOM_AUTH_KEY_FILE or SORACOM_AUTH_KEY_ID and SORACOM_AUTH_KEY, not both');
    }
    const parsed = SoracomFileEnv.safeParse(present);
    if (!parsed.success) throw new Error(`SORACOM configuration: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    const { SORACOM_ENDPOINT, SORACOM_COVERAGE_TYPE, SORACOM_AUTH_KEY_FILE } = parsed.data;
    let key;
    try {
      key = readAuthKeyFile(SORACOM_AUTH_KEY_FILE);
    } catch (err) {
      throw new Error(`SORACOM configuration: ${(err as Error).message}`);
    }
    return { endpoint: endpointOf(SORACOM_ENDPOINT, SORACOM_COVERAGE_TYPE), ...key, authKeyFile: SORACOM_AUTH_KEY_FILE };
  }
  const parsed = SoracomEnv.safeParse(present);
  if (!parsed.success) {
    const keyMissing = parsed.error.issues.some((i) => String(i.path[0]).startsWith('SORACOM_AUTH_KEY'));
    throw new Error(`SORACOM configuration: ${parsed.error.issues.map((i) => i.message).join('; ')}${keyMissing ? ' (or set SORACOM_AUTH_KEY_FILE)' : ''}`);
  }
  const { SORACOM_ENDPOINT, SORACOM_COVERAGE_TYPE, SORACOM_AUTH_KEY_ID, SORACOM_AUTH_KEY } = parsed.data;
  return {
    endpoint: endpointOf(SORACOM_ENDPOINT, SORACOM_COVERAGE_TYPE),
    authKeyId: SORACOM_AUTH_KEY_ID,
    authKey: SORACOM_AUTH_KEY,
  };
}

function endpointOf(endpoint: string | undefined, coverage: keyof typeof coverageEndpoints): string {
  return (endpoint ?? coverageEndpoints[coverage]).replace(/\/+$/, '');
}
