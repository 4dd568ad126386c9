/**
 * A fleet of IAM users, each with one Active key registered in a consumer (a SORACOM set or a CSMS secret), and the
 * two baseline scripts that rotate it with the rotator's provider calls but without Temporal.
 */
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { createAwsClients, type AwsClients } from '../../src/providers/aws-iam/clients';
import { callerIdentity, createAccessKey, deleteAccessKey, identityOfKey, listAccessKeys, setAccessKeyStatus, userArn } from '../../src/providers/aws-iam/access-keys';
import { SoracomClient } from '../../src/providers/soracom/client';
import { CsmsClient } from '../../src/providers/csms/client';
import { csmsConfigFromEnv } from '../../src/providers/csms/config';
import { ProviderError } from '../../src/providers/errors';
import { identities } from './stack';

/** Runs `work` over `items` with at most `concurrency` in flight; rejects on the first error. */
export async function pool<T, R>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

export interface FleetMember {
  userName: string;
  /** the SORACOM set or CSMS secret holding the user's key */
  consumerId: string;
}

export type ConsumerKind = 'soracom' | 'csms';

export function fleetMembers(prefix: string, n: number): FleetMember[] {
  return Array.from({ length: n }, (_, i) => ({ userName: `${prefix}-${i + 1}`, consumerId: `${prefix}-aws-${i + 1}` }));
}

export interface Providers {
  aws: AwsClients;
  soracom: SoracomClient;
  csms?: CsmsClient;
}

export function providersFromEnv(env: Record<string, string>): Providers {
  const csms = env.CSMS_ENDPOINT ? csmsConfigFromEnv(env) : undefined;
  return {
    aws: createAwsClients({
      region: 'us-east-1',
      endpoint: { iam: env.AWS_ENDPOINT_URL_IAM, sts: env.AWS_ENDPOINT_URL_STS },
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
    }),
    soracom: new SoracomClient({ endpoint: env.SORACOM_ENDPOINT!, authKeyId: env.SORACOM_AUTH_KEY_ID!, authKey: env.SORACOM_AUTH_KEY! }),
    ...(csms ? { csms: new CsmsClient(csms) } : {}),
  };
}

/** Creates each user with one key and registers that key in the member's consumer. */
export async function seedFleet(providers: Providers, members: readonly FleetMember[], consumer: ConsumerKind, concurrency = 8): Promise<void> {
  await pool(members, concurrency, async ({ userName, consumerId }) => {
    await providers.aws.iam.send(new CreateUserCommand({ UserName: userName }));
    const { AccessKey } = await providers.aws.iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    const credentials = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
    if (consumer === 'soracom') {
      await afterThrottling(() => providers.soracom.createCredentials(consumerId, { type: 'aws-credentials', description: `bench: ${userName}`, credentials }));
    } else {
      await providers.csms!.createSecret(consumerId, JSON.stringify(credentials));
    }
  });
}

/** Seeding a rate-limited sandbox: wait as long as the provider says, then send again. */
async function afterThrottling<T>(call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ProviderError) || err.disposition.kind !== 'retry-after') throw err;
      await new Promise((r) => setTimeout(r, (err.disposition as { delayMs: number }).delayMs));
    }
  }
}

/**
 * One rotation as a plain script does it: the rotator's provider calls, in its order, one at a time, no retries and
 * no durable state — if the script dies between CreateAccessKey and UpdateAccessKey nothing remembers where it was.
 * Returns the old key id, to be deleted later.
 */
export async function rotateByScript(providers: Providers, { userName, consumerId }: FleetMember): Promise<string> {
  const { aws, soracom } = providers;
  // preflight (inspectSource, planConsumer)
  const me = await callerIdentity(aws);
  if (me.account !== identities.accountId) throw new Error(`wrong account ${me.account}`);
  const arn = await userArn(aws, userName);
  const keys = await listAccessKeys(aws, userName);
  const active = keys.filter((k) => k.status === 'Active');
  if (keys.length !== 1 || active.length !== 1) throw new Error(`${userName} must have exactly one Active key, has ${keys.length}`);
  const set = (await soracom.listCredentials()).find((s) => s.credentialsId === consumerId);
  if (set?.type !== 'aws-credentials') throw new Error(`SORACOM set ${consumerId} missing or of the wrong type`);
  // creating (createCredential re-lists first to find orphans)
  await listAccessKeys(aws, userName);
  const created = await createAccessKey(aws, userName, 1);
  // verifying
  const identity = await identityOfKey(aws, created);
  if (identity.arn !== arn) throw new Error(`new key of ${userName} authenticates as ${identity.arn}`);
  // registering (putCredential: read, PUT, read back)
  const existing = await soracom.getCredentials(consumerId);
  await soracom.updateCredentials(consumerId, {
    type: 'aws-credentials',
    description: existing?.description ?? `bench: ${userName}`,
    credentials: { accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey },
  });
  const written = await soracom.getCredentials(consumerId);
  if (written?.credentials.accessKeyId !== created.accessKeyId) throw new Error(`SORACOM set ${consumerId} does not hold the new key`);
  // deactivating
  await setAccessKeyStatus(aws, userName, active[0]!.id, 'Inactive', 1);
  return active[0]!.id;
}

export async function deleteByScript(providers: Providers, userName: string, oldKeyId: string): Promise<void> {
  await deleteAccessKey(providers.aws, userName, oldKeyId, 1);
}

/**
 * Members whose keys in moto are not as expected (ListAccessKeys is the truth, not data.json): after a full rotation
 * one Active key; parked in pending-deletion, the new Active key and the old Inactive one.
 */
export async function checkRotated(providers: Providers, members: readonly FleetMember[], stage: 'deleted' | 'parked' = 'deleted', concurrency = 8): Promise<number> {
  const wrong = await pool(members, concurrency, async ({ userName }) => {
    const keys = await listAccessKeys(providers.aws, userName);
    const active = keys.filter((k) => k.status === 'Active').length;
    return active === 1 && keys.length === (stage === 'deleted' ? 1 : 2) ? 0 : 1;
  });
  return wrong.reduce<number>((a, b) => a + b, 0);
}
