import { CreateAccessKeyCommand, CreateUserCommand, ListAccessKeysCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createAwsClients } from '../../src/providers/aws-iam/clients';
import { SoracomClient } from '../../src/providers/soracom/client';
import { startSoracomSandbox, type RateLimits, type SoracomSandbox } from '../../src/sandbox/soracom/server';
import { createWorkers, runWorkers, type ProviderClients } from '../../src/worker';
import { freePort, withStartupRetries } from './ports';
import { testAwsCredentials, useMoto } from './moto';
import { testDataConverter, workflowBundle } from './temporal';

export const ACCOUNT = '123456789012';
export const OPERATOR = 'OP0000TEST01';
const soracomAuth = { authKeyId: 'keyId-test-rotator', authKey: 'secret-test-rotator' };

/**
 * The real providers a rotation touches — moto (IAM/STS) and the SORACOM sandbox — plus helpers that
 * seed them and read back what they hold, so tests assert outcomes at the providers.
 */
export function useProviders(options: { soracomRateLimits?: RateLimits; soracomDenies?: (method: string, path: string) => boolean } = {}) {
  const moto = useMoto();
  let sandbox: SoracomSandbox | undefined;
  beforeEach(async () => {
    sandbox = await withStartupRetries('SORACOM sandbox', async () =>
      startSoracomSandbox({
        port: await freePort(),
        operators: [{ operatorId: OPERATOR, users: [{ userName: 'rotator', authKeys: [soracomAuth] }] }],
        rateLimits: options.soracomRateLimits,
        denies: options.soracomDenies,
      }),
    );
  });
  afterEach(async () => {
    await sandbox?.stop();
  });

  const soracom = () => new SoracomClient({ endpoint: sandbox!.endpoint, ...soracomAuth });
  const providers = {
    moto,
    get sandbox() {
      return sandbox!;
    },
    soracom,
    /** Provider clients for the worker; `stsEndpoint` may point elsewhere to make verification fail for real. */
    clients(overrides: { stsEndpoint?: string } = {}) {
      return {
        aws: createAwsClients({
          endpoint: { iam: moto.server.endpoint, sts: overrides.stsEndpoint ?? moto.server.endpoint },
          credentials: testAwsCredentials,
        }),
        soracom: soracom(),
      };
    },
    /** An IAM user with one Active key, registered in a SORACOM aws-credentials set. */
    async seedUser(userName: string, credentialsId: string): Promise<{ oldKeyId: string }> {
      const iam = moto.iam();
      await iam.send(new CreateUserCommand({ UserName: userName }));
      const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
      await soracom().createCredentials(credentialsId, {
        type: 'aws-credentials',
        description: `Funnel → AWS for ${userName}`,
        credentials: { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! },
      });
      return { oldKeyId: AccessKey!.AccessKeyId! };
    },
    async addSet(credentialsId: string, accessKeyId: string): Promise<void> {
      await soracom().createCredentials(credentialsId, { type: 'aws-credentials', credentials: { accessKeyId, secretAccessKey: 'x'.repeat(40) } });
    },
    async addKey(userName: string, status: 'Active' | 'Inactive'): Promise<string> {
      const iam = moto.iam();
      const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
      if (status === 'Inactive') await iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: AccessKey!.AccessKeyId!, Status: 'Inactive' }));
      return AccessKey!.AccessKeyId!;
    },
    /** `[accessKeyId, status]` of every key the user has in moto, sorted by id. */
    async keysOf(userName: string): Promise<[string, string][]> {
      const out = await moto.iam().send(new ListAccessKeysCommand({ UserName: userName }));
      return (out.AccessKeyMetadata ?? []).map((k): [string, string] => [k.AccessKeyId!, k.Status!]).sort();
    },
    /** The access key id each SORACOM set of the test operator holds, by set id. */
    setsHolding(): Record<string, string> {
      return Object.fromEntries(sandbox!.credentialsOf(OPERATOR).map((c) => [c.credentialsId, String((c.credentials as { accessKeyId?: string }).accessKeyId)]));
    },
  };
  return providers;
}

/** Runs the rotator's workers (workflows + provider queues) against `env` while `body` runs. */
export async function withWorkers<T>(
  env: TestWorkflowEnvironment,
  clients: ProviderClients,
  body: () => Promise<T>,
): Promise<T> {
  const workers: Worker[] = await createWorkers({
    connection: env.nativeConnection,
    clients,
    dataConverter: testDataConverter,
    workflowBundle: await workflowBundle(require.resolve('../../src/workflows')),
  });
  const running = runWorkers(workers);
  try {
    return await body();
  } finally {
    workers.forEach((w) => w.shutdown());
    await running;
  }
}

export { testAwsCredentials };
