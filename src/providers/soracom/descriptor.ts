/** SORACOM AuthKeys (a source) and credentials sets (a consumer), as the rotator's registry knows them (workflow-safe: no I/O). */
import { z } from 'zod';
import { defineConsumer, defineSource, type ProviderDescriptor } from '../../rotation/descriptors';

export const soracomProvider: ProviderDescriptor = {
  // credentials sets and AuthKeys share one queue: SORACOM limits calls per operator
  queue: 'provider-soracom',
  pace: { rps: 5, concurrency: 10 },
  secretFields: ['authKey', 'apiKey', 'token', 'x-soracom-token', 'x-soracom-api-key'],
};

/** SORACOM credentials set ids are chosen by the client; keep to what the console accepts and URLs carry safely. */
export const soracomCredentialsId = () =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'SORACOM credentials id must be 1–100 characters of letters, digits and ._- (starting with a letter or digit)');
/** SORACOM operator ids: `OP` and 10 characters (digits in production, e.g. OP0012345678). */
export const soracomOperatorId = () => z.string().regex(/^OP[0-9A-Z]{10}$/, 'SORACOM operator id must be OP followed by 10 digits or capital letters, e.g. OP0012345678');
/** SAM user names: the spec sets no pattern; keep to what fits a URL path segment unescaped. */
export const soracomSamUserName = () => z.string().regex(/^[\w.@+=,-]{1,100}$/, 'SAM user name must be 1–100 characters of letters, digits and ._@+=,-');

/** The SAM user an AuthKey belongs to, as the rotation's subject. */
export function soracomUserSubject(operatorId: string, userName: string): string {
  return `soracom:${operatorId}:user/${userName}`;
}

/**
 * A SORACOM SAM user's AuthKey — typically the rotator's own login. SORACOM cannot disable an AuthKey: during the
 * recovery window the old key still authenticates, and it is deleted at the window's end.
 */
export const soracomAuthKey = defineSource({
  kind: 'soracom-auth-key',
  provider: 'soracom',
  schema: () => z.object({ kind: z.literal('soracom-auth-key'), operatorId: soracomOperatorId(), userName: soracomSamUserName() }),
  rotationId: (s) => `soracom-auth-key:${s.operatorId}:${s.userName}`,
  subject: (s) => soracomUserSubject(s.operatorId, s.userName),
  // the old AuthKey still logs in during the window (SORACOM cannot disable one): keep that short by default
  defaultRecoveryWindowDays: 7,
  // SORACOM cannot disable an AuthKey: say that it still logs in rather than call it deactivated
  retiredNote: (at) => `the worker stopped using it ${at}; it logs in until it is deleted`,
  retiredStaysActive: () => true,
  lastUse: "the AuthKey's lastUsedDateTime",
  // the body of SORACOM's POST /auth
  credential: { type: 'auth-key', holding: 'a SORACOM AuthKey', secretFields: ['authKey'], json: { idField: 'authKeyId', secretField: 'authKey' }, secretShape: /\bsecret-[A-Za-z0-9-]{8,}/g },
});

/**
 * `update`: PUT the new key into the existing set (consumers reference the set by id, so nothing else changes).
 * `versioned`: create `<prefix>-<yyyymmdd>` beside it, as public example scripts do (provider-facts §1.1, S6); the
 * old set is deleted with the old key.
 */
export const soracomSetMode = () => z.enum(['update', 'versioned']);

/** A SORACOM credentials set, which SORACOM Funnel, Harvest and others read by id. */
export const soracomCredentialsSet = defineConsumer({
  kind: 'soracom-credentials-set',
  provider: 'soracom',
  schema: () => z.object({ kind: z.literal('soracom-credentials-set'), credentialsId: soracomCredentialsId(), mode: soracomSetMode().default('update') }),
  label: (c) => `soracom:${c.credentialsId}`,
  mode: (c) => c.mode,
  home: (c) => c.credentialsId,
  place: 'set',
  holds: ['aws-access-key', 'api-token'],
  // when Funnel, Harvest or another service last used the set (it holds one credential, so that is its use)
  lastUse: "the set's lastUsedDateTime",
  cli: {
    prefix: 'soracom',
    syntax: 'soracom:<credentialsId>[:update|versioned]',
    parse: (rest) => {
      const [id, mode, ...more] = rest.split(':');
      return id && more.length === 0 ? { credentialsId: id, mode: mode || 'update' } : undefined;
    },
    hint: 'mode is update or versioned',
    help: '(update = PUT the same set, the default; versioned = new set <prefix>-<yyyymmdd>, old set deleted with the old key)',
  },
});
