import path from 'node:path';
import { z } from 'zod';
import { readAuthKeyFile, type AuthKeyPair } from './auth-key-file';
import { coverageHosts, readSoracomProfile, soracomProfileDir, type CoverageType, type SoracomProfile } from './profile';

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
  /** Where the endpoint or the AuthKey came from when a soracom-cli profile gave it, for messages that say what to check. */
  readonly origin?: { readonly endpoint?: string; readonly authKey?: string };
}

/** The API base URL of each coverage type, `/v1` included. */
export const coverageEndpoints = {
  jp: `${coverageHosts.jp.api}/v1`,
  g: `${coverageHosts.g.api}/v1`,
} as const;

/**
 * The API base URL from an endpoint as either tool takes it: soracom-cli's host root (`https://api.soracom.io`, to
 * which it appends `/v1`) or the rotator's own `…/v1`; a trailing slash either way.
 */
export function soracomApiBase(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`;
}

const required = (name: string) =>
  z.string({ error: `${name} is not set` }).refine((v) => v.trim() !== '', { error: `${name} is empty` });

const httpUrl = (message: string) => z.url({ protocol: /^https?$/, error: message });

const SoracomEnv = z.object({
  SORACOM_ENDPOINT: httpUrl('SORACOM_ENDPOINT must be a URL such as https://api.soracom.io/v1').optional(),
  SORACOM_COVERAGE_TYPE: z.enum(['jp', 'g'], { error: "SORACOM_COVERAGE_TYPE must be 'jp' (Japan) or 'g' (global)" }).optional(),
  SORACOM_PROFILE: z.string().optional(),
});
const SoracomKeyEnv = z.object({
  SORACOM_AUTH_KEY_ID: required('SORACOM_AUTH_KEY_ID'),
  SORACOM_AUTH_KEY: required('SORACOM_AUTH_KEY'),
});
const SoracomFileEnv = z.object({
  SORACOM_AUTH_KEY_FILE: z.string().refine((p) => path.isAbsolute(p), { error: 'SORACOM_AUTH_KEY_FILE must be an absolute path' }),
});

const KEY_VARIABLES = ['SORACOM_AUTH_KEY_FILE', 'SORACOM_AUTH_KEY_ID', 'SORACOM_AUTH_KEY'] as const;

/**
 * Reads the SORACOM configuration: the rotator's own variables first, then a soracom-cli profile for whatever they
 * leave unset. Errors name the variable or the profile file and field, never a value.
 *
 * - AuthKey: `SORACOM_AUTH_KEY_FILE` (a JSON file the rotator can rotate itself), or `SORACOM_AUTH_KEY_ID` and
 *   `SORACOM_AUTH_KEY`, or else the profile's `authKeyId` and `authKey`.
 * - Profile: `SORACOM_PROFILE`, read from soracom-cli's directory (`SORACOM_PROFILE_DIR`, else `~/.soracom`). Unnamed,
 *   the `default` profile is read only when no AuthKey variable is set: a worker configured by its variables is not
 *   changed by a file in its home directory (soracom-cli would take the endpoint from it).
 * - Endpoint, in soracom-cli's order with `SORACOM_COVERAGE_TYPE` in the place of its `--coverage-type`:
 *   `SORACOM_ENDPOINT`, `SORACOM_COVERAGE_TYPE`, the profile's `endpoint`, its `sandbox` and `coverageType`; else Japan.
 *   With or without `/v1`.
 */
export function soracomConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SoracomConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const fail = (problems: string) => new Error(`SORACOM configuration: ${problems}`);
  const vars = SoracomEnv.safeParse(present);
  if (!vars.success) throw fail(vars.error.issues.map((i) => i.message).join('; '));
  const { SORACOM_ENDPOINT, SORACOM_COVERAGE_TYPE, SORACOM_PROFILE } = vars.data;

  const keyFromVariables = KEY_VARIABLES.some((name) => present[name] !== undefined);
  let profile: SoracomProfile | undefined;
  try {
    profile = SORACOM_PROFILE !== undefined ? readSoracomProfile(SORACOM_PROFILE, env) : keyFromVariables ? undefined : readSoracomProfile('default', env, { optional: true });
  } catch (err) {
    throw fail((err as Error).message);
  }

  const key = keyFromVariables ? keyOfVariables(present, fail) : keyOfProfile(profile, env, fail);
  const endpoint = endpointOf(SORACOM_ENDPOINT, SORACOM_COVERAGE_TYPE, profile);
  const origin = {
    ...(endpoint.from === undefined ? {} : { endpoint: endpoint.from }),
    ...(keyFromVariables || profile === undefined ? {} : { authKey: `authKeyId / authKey of ${describe(profile)}` }),
  };
  return { endpoint: endpoint.url, ...key, ...(Object.keys(origin).length === 0 ? {} : { origin }) };
}

type Fail = (problems: string) => Error;

/** SORACOM_AUTH_KEY_FILE, or SORACOM_AUTH_KEY_ID and SORACOM_AUTH_KEY: one or the other, never half of either. */
function keyOfVariables(present: Record<string, string | undefined>, fail: Fail): AuthKeyPair & { authKeyFile?: string } {
  if (present.SORACOM_AUTH_KEY_FILE !== undefined) {
    if (present.SORACOM_AUTH_KEY_ID !== undefined || present.SORACOM_AUTH_KEY !== undefined) {
      throw fail('set either SORACOM_AUTH_KEY_FILE or SORACOM_AUTH_KEY_ID and SORACOM_AUTH_KEY, not both');
    }
    const parsed = SoracomFileEnv.safeParse(present);
    if (!parsed.success) throw fail(parsed.error.issues.map((i) => i.message).join('; '));
    const { SORACOM_AUTH_KEY_FILE } = parsed.data;
    try {
      return { ...readAuthKeyFile(SORACOM_AUTH_KEY_FILE), authKeyFile: SORACOM_AUTH_KEY_FILE };
    } catch (err) {
      throw fail((err as Error).message);
    }
  }
  const parsed = SoracomKeyEnv.safeParse(present);
  if (!parsed.success) throw fail(`${parsed.error.issues.map((i) => i.message).join('; ')} (or set SORACOM_AUTH_KEY_FILE)`);
  return { authKeyId: parsed.data.SORACOM_AUTH_KEY_ID, authKey: parsed.data.SORACOM_AUTH_KEY };
}

/** The profile's own authKeyId and authKey; with no profile, every way to give a key is named. */
function keyOfProfile(profile: SoracomProfile | undefined, env: NodeJS.ProcessEnv, fail: Fail): AuthKeyPair {
  if (profile === undefined) {
    const file = path.join(soracomProfileDir(env), 'default.json');
    throw fail(`SORACOM_AUTH_KEY_ID is not set; SORACOM_AUTH_KEY is not set (or set SORACOM_AUTH_KEY_FILE, or SORACOM_PROFILE for a soracom-cli profile: there is no default one at ${file})`);
  }
  if (profile.authKey === undefined) throw fail(`${profile.noAuthKey ?? `${describe(profile)} has no AuthKey`}; or set SORACOM_AUTH_KEY_ID and SORACOM_AUTH_KEY, or SORACOM_AUTH_KEY_FILE`);
  return profile.authKey;
}

/** soracom-cli's endpoint order (endpoint.go, getSpecifiedEndpoint), and which setting decided it when a profile did. */
function endpointOf(endpoint: string | undefined, coverage: CoverageType | undefined, profile: SoracomProfile | undefined): { url: string; from?: string } {
  if (endpoint !== undefined) return { url: soracomApiBase(endpoint) };
  const host = (ct: CoverageType, sandbox: boolean) => (sandbox ? coverageHosts[ct].sandbox : coverageHosts[ct].api);
  if (coverage !== undefined) return { url: soracomApiBase(host(coverage, profile?.sandbox === true)) };
  if (profile === undefined) return { url: coverageEndpoints.jp };
  if (profile.endpoint !== undefined) return { url: soracomApiBase(profile.endpoint), from: `the endpoint of ${describe(profile)}` };
  return { url: soracomApiBase(host(profile.coverageType, profile.sandbox)), from: `the coverageType${profile.sandbox ? ' and sandbox' : ''} of ${describe(profile)}` };
}

const describe = (profile: SoracomProfile) => `SORACOM profile '${profile.name}' (${profile.file})`;
