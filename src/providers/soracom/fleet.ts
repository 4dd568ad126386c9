/**
 * The SAM users of a SORACOM operator as a fleet: a user is due when its AuthKey is `maxAgeDays` old. SAM users have
 * no tags, so their consumers come from the consumer map, by user name. Read-only: one listUsers call per page.
 */
import { ageInDays, IN_PROGRESS, type FleetDecision, type FleetPage, type SoracomAuthKeysFleetSelection } from '../../rotation/fleet';
import { defaultRecoveryWindowOf, rotationIdFor, type ConsumerSpec } from '../../rotation/model';
import type { SoracomClient } from './client';
import { soracomUserSubject } from './descriptor';
import type { SamUser } from './schemas';

/** Users per page of a plan: SORACOM lists every SAM user in one answer, so a page is a slice of it, by name. */
export const SAM_USERS_PER_PAGE = 100;

const createdAt = (key: { createDateTime: number }) => new Date(key.createDateTime * 1000).toISOString();

/** One SAM user's fate under the selection, at `at`; `rotating` holds the ids of the rotations running now. */
export function decideSamUser(user: SamUser, selection: SoracomAuthKeysFleetSelection, at: number, rotating: ReadonlySet<string>): FleetDecision {
  const source = { kind: 'soracom-auth-key' as const, operatorId: selection.operatorId, userName: user.userName };
  const keys = [...user.authKeyList].sort((a, b) => a.createDateTime - b.createDateTime);
  const keyAgeDays = keys.length === 1 ? ageInDays(createdAt(keys[0]!), at) : null;
  const base = { rotationId: rotationIdFor(source), subject: soracomUserSubject(selection.operatorId, user.userName), keyAgeDays };
  const skip = (reason: string): FleetDecision => ({ ...base, action: 'skip', reason });
  if (rotating.has(base.rotationId)) return skip(IN_PROGRESS);
  if (keys.length === 0) return skip('no AuthKey to rotate');
  // SORACOM cannot disable an AuthKey: a second one is a rotation in its window, or a key someone left behind
  if (keys.length >= 2) return skip(`two AuthKeys already (${keys.map((k) => `${k.authKeyId} created ${createdAt(k).slice(0, 10)}`).join(', ')}): finish the rotation that left the second one, or delete the one no longer used`);
  const key = keys[0]!;
  if (keyAgeDays! < selection.maxAgeDays) return skip(`AuthKey ${key.authKeyId} is ${keyAgeDays} days old, younger than ${selection.maxAgeDays}`);
  const consumers: ConsumerSpec[] | undefined = selection.consumerMap[user.userName];
  if (consumers === undefined) return skip(`no entry for SAM user '${user.userName}' in the consumer map (SAM users have no tags)`);
  return {
    ...base,
    action: 'rotate',
    reason: `AuthKey ${key.authKeyId} is ${keyAgeDays} days old, ${selection.maxAgeDays} at most`,
    request: {
      source,
      consumers,
      // the old AuthKey still logs in during the window: the source's short default, as `rotate soracom-auth-key` gives
      recoveryWindowDays: selection.recoveryWindowDays ?? defaultRecoveryWindowOf('soracom-auth-key'),
      ...(selection.pickupGraceSeconds === undefined ? {} : { pickupGraceSeconds: selection.pickupGraceSeconds }),
      ...(selection.awaitUseSeconds === undefined ? {} : { awaitUseSeconds: selection.awaitUseSeconds }),
    },
  };
}

/** One page of the plan: the users after `cursor` (a user name), by name. */
export function planSamUsersPage(users: readonly SamUser[], selection: SoracomAuthKeysFleetSelection, cursor: string | undefined, at: number, rotating: ReadonlySet<string>): FleetPage {
  const rest = [...users].sort((a, b) => (a.userName < b.userName ? -1 : a.userName > b.userName ? 1 : 0)).filter((u) => cursor === undefined || u.userName > cursor);
  const page = rest.slice(0, SAM_USERS_PER_PAGE);
  return {
    decisions: page.map((user) => decideSamUser(user, selection, at, rotating)),
    ...(rest.length > page.length ? { next: page.at(-1)!.userName } : {}),
  };
}

/** One page of the plan, read from SORACOM with `soracom`'s login, which must be in the selection's operator. */
export async function planSoracomPage(soracom: SoracomClient, selection: SoracomAuthKeysFleetSelection, cursor: string | undefined, at: number, rotating: ReadonlySet<string>): Promise<FleetPage> {
  return planSamUsersPage(await soracom.listUsers(), selection, cursor, at, rotating);
}
