/**
 * The IAM users of an account as a fleet: each user's keys and tags decide whether it is due. Read-only. The consumers
 * of a user are its tag `rotator:consumers` (`--consumer` syntax, several separated by spaces); `rotator:exempt` (a
 * reason, optionally `until YYYY-MM-DD`) exempts it.
 */
import { ListUsersCommand, ListUserTagsCommand } from '@aws-sdk/client-iam';
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import { ageInDays, exemption, IN_PROGRESS, type AwsIamFleetSelection, type FleetDecision, type FleetPage } from '../../rotation/fleet';
import { parseConsumerArg, rotationIdFor, type ConsumerSpec } from '../../rotation/model';
import type { AwsClients } from './clients';
import { ACCESS_KEYS_PER_USER, listAccessKeys } from './access-keys';
import { classifyAwsError } from './errors';

export const CONSUMERS_TAG = 'rotator:consumers';
export const EXEMPT_TAG = 'rotator:exempt';
/** Users per page of a plan: one ListUsers call, then two reads per user. */
export const USERS_PER_PAGE = 100;

interface IamUserFacts {
  userName: string;
  arn: string;
  keys: { id: string; status: 'Active' | 'Inactive'; createdAt: string }[];
  tags: Record<string, string>;
}

async function usersPage(aws: AwsClients, pathPrefix: string, marker: string | undefined): Promise<{ users: { userName: string; arn: string }[]; next?: string }> {
  try {
    const out = await aws.iam.send(new ListUsersCommand({ PathPrefix: pathPrefix, Marker: marker, MaxItems: USERS_PER_PAGE }));
    const users = (out.Users ?? []).flatMap((u) => (u.UserName ? [{ userName: u.UserName, arn: u.Arn ?? '' }] : []));
    return { users, next: out.IsTruncated ? out.Marker : undefined };
  } catch (err) {
    throw classifyAwsError(err, `iam:ListUsers ${pathPrefix}`);
  }
}

async function tagsOf(aws: AwsClients, userName: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  let marker: string | undefined;
  try {
    do {
      const out = await aws.iam.send(new ListUserTagsCommand({ UserName: userName, Marker: marker }));
      for (const t of out.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
  } catch (err) {
    throw classifyAwsError(err, `iam:ListUserTags ${userName}`);
  }
  return tags;
}

/** The consumers a user's tag names, or why it names none the rotator can use. */
function consumersOf(tags: Record<string, string>): ConsumerSpec[] | string {
  const value = tags[CONSUMERS_TAG]?.trim();
  if (!value) return `no consumers: the user has no tag ${CONSUMERS_TAG}`;
  try {
    return value.split(/\s+/).map(parseConsumerArg);
  } catch (err) {
    return `tag ${CONSUMERS_TAG} is not understood: ${(err as Error).message}`;
  }
}

/** One user's fate under the selection, at `at`; `rotating` holds the ids of the rotations running now. */
export function decide(user: IamUserFacts, selection: AwsIamFleetSelection, at: number, rotating: ReadonlySet<string>): FleetDecision {
  const source = { kind: 'aws-iam-access-key' as const, userName: user.userName, accountId: selection.accountId };
  const active = user.keys.filter((k) => k.status === 'Active');
  const keyAgeDays = active.length === 1 ? ageInDays(active[0]!.createdAt, at) : null;
  const base = { rotationId: rotationIdFor(source), subject: user.arn || `arn:aws:iam::${selection.accountId}:user/${user.userName}`, keyAgeDays };
  const skip = (reason: string): FleetDecision => ({ ...base, action: 'skip', reason });
  if (rotating.has(base.rotationId)) return skip(IN_PROGRESS);
  const exempt = exemption(user.tags[EXEMPT_TAG], at);
  if (exempt?.exempt) return skip(`exempt: ${exempt.reason}`);
  if (user.keys.length >= ACCESS_KEYS_PER_USER) return skip(`two keys already (${user.keys.map((k) => `${k.id} ${k.status}`).join(', ')}): finish or undo the rotation that left the second one`);
  if (active.length === 0) return skip('no active key to rotate');
  if (keyAgeDays! < selection.maxAgeDays) return skip(`key ${active[0]!.id} is ${keyAgeDays} days old, younger than ${selection.maxAgeDays}`);
  const consumers = consumersOf(user.tags);
  if (typeof consumers === 'string') return skip(consumers);
  const due = `key ${active[0]!.id} is ${keyAgeDays} days old, ${selection.maxAgeDays} at most${exempt ? ` (${exempt.reason})` : ''}`;
  return {
    ...base,
    action: 'rotate',
    reason: due,
    request: {
      source,
      consumers,
      ...(selection.recoveryWindowDays === undefined ? {} : { recoveryWindowDays: selection.recoveryWindowDays }),
      ...(selection.pickupGraceSeconds === undefined ? {} : { pickupGraceSeconds: selection.pickupGraceSeconds }),
      ...(selection.awaitUseSeconds === undefined ? {} : { awaitUseSeconds: selection.awaitUseSeconds }),
    },
  };
}

/** One page of the plan: a page of users under the path in one account, each with its keys and tags read. */
export async function planAwsIamPage(aws: AwsClients, selection: AwsIamFleetSelection, cursor: string | undefined, at: number, rotating: ReadonlySet<string>): Promise<FleetPage> {
  if (selection.organizationRole === undefined) return await accountPage(aws, selection, cursor, at, rotating);
  // an organisation: the accounts in order, each paged through; the cursor says which account and where in it
  const accounts = await activeAccounts(aws);
  const at0 = cursor === undefined ? { account: accounts[0]!, marker: undefined } : (JSON.parse(cursor) as { account: string; marker?: string });
  const own = at0.account === selection.accountId;
  const clients = own ? aws : aws.inAccount(at0.account, selection.organizationRole);
  const page = await accountPage(clients, { ...selection, accountId: at0.account }, at0.marker, at, rotating, own ? undefined : selection.organizationRole);
  const nextAccount = accounts[accounts.indexOf(at0.account) + 1];
  const next = page.next !== undefined ? { account: at0.account, marker: page.next } : nextAccount !== undefined ? { account: nextAccount } : undefined;
  return { decisions: page.decisions, ...(next ? { next: JSON.stringify(next) } : {}) };
}

async function accountPage(aws: AwsClients, selection: AwsIamFleetSelection, cursor: string | undefined, at: number, rotating: ReadonlySet<string>, assumeRole?: string): Promise<FleetPage> {
  const page = await usersPage(aws, selection.pathPrefix, cursor);
  const decisions: FleetDecision[] = [];
  for (const user of page.users) {
    const [keys, tags] = [await listAccessKeys(aws, user.userName), await tagsOf(aws, user.userName)];
    const decision = decide({ ...user, keys, tags }, selection, at, rotating);
    // a member account's rotation works there through the role the sweep assumed
    if (decision.request && assumeRole) decision.request = { ...decision.request, source: { ...decision.request.source, assumeRole } as NonNullable<FleetDecision['request']>['source'] };
    decisions.push(decision);
  }
  return { decisions, ...(page.next ? { next: page.next } : {}) };
}

/** The organisation's active accounts, in id order (the rotator's credentials are its management account's). */
async function activeAccounts(aws: AwsClients): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  try {
    do {
      const out = await aws.organizations().send(new ListAccountsCommand({ NextToken: token }));
      for (const a of out.Accounts ?? []) if (a.Id && a.Status === 'ACTIVE') ids.push(a.Id);
      token = out.NextToken;
    } while (token);
  } catch (err) {
    throw classifyAwsError(err, 'organizations:ListAccounts');
  }
  return ids.sort();
}
