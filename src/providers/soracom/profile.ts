/**
 * soracom-cli's profiles, read as soracom-cli reads them (soracom/soracom-cli, generators/cmd/predefined/profiles.go and
 * endpoint.go): `<dir>/<name>.json`, the directory `SORACOM_PROFILE_DIR` or else `~/.soracom`, the profile `default`
 * unless one is named, a file refused when others may read it, `coverageType` `jp` when empty. A profile holds more than
 * the rotator uses (`email`, `password`, `username`, `operatorId`, `registerPaymentMethod`, `headers`, …): those pass
 * unread. Errors name the file and the field, never a value from it.
 */
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { AuthKeyPair } from './auth-key-file';

/** SORACOM's coverage types and their API hosts, production and API sandbox (soracom-cli endpoint.go). */
export const coverageHosts = {
  jp: { api: 'https://api.soracom.io', sandbox: 'https://api-sandbox.soracom.io' },
  g: { api: 'https://g.api.soracom.io', sandbox: 'https://g.api-sandbox.soracom.io' },
} as const;
export type CoverageType = keyof typeof coverageHosts;

export interface SoracomProfile {
  readonly name: string;
  /** the file it was read from */
  readonly file: string;
  /** as written, soracom-cli's host-root form or with `/v1` */
  readonly endpoint?: string;
  readonly coverageType: CoverageType;
  /** a profile of SORACOM's API sandbox (`soracom configure-sandbox`) */
  readonly sandbox: boolean;
  /** `authKeyId` and `authKey`, when the profile holds both and logs in with nothing else */
  readonly authKey?: AuthKeyPair;
  /** why it gives no AuthKey the rotator can use, when it does not */
  readonly noAuthKey?: string;
}

// a profile as soracom-cli writes it; null and "" read as absent, as Go's zero values do
const text = z
  .string()
  .nullish()
  .transform((v) => (v === null || v === undefined || v.trim() === '' ? undefined : v.trim()));
const ProfileFile = z.looseObject({
  authKeyId: text,
  authKey: text,
  coverageType: text,
  endpoint: text,
  sandbox: z.boolean().nullish(),
  email: text,
  username: text,
  profileCommand: text,
  sourceProfile: text,
});

/** soracom-cli's profile directory: `SORACOM_PROFILE_DIR`, else `~/.soracom` ($HOME first, as Go's homedir does). */
export function soracomProfileDir(env: NodeJS.ProcessEnv): string {
  return path.resolve(env.SORACOM_PROFILE_DIR || path.join(env.HOME || os.homedir(), '.soracom'));
}

/** The file of profile `name`; a name soracom-cli would rewrite is refused, so the rotator never reads another file than it. */
export function soracomProfileFile(name: string, env: NodeJS.ProcessEnv): string {
  // soracom-cli rewrites any other character (sanitize.BaseName: '.', '/', ' ', '_' … become '-'): refuse rather than guess
  if (!/^[A-Za-z0-9-]+$/.test(name)) {
    throw new Error(`SORACOM_PROFILE '${name}' is not a soracom-cli profile name: use letters, digits and '-' (soracom-cli rewrites other characters, so its file is not '${name}.json')`);
  }
  return path.join(soracomProfileDir(env), `${name}.json`);
}

/**
 * Reads profile `name`. A missing file is undefined when `optional` (the implicit `default`), an error otherwise. Any
 * other problem is an error naming the file and the field.
 */
export function readSoracomProfile(name: string, env: NodeJS.ProcessEnv, options: { optional?: boolean } = {}): SoracomProfile | undefined {
  const file = soracomProfileFile(name, env);
  const where = `SORACOM profile '${name}' (${file})`;
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT' && options.optional) return undefined;
    if (code === 'ENOENT') throw new Error(`${where} does not exist; soracom-cli's profiles are <SORACOM_PROFILE_DIR, else ~/.soracom>/<name>.json ('soracom configure --profile ${name}' writes one)`);
    throw new Error(`${where} cannot be read (${code})`);
  }
  // soracom-cli refuses a profile that others may read or write (lib.IsFilePermissionTooOpen), except on Windows
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new Error(`${where} may be read or written by others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); soracom-cli refuses it too: chmod 600 ${file}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === undefined ? `${where} is not JSON` : `${where} cannot be read (${code})`);
  }
  const parsed = ProfileFile.safeParse(json);
  if (!parsed.success) {
    // paths and kinds only: a value may be a secret
    throw new Error(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'the file'} is not ${i.code === 'invalid_type' ? `a ${i.expected}` : 'valid'}`).join('; ')}`);
  }
  const p = parsed.data;
  // soracom-cli: an empty coverageType is 'jp' (profiles from before global coverage)
  const coverageType = p.coverageType ?? 'jp';
  if (coverageType !== 'jp' && coverageType !== 'g') throw new Error(`${where}: coverageType must be 'jp' (Japan) or 'g' (global)`);
  if (p.endpoint !== undefined && !isHttpUrl(p.endpoint)) throw new Error(`${where}: endpoint must be a URL such as https://api.soracom.io`);
  return {
    name,
    file,
    coverageType,
    sandbox: p.sandbox === true,
    ...(p.endpoint === undefined ? {} : { endpoint: p.endpoint }),
    ...authKeyOf(p, where),
  };
}

/** The profile's AuthKey, or why the rotator cannot log in with it: only an AuthKey held in the file itself will do. */
function authKeyOf(p: z.infer<typeof ProfileFile>, where: string): Pick<SoracomProfile, 'authKey' | 'noAuthKey'> {
  if (p.profileCommand !== undefined) {
    return { noAuthKey: `${where} takes its credentials from profileCommand, an external command the rotator does not run; put authKeyId and authKey in the profile, or use SORACOM_AUTH_KEY_FILE` };
  }
  if (p.sourceProfile !== undefined) {
    return { noAuthKey: `${where} switches user from profile '${p.sourceProfile}' (sourceProfile), which the rotator does not do; give it an AuthKey of the SAM user itself (authKeyId and authKey)` };
  }
  if (p.authKeyId !== undefined && p.authKey !== undefined) return { authKey: { authKeyId: p.authKeyId, authKey: p.authKey } };
  const missing = [p.authKeyId === undefined ? 'authKeyId' : undefined, p.authKey === undefined ? 'authKey' : undefined].filter(Boolean).join(' and ');
  const signIn = p.email !== undefined ? ' (it signs in with an e-mail address and password, which the rotator does not: generate an AuthKey for a SAM user)' : p.username !== undefined ? " (it signs in with a SAM user's password, which the rotator does not: generate an AuthKey for that user)" : '';
  return { noAuthKey: `${where} has no ${missing}${signIn}` };
}

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
