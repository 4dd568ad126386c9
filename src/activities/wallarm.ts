import { activityInfo, Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { CredentialMetadata, SourceSpec } from '../rotation/model';
import type { WallarmClient } from '../providers/wallarm/client';
import { ProviderError } from '../providers/errors';
import type { ApiToken } from '../providers/wallarm/inferred';
import { tokenSubject } from '../providers/wallarm/descriptor';
import { classified, rejectRequest, useNotReported } from './failures';
import type { SourceActivities } from './source';
import { selectionOf, type FleetActivities } from './fleet';
import { planWallarmPage } from '../providers/wallarm/fleet';
import { runningRotationIds } from '../running-rotations';
import { statesOf, sweepOrphans } from './source-kit';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Wallarm deletes a disabled token one week after disabling it (provider-facts §3.2). */
export const WALLARM_DISABLED_TOKEN_LIFETIME_MS = 7 * DAY_MS;
/** A re-enabled token needs a new expiry (provider-facts §3.2): at least this far ahead, so there is time for the next rotation. */
export const RESTORED_TOKEN_LIFETIME_MS = 30 * DAY_MS;
/** Windows are whole days: one that ends within this of Wallarm's week is that week, read a little late or on a clock a little behind. */
const WINDOW_READING_TOLERANCE_MS = 60 * 60 * 1000;

/**
 * Whether disabling the old token now keeps it restorable until `until` (the window's end): Wallarm deletes a disabled
 * token a week after disabling it. A 7-day window is disabled; an 8-day one or longer is kept enabled instead.
 */
export function disablingKeepsRestorable(until: number, now: number): boolean {
  return until <= now + WALLARM_DISABLED_TOKEN_LIFETIME_MS + WINDOW_READING_TOLERANCE_MS;
}
/** One token per name in use, plus the one being introduced: a second rotation must wait for the first. */
const TOKENS_PER_NAME = 2;

export interface WallarmActivityOptions {
  /** Milliseconds since the epoch; tests pass the emulator's clock. */
  readonly now?: () => number;
}

function wallarmSource(source: SourceSpec) {
  if (source.kind !== 'wallarm-api-token') throw rejectRequest('WrongProvider', `source kind ${source.kind} sent to the wallarm task queue`);
  return source;
}

export { tokenSubject };

function sameName(tokens: readonly ApiToken[], like: ApiToken): ApiToken[] {
  return tokens.filter((t) => t.client_id === like.client_id && t.realname === like.realname);
}

function isActive(token: ApiToken, now: number): boolean {
  return token.enabled && (token.expire_at === null || Date.parse(token.expire_at) > now);
}

function metadata(token: ApiToken, now: number): CredentialMetadata {
  return { id: String(token.id), status: isActive(token, now) ? 'Active' : 'Inactive', createdAt: token.created_at };
}

/** The new token lives as long as asked, else as long as the old one was meant to (no expiry if it had none). */
export function newTokenExpiry(old: Pick<ApiToken, 'expire_at' | 'created_at'>, lifetimeDays: number | undefined, now: number): string | null {
  if (lifetimeDays !== undefined) return new Date(now + lifetimeDays * DAY_MS).toISOString();
  if (old.expire_at === null) return null;
  const lifetime = Date.parse(old.expire_at) - Date.parse(old.created_at);
  return new Date(now + Math.max(DAY_MS, Number.isFinite(lifetime) ? lifetime : DAY_MS)).toISOString();
}

/**
 * Wallarm API tokens as a rotation source. Disabling honours the recovery window: a window that outlasts Wallarm's
 * one-week deletion of disabled tokens keeps the old token enabled, expiring at the window's end, instead.
 */
export function createWallarmActivities(wallarm: WallarmClient | undefined, options: WallarmActivityOptions = {}): SourceActivities {
  const now = options.now ?? Date.now;

  const clientFor = (source: SourceSpec) => {
    const { cloud } = wallarmSource(source);
    if (wallarm === undefined) {
      throw rejectRequest('WallarmNotConfigured', 'this worker has no Wallarm configuration: set WALLARM_API_TOKEN (and WALLARM_CLOUD or WALLARM_API_HOST) on the worker and restart it');
    }
    if (wallarm.cloud !== cloud) {
      throw rejectRequest('WallarmWrongCloud', `the rotation names the Wallarm ${cloud} cloud but the worker's token is for ${wallarm.cloud} (${wallarm.endpoint}); start the rotation with --cloud ${wallarm.cloud} or configure the worker for ${cloud}`);
    }
    return wallarm;
  };

  const findToken = async (client: WallarmClient, tokenId: number) => {
    const tokens = await client.listTokens();
    const token = tokens.find((t) => t.id === tokenId);
    if (token === undefined) {
      throw rejectRequest(
        'WallarmUnknownToken',
        `Wallarm ${client.cloud} has no API token ${tokenId} that the rotator's user can see: check the token id and the cloud (a disabled token is deleted by Wallarm a week after disabling; non-administrators see only their own tokens)`,
      );
    }
    return { token, tokens };
  };

  const existingToken = async (client: WallarmClient, tokenId: number, doing: string): Promise<ApiToken> => {
    const token = await client.getToken(tokenId);
    if (token === null) {
      throw rejectRequest('WallarmTokenGone', `Wallarm API token ${tokenId} no longer exists (Wallarm deletes a disabled token a week after disabling); it cannot be ${doing}`);
    }
    return token;
  };

  return {
    async inspectSource({ source }) {
      const { cloud, tokenId } = wallarmSource(source);
      const client = clientFor(source);
      return classified(async () => {
        const { token, tokens } = await findToken(client, tokenId);
        let secret: string;
        try {
          secret = await client.tokenSecret(tokenId);
        } catch (err) {
          if (err instanceof ProviderError && err.type === 'WallarmPermissionDenied') {
            throw rejectRequest('WallarmTokenNotReadable', `API token ${tokenId} ('${token.realname}') is another user's personal token: only its owner can read a new token's value, so the rotator could not hand one to the consumers. Rotate it with a token of its owner, or make it a shared token`);
          }
          throw err;
        }
        // after the deactivation the worker would lock itself out
        if (client.isOwnToken(secret)) {
          throw rejectRequest('WallarmOwnToken', `API token ${tokenId} ('${token.realname}') is the token this worker calls Wallarm with (WALLARM_API_TOKEN); the rotator does not rotate its own token`);
        }
        const at = now();
        return { subject: tokenSubject(cloud, token), credentials: sameName(tokens, token).map((t) => metadata(t, at)), maxCredentials: TOKENS_PER_NAME };
      });
    },

    async createCredential({ source, knownIds, notBefore }) {
      const { tokenId, lifetimeDays } = wallarmSource(source);
      const client = clientFor(source);
      const { attempt } = activityInfo();
      return classified(async () => {
        const { token: old, tokens } = await findToken(client, tokenId);
        // a token of this name we do not know, created since this rotation began, is ours from a lost response
        await sweepOrphans(sameName(tokens, old), { knownIds, notBefore }, {
          id: (t) => String(t.id),
          createdAtMs: (t) => Date.parse(t.created_at),
          deleteOrphan: (t) => {
            log.warn('deleting orphan API token left by a lost create response', { tokenId: t.id, attempt });
            return client.deleteToken(t.id);
          },
          refuse: (t) =>
            rejectRequest('WallarmUnexpectedToken', `Wallarm API token ${t.id} named '${t.realname}' (created ${t.created_at}) was not there when this rotation began; someone else changed the tokens — check them, then start the rotation again`),
        });
        const me = await client.currentUser();
        // same name, company, type and permissions as the old token: never wider (Wallarm also refuses wider than the role)
        const created = await client.createToken({
          client_id: old.client_id,
          realname: old.realname,
          user_id: me.id,
          enabled: true,
          expire_at: newTokenExpiry(old, lifetimeDays, now()),
          permissions: [...old.permissions],
          ...(old.shared ? { shared: true } : {}),
        });
        let secret: string;
        try {
          secret = await client.tokenSecret(created.id);
        } catch (err) {
          // the workflow never learns this token's id, so its compensation cannot delete it: do it here (a retry's sweep would, a failure's would not)
          const cleanup = await client.deleteToken(created.id).then(
            () => `new API token ${created.id} was deleted again`,
            () => `new API token ${created.id} could not be deleted: delete it by hand`,
          );
          log.warn("could not read the new API token's value", { tokenId: created.id, attempt, cleanup });
          throw err instanceof ProviderError ? new ProviderError(err.provider, err.type, `${err.message} (${cleanup})`, err.disposition, { cause: err.cause, httpStatus: err.httpStatus }) : err;
        }
        log.info('created API token', { tokenId: created.id, attempt });
        return { id: String(created.id), createdAt: new Date(now()).toISOString(), secret: { token: secret } };
      });
    },

    async verifyCredential({ source, credential, subject }) {
      const { cloud } = wallarmSource(source);
      const client = clientFor(source);
      const tokenId = Number(credential.id);
      let me;
      try {
        me = await client.currentUser(credential.secret.token ?? '');
      } catch (err) {
        const e = err instanceof ProviderError ? err : undefined;
        throw ApplicationFailure.create({
          type: 'CredentialNotYetValid',
          message: `new API token ${tokenId} does not authenticate yet: ${e?.message ?? String(err)}`,
          nextRetryDelay: e?.disposition.kind === 'retry-after' ? e.disposition.delayMs : undefined,
        });
      }
      const token = await classified(() => client.getToken(tokenId));
      if (token === null) throw rejectRequest('WallarmTokenGone', `new API token ${tokenId} disappeared before it was verified`);
      // identity, not just success: the token must act as its owner in its company, under the rotated name
      if (me.clientid !== token.client_id || me.id !== token.user_id || tokenSubject(cloud, token) !== subject) {
        throw ApplicationFailure.retryable(
          `new API token ${tokenId} authenticates as user ${me.id} of company ${me.clientid}, expected the owner ${token.user_id} of ${subject}`,
          'CredentialNotYetValid',
        );
      }
    },

    async retireCredential({ source, credentialId, restorableUntil }) {
      const client = clientFor(source);
      const tokenId = Number(credentialId);
      await classified(async () => {
        const token = await existingToken(client, tokenId, 'disabled');
        // rotations from before the window was fixed first name no end: disable, as they always did
        const until = restorableUntil === undefined ? undefined : Date.parse(restorableUntil);
        if (until === undefined || disablingKeepsRestorable(until, now())) {
          if (token.enabled) await client.updateToken(tokenId, { enabled: false });
          log.info('disabled API token', { tokenId });
          return;
        }
        // disabling would let Wallarm delete it on day 7, before the window ends: keep it enabled, expiring at the end instead
        const expireAt = new Date(until).toISOString();
        await client.updateToken(tokenId, { expire_at: expireAt });
        log.warn('kept API token enabled until the end of the recovery window: Wallarm deletes disabled tokens after 7 days', { tokenId, expireAt });
      });
    },

    async reinstateCredential({ source, credentialId }) {
      const client = clientFor(source);
      const tokenId = Number(credentialId);
      await classified(async () => {
        const token = await existingToken(client, tokenId, 're-enabled');
        // Wallarm re-enables only with a new expiry; keep a later one, and leave a token that is fine untouched
        const current = token.expire_at === null ? null : Date.parse(token.expire_at);
        const floor = now() + RESTORED_TOKEN_LIFETIME_MS;
        if (token.enabled && (current === null || current >= floor)) return;
        const expireAt = new Date(Math.max(current ?? 0, floor)).toISOString();
        await client.updateToken(tokenId, { enabled: true, expire_at: expireAt });
        log.info('re-enabled API token', { tokenId, expireAt });
      });
    },

    // a token's owner deleted takes its tokens with it or disables them: either shows here, so the subject always exists
    async credentialStates({ source, credentialIds }) {
      const client = clientFor(source);
      return classified(async () => {
        const at = now();
        return { subjectExists: true, states: statesOf(credentialIds, (await client.listTokens()).map((t) => metadata(t, at))) };
      });
    },

    // no documented API field says when a token was last used (provider-facts §6)
    async credentialUse({ source }) {
      wallarmSource(source);
      throw useNotReported('Wallarm');
    },

    async destroyCredential({ source, credentialId }) {
      const client = clientFor(source);
      return classified(() => client.deleteToken(Number(credentialId)));
    },
  };
}

/** The tokens the worker's Wallarm user sees, as a fleet: its plan, a page at a time, read-only. */
export function createWallarmFleetActivities(wallarm: WallarmClient | undefined): FleetActivities {
  return {
    async planFleetPage({ selection: given, cursor, at }) {
      const selection = selectionOf('wallarm-tokens', given);
      if (wallarm === undefined) throw rejectRequest('WallarmNotConfigured', 'this worker has no Wallarm configuration: set WALLARM_API_TOKEN (and WALLARM_CLOUD or WALLARM_API_HOST) on the worker and restart it');
      if (wallarm.cloud !== selection.cloud) {
        throw rejectRequest('WallarmWrongCloud', `the fleet names the Wallarm ${selection.cloud} cloud but the worker's token is for ${wallarm.cloud} (${wallarm.endpoint})`);
      }
      return classified(async () => planWallarmPage(wallarm, selection, cursor, Date.parse(at), await runningRotationIds(Context.current().client)));
    },
  };
}
