import { z } from 'zod';

/** Where and as whom the rotator calls SORACOM. */
export interface SoracomConfig {
  /** Base URL including `/v1` */
  readonly endpoint: string;
  readonly authKeyId: string;
  readonly authKey: string;
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

/** Reads SORACOM_ENDPOINT (or SORACOM_COVERAGE_TYPE), SORACOM_AUTH_KEY_ID and SORACOM_AUTH_KEY; errors name the variable, never its value. */
export function soracomConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SoracomConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = SoracomEnv.safeParse(present);
  if (!parsed.success) throw new Error(`SORACOM configuration: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const { SORACOM_ENDPOINT, SORACOM_COVERAGE_TYPE, SORACOM_AUTH_KEY_ID, SORACOM_AUTH_KEY } = parsed.data;
  return {
    endpoint: (SORACOM_ENDPOINT ?? coverageEndpoints[SORACOM_COVERAGE_TYPE]).replace(/\/+$/, ''),
    authKeyId: SORACOM_AUTH_KEY_ID,
    authKey: SORACOM_AUTH_KEY,
  };
}
