import { CreateAccessKeyCommand, CreateUserCommand, ListAccessKeysCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { tmpdir } from 'node:os';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { createAwsClients } from '../../src/providers/aws-iam/clients';
import { SoracomClient } from '../../src/providers/soracom/client';
import { startSoracomSandbox, type RateLimits, type SoracomSandbox, type SoracomSandboxOptions } from '../../sandbox/soracom/server';
import { CsmsClient } from '../../src/providers/csms/client';
import { startCsmsSandbox, type CsmsSandbox } from '../../sandbox/csms/server';
import { createWorkers, runWorkers, type ProviderClients } from '../../src/worker';
import type { SecretSealer } from '../../src/codec/sealed-secrets';
import type { WorkerScope } from '../../src/worker-scope';
import { freePort, withStartupRetries } from './ports';
import { testAwsCredentials, useMoto } from './moto';
import { testDataConverter, testSealer, workflowBundle } from './temporal';

export const ACCOUNT = '123456789012';
export const OPERATOR = 'OP0000TEST01';
export const soracomAuth = { authKeyId: 'keyId-test-rotator', authKey: 'secret-test-rotator' };
export const CSMS_PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const csmsKey = { accessKey: 'HPUAROTATORTESTAK001', secretKey: 'rotator-test-secret-key-0001' };

/**
 * The real providers a rotation touches — moto (IAM/STS) and the SORACOM sandbox — plus helpers that
 * seed them and read back what they hold, so tests assert outcomes at the providers.
 */
export function useProviders(
  options: {
    soracomRateLimits?: RateLimits;
    soracomDenies?: (method: string, path: string) => boolean;
    csmsDenies?: (operation: string, secretName: string | undefined) => boolean;
    /** more SORACOM sandbox options (more SAM users, AuthKey behaviours); `operators` replaces the default seed */
    soracomSandbox?: Partial<SoracomSandboxOptions>;
  } = {},
) {
  const moto = useMoto();
  let sandbox: SoracomSandbox | undefined;
  let csmsSandbox: CsmsSandbox | undefined;
  beforeEach(async () => {
    sandbox = await withStartupRetries('SORACOM sandbox', async () =>
      startSoracomSandbox({
        port: await freePort(),
        operators: [{ operatorId: OPERATOR, users: [{ userName: 'rotator', authKeys: [soracomAuth] }] }],
        rateLimits: options.soracomRateLimits,
        denies: options.soracomDenies,
        ...options.soracomSandbox,
      }),
    );
  });
  beforeEach(async () => {
    csmsSandbox = await withStartupRetries('CSMS sandbox', async () =>
      startCsmsSandbox({ port: await freePort(), accounts: [{ credentials: [csmsKey], projects: [CSMS_PROJECT] }], denies: options.csmsDenies }),
    );
  });
  afterEach(async () => {
    await sandbox?.stop();
    await csmsSandbox?.stop();
  });

  const soracom = () => new SoracomClient({ endpoint: sandbox!.endpoint, ...soracomAuth });
  const csms = (endpoint = csmsSandbox!.endpoint) => new CsmsClient({ endpoint, region: 'cn-north-4', projectId: CSMS_PROJECT, ...csmsKey });
  const providers = {
    moto,
    get sandbox() {
      return sandbox!;
    },
    get csmsSandbox() {
      return csmsSandbox!;
    },
    soracom,
    csms,
    /**
     * Provider clients for the worker; endpoints may point elsewhere (a fault proxy, or nowhere to make verification fail).
     * The worker's scope allows files under the OS temp directory, where the tests keep theirs, unless given.
     */
    clients(overrides: { iamEndpoint?: string; stsEndpoint?: string; soracomEndpoint?: string; csmsEndpoint?: string; scope?: WorkerScope } = {}): ProviderClients {
      return {
        scope: overrides.scope ?? { fileDirs: [tmpdir()] },
        aws: createAwsClients({
          endpoint: { iam: overrides.iamEndpoint ?? moto.server.endpoint, sts: overrides.stsEndpoint ?? moto.server.endpoint, organizations: moto.server.endpoint },
          credentials: testAwsCredentials,
        }),
        soracom: overrides.soracomEndpoint ? new SoracomClient({ endpoint: overrides.soracomEndpoint, ...soracomAuth }) : soracom(),
        csms: csms(overrides.csmsEndpoint),
      };
    },
    /** An IAM user with one Active key, stored as {"accessKeyId","secretAccessKey"} JSON in a CSMS secret (version v1, SYSCURRENT). */
    async seedCsmsUser(userName: string, secretName: string): Promise<{ oldKeyId: string }> {
      const iam = moto.iam();
      await iam.send(new CreateUserCommand({ UserName: userName }));
      const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
      await csms().createSecret(secretName, JSON.stringify({ accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey!, region: 'ap-northeast-1' }));
      return { oldKeyId: AccessKey!.AccessKeyId! };
    },
    async addCsmsSecret(secretName: string, value: string): Promise<void> {
      await csms().createSecret(secretName, value);
    },
    /** What a CSMS secret's SYSCURRENT and SYSPREVIOUS versions hold: version id and access key id. */
    csmsHolding(secretName: string): { current?: [string, string | undefined]; previous?: [string, string | undefined] } {
      const secret = csmsSandbox!.secret(CSMS_PROJECT, secretName);
      const at = (stage: string): [string, string | undefined] | undefined => {
        const versionId = secret?.stages.get(stage)?.versionId;
        if (versionId === undefined) return undefined;
        const value = secret!.versions.get(versionId)?.secretString;
        return [versionId, value === undefined ? undefined : (JSON.parse(value) as { accessKeyId?: string }).accessKeyId];
      };
      const current = at('SYSCURRENT');
      const previous = at('SYSPREVIOUS');
      return { ...(current ? { current } : {}), ...(previous ? { previous } : {}) };
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
    /** A SORACOM group as an operator makes it in the console (by hand, not through the rotator); returns its id. */
    addGroup(name: string, configuration: Record<string, Record<string, unknown>>): string {
      return sandbox!.addGroup(OPERATOR, { name, configuration });
    },
    /** The credentials set ids each group's configuration names (every `credentialsId` / `$credentialsId`), by group name. */
    groupsNaming(): Record<string, string[]> {
      const named = (value: unknown, key = ''): string[] =>
        typeof value === 'string'
          ? /credentialsid$/i.test(key) ? [value] : []
          : typeof value === 'object' && value !== null
            ? Object.entries(value).flatMap(([k, v]) => named(v, Array.isArray(value) ? key : k))
            : [];
      return Object.fromEntries(sandbox!.groupsOf(OPERATOR).map((g) => [g.tags.name ?? g.groupId, named(g.configuration)]));
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
  options: { workerEnv?: NodeJS.ProcessEnv; connection?: NativeConnection; sealer?: SecretSealer } = {},
): Promise<T> {
  const workers: Worker[] = await createWorkers({
    connection: options.connection ?? env.nativeConnection,
    clients,
    dataConverter: testDataConverter,
    sealer: options.sealer ?? testSealer,
    workflowBundle: await workflowBundle(require.resolve('../../src/workflows')),
    env: options.workerEnv,
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
