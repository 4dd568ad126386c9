/**
 * What this worker may touch, whoever starts a workflow in its namespace: anyone who can start one could otherwise point
 * the worker at anything its credentials reach. File consumers only in configured directories (by default only the
 * worker's own SORACOM key file), and optional allowlists of IAM user paths, SORACOM credentials sets and CSMS secrets.
 * Read once from the worker's environment; every activity that touches one of these checks it before any change
 * (src/activities/scope.ts). Lists are comma-separated; unset or empty means no restriction, except for files.
 */
import path from 'node:path';
import { z } from 'zod';

export interface WorkerScope {
  /** absolute directories a file consumer must resolve into; undefined: only the worker's own SORACOM_AUTH_KEY_FILE */
  readonly fileDirs?: readonly string[];
  /** prefixes (`/service/`) the IAM path of a rotated user, as IAM reports it, must start with; undefined: any path */
  readonly iamPathPrefixes?: readonly string[];
  /** SORACOM credentials set ids, or `prefix*` patterns; undefined: any set */
  readonly soracomSets?: readonly string[];
  /** CSMS secret names, or `prefix*` patterns; undefined: any secret */
  readonly csmsSecrets?: readonly string[];
}

/** The variable that sets each part of the scope: what an OutOfScope refusal tells the operator to change. */
export const SCOPE_ENV = {
  fileDirs: 'ROTATOR_FILE_DIRS',
  iamPathPrefixes: 'ROTATOR_ALLOW_IAM_PATH_PREFIXES',
  soracomSets: 'ROTATOR_ALLOW_SORACOM_SETS',
  csmsSecrets: 'ROTATOR_ALLOW_CSMS_SECRETS',
} as const satisfies Record<keyof WorkerScope, string>;

export const SCOPE_SEPARATOR = ',';

/** A comma-separated list whose every entry passes `valid`; errors name the variable and the entry (never secret). */
function listOf(variable: string, valid: (entry: string) => boolean, expected: string) {
  const entry = z.string().refine((e) => e !== '', { error: `${variable} has an empty entry (entries are separated by commas)` }).refine(valid, {
    error: (issue) => `${variable}: '${String(issue.input)}' must be ${expected}`,
  });
  return z
    .string()
    .transform((value) => value.split(SCOPE_SEPARATOR).map((e) => e.trim()))
    .pipe(z.array(entry))
    .optional();
}

/** `name`, or `prefix*` with the one `*` last; a bare `*` allows every name. */
const namePattern = (characters: string) => new RegExp(`^[${characters}]*\\*?$`);

const ScopeEnv = z.object({
  [SCOPE_ENV.fileDirs]: listOf(SCOPE_ENV.fileDirs, (dir) => path.isAbsolute(dir) && !dir.includes('\0'), 'an absolute directory, such as /var/lib/rotator'),
  // IAM paths are `/` or `/…/` of printable ASCII; the final `/` keeps `/service/` from also matching `/service-other/`
  [SCOPE_ENV.iamPathPrefixes]: listOf(SCOPE_ENV.iamPathPrefixes, (p) => /^\/([\x21-\x7e]*\/)?$/.test(p), 'an IAM path prefix that starts and ends with /, such as /service/'),
  [SCOPE_ENV.soracomSets]: listOf(SCOPE_ENV.soracomSets, (p) => namePattern('A-Za-z0-9._-').test(p), "a SORACOM credentials set id, or a prefix ending in *, such as 'funnel-*'"),
  [SCOPE_ENV.csmsSecrets]: listOf(SCOPE_ENV.csmsSecrets, (p) => namePattern('A-Za-z0-9_-').test(p), "a CSMS secret name, or a prefix ending in *, such as 'app-*'"),
});

/**
 * Reads ROTATOR_FILE_DIRS, ROTATOR_ALLOW_IAM_PATH_PREFIXES, ROTATOR_ALLOW_SORACOM_SETS and ROTATOR_ALLOW_CSMS_SECRETS,
 * comma-separated (spaces around entries are ignored). An unset or empty variable leaves that part unrestricted, except
 * ROTATOR_FILE_DIRS: without it only the worker's own SORACOM_AUTH_KEY_FILE may be written.
 */
export function workerScopeFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerScope {
  const present = Object.fromEntries(
    Object.values(SCOPE_ENV).flatMap((name) => {
      const value = env[name];
      return value === undefined || value.trim() === '' ? [] : [[name, value]];
    }),
  );
  const parsed = ScopeEnv.safeParse(present);
  if (!parsed.success) throw new Error(`worker scope: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const { [SCOPE_ENV.fileDirs]: fileDirs, [SCOPE_ENV.iamPathPrefixes]: iamPathPrefixes, [SCOPE_ENV.soracomSets]: soracomSets, [SCOPE_ENV.csmsSecrets]: csmsSecrets } = parsed.data;
  const parts = { fileDirs, iamPathPrefixes, soracomSets, csmsSecrets };
  return Object.freeze(Object.fromEntries(Object.entries(parts).flatMap(([part, list]) => (list === undefined ? [] : [[part, Object.freeze(list)]]))) as WorkerScope);
}

/** Whether `name` is one of `patterns`: an exact name, or a `prefix*` it starts with. */
export function allowedByPatterns(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? name.startsWith(p.slice(0, -1)) : name === p));
}

/** One line for the worker's start-up log: what it may touch. Names and paths only, never a secret. */
export function describeWorkerScope(scope: WorkerScope, ownKeyFile: string | undefined): string {
  const files =
    scope.fileDirs !== undefined
      ? `file consumers under ${scope.fileDirs.join(', ')} (${SCOPE_ENV.fileDirs})`
      : ownKeyFile !== undefined
        ? `file consumers: only ${ownKeyFile} (SORACOM_AUTH_KEY_FILE; ${SCOPE_ENV.fileDirs} unset)`
        : `file consumers: none (${SCOPE_ENV.fileDirs} and SORACOM_AUTH_KEY_FILE unset)`;
  const list = (patterns: readonly string[] | undefined, what: string, variable: string) =>
    patterns === undefined ? `${what}: any (${variable} unset)` : `${what}: ${patterns.join(', ')} (${variable})`;
  return [
    files,
    list(scope.iamPathPrefixes, 'IAM user paths', SCOPE_ENV.iamPathPrefixes),
    list(scope.soracomSets, 'SORACOM sets', SCOPE_ENV.soracomSets),
    list(scope.csmsSecrets, 'CSMS secrets', SCOPE_ENV.csmsSecrets),
  ].join('; ');
}
