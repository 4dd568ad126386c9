/**
 * The worker's half of the provider registry: each provider's clients and activities, by the provider names of
 * `src/rotation/registry.ts` (a provider missing here is a compile error). Every source and consumer is registered
 * through the same boundary: new credentials sealed on their way into history, opened only where a provider needs them.
 */
import { createAwsClients, type AwsClients } from '../providers/aws-iam/clients';
import { CsmsClient } from '../providers/csms/client';
import { csmsConfigFromEnv } from '../providers/csms/config';
import { SoracomClient } from '../providers/soracom/client';
import { soracomConfigFromEnv } from '../providers/soracom/config';
import { WallarmClient } from '../providers/wallarm/client';
import { wallarmConfigFromEnv } from '../providers/wallarm/config';
import { PROVIDERS, type ProviderName, type ProviderQueue } from '../rotation/registry';
import type { SecretSealer } from '../codec/sealed-secrets';
import { workerScopeFromEnv, type WorkerScope } from '../worker-scope';
import { createAwsIamActivities, createAwsIamFleetActivities } from './aws-iam';
import type { FleetActivities } from './fleet';
import type { ConsumerActivities } from './consumer';
import { createCsmsActivities } from './csms';
import { createFileActivities } from './file';
import { sealedConsumer, sealedSource } from './sealing';
import { createSoracomActivities } from './soracom';
import { createSoracomAuthKeyActivities, createSoracomAuthKeyFleetActivities } from './soracom-auth-key';
import type { LegacySourceActivities, SourceActivities } from './source';
import { createWallarmActivities, createWallarmFleetActivities } from './wallarm';

/** The provider clients the activities call, built once per worker process. */
export interface ProviderClients {
  aws: AwsClients;
  soracom: SoracomClient;
  /** undefined when the worker has no CSMS configuration: csms consumers then fail fast, naming the variables */
  csms?: CsmsClient;
  /** absent when WALLARM_API_TOKEN is not set: Wallarm rotations then fail fast, saying so */
  wallarm?: WallarmClient;
  /** the clock the Wallarm activities compare token expiries with (tests pass the emulator's) */
  wallarmNow?: () => number;
  /** what the activities may touch (ROTATOR_FILE_DIRS, ROTATOR_ALLOW_*); read from the environment when absent */
  scope?: WorkerScope;
}

export function providerClientsFromEnv(): ProviderClients {
  const csms = csmsConfigFromEnv();
  const wallarm = wallarmConfigFromEnv();
  return {
    aws: createAwsClients(),
    soracom: new SoracomClient(soracomConfigFromEnv()),
    ...(csms === undefined ? {} : { csms: new CsmsClient(csms) }),
    ...(wallarm ? { wallarm: new WallarmClient(wallarm) } : {}),
    scope: workerScopeFromEnv(),
  };
}

/** What one provider offers on its queue: a source, a consumer, or both; and a fleet plan where it has one. */
interface ProviderActivities {
  source?: SourceActivities;
  consumer?: ConsumerActivities;
  fleet?: FleetActivities;
}

const PROVIDER_ACTIVITIES: Record<ProviderName, (clients: ProviderClients, scope: WorkerScope) => ProviderActivities> = {
  'aws-iam': (c, scope) => ({ source: createAwsIamActivities(c.aws, scope), fleet: createAwsIamFleetActivities(c.aws) }),
  soracom: (c, scope) => ({ source: createSoracomAuthKeyActivities(c.soracom), consumer: createSoracomActivities(c.soracom, scope), fleet: createSoracomAuthKeyFleetActivities(c.soracom) }),
  csms: (c, scope) => ({ consumer: createCsmsActivities(c.csms, scope) }),
  wallarm: (c) => ({ source: createWallarmActivities(c.wallarm, { now: c.wallarmNow }), fleet: createWallarmFleetActivities(c.wallarm) }),
  // without ROTATOR_FILE_DIRS, the worker's own SORACOM key file is the only file it may write
  file: (c, scope) => ({ consumer: createFileActivities({ dirs: scope.fileDirs, ownKeyFile: ownKeyFile(c) }) }),
};

/** The key file the worker logs in with, if it has one: the one file it may write by default. */
export const ownKeyFile = (clients: ProviderClients): string | undefined => clients.soracom.authKeyFile;

/** Rotations begun before retire/reinstate had their names still call setCredentialEnabled until they end. */
function withLegacyNames(source: SourceActivities): LegacySourceActivities {
  return {
    setCredentialEnabled: ({ enabled, ...input }) => (enabled ? source.reinstateCredential(input) : source.retireCredential(input)),
  };
}

/** Each provider's activities, on that provider's own task queue, registered through the sealing boundary. */
export function providerActivities(clients: ProviderClients, sealer: SecretSealer): Record<ProviderQueue, object> {
  const scope = clients.scope ?? workerScopeFromEnv();
  const byQueue = (Object.keys(PROVIDERS) as ProviderName[]).map((name) => {
    const { source, consumer, fleet } = PROVIDER_ACTIVITIES[name](clients, scope);
    return [
      PROVIDERS[name].queue,
      {
        ...(consumer ? sealedConsumer(consumer, sealer) : {}),
        ...(source ? { ...sealedSource(source, sealer), ...withLegacyNames(source) } : {}),
        ...(fleet ?? {}),
      },
    ];
  });
  return Object.fromEntries(byQueue) as Record<ProviderQueue, object>;
}

/** What the worker says at start about each provider's configuration (no secrets). */
export function describeProviders(clients: ProviderClients): string {
  return (
    `${clients.csms ? '' : ' (no CSMS configuration: csms consumers will be refused)'}` +
    `${clients.wallarm ? ` (Wallarm ${clients.wallarm.cloud})` : ' (Wallarm not configured)'}` +
    `${clients.soracom.authKeyFile ? ` (SORACOM AuthKey from ${clients.soracom.authKeyFile})` : ''}`
  );
}
