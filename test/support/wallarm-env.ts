import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createAwsClients } from '../../src/providers/aws-iam/clients';
import { SoracomClient } from '../../src/providers/soracom/client';
import { WallarmClient } from '../../src/providers/wallarm/client';
import { startSoracomSandbox, type SoracomSandbox } from '../../sandbox/soracom/server';
import { startWallarmSandbox, type ClientSeed, type WallarmSandbox, type WallarmSandboxOptions } from '../../sandbox/wallarm/server';
import type { ProviderClients } from '../../src/worker';
import { CLIENT_ID, companySeed, rotator } from '../providers/wallarm-sandbox';
import { testAwsCredentials } from './moto';
import { freePort, withStartupRetries } from './ports';

export const OPERATOR = 'OP0000WALL01';
const soracomAuth = { authKeyId: 'keyId-test-rotator', authKey: 'secret-test-rotator' };

/** Real time plus the test server's skips: the Wallarm sandbox and activities see the time the workflows see. */
export class TestServerClock {
  private offset = 0;
  readonly now = (): number => Date.now() + this.offset;
  async sync(env: TestWorkflowEnvironment): Promise<void> {
    this.offset = (await env.currentTimeMs()) - Date.now();
  }
}

// one counter for the whole file: every test's tokens get ids no other test in this Temporal server used
let serial = 0;

/**
 * The providers a Wallarm rotation touches — the Wallarm sandbox (on the test server's clock) and the SORACOM
 * sandbox — started per test; each test's tokens get their own ids (`ids.offset`) so rotation ids never collide.
 */
export function useWallarmProviders(
  env: () => TestWorkflowEnvironment,
  options: {
    wallarmDenies?: WallarmSandboxOptions['denies'];
    soracomDenies?: (method: string, path: string) => boolean;
    dropsResponse?: WallarmSandboxOptions['dropsResponse'];
    /** the companies and their tokens, ids shifted by `idOffset` (default: companySeed) */
    seed?: (now: number, idOffset: number) => ClientSeed[];
  } = {},
) {
  const clock = new TestServerClock();
  let wallarm: WallarmSandbox | undefined;
  let soracom: SoracomSandbox | undefined;
  beforeEach(async () => {
    serial++;
    await clock.sync(env());
    wallarm = await startWallarmSandbox({ clients: (options.seed ?? companySeed)(clock.now(), serial * 100), now: clock.now, denies: options.wallarmDenies, dropsResponse: options.dropsResponse });
    soracom = await withStartupRetries('SORACOM sandbox', async () =>
      startSoracomSandbox({ port: await freePort(), operators: [{ operatorId: OPERATOR, users: [{ userName: 'rotator', authKeys: [soracomAuth] }] }], denies: options.soracomDenies }),
    );
  });
  afterEach(async () => {
    await Promise.all([wallarm?.stop(), soracom?.stop()]);
  });

  const soracomClient = () => new SoracomClient({ endpoint: soracom!.endpoint, ...soracomAuth });
  return {
    clock,
    /** this test's id of a seeded token (see companySeed) */
    id: (seededId: number) => seededId + serial * 100,
    get wallarm() {
      return wallarm!;
    },
    wallarmClient: (token: string = rotator.secret) => new WallarmClient({ cloud: 'us1', endpoint: wallarm!.endpoint, token }),
    soracom: soracomClient,
    /** Worker clients: AWS is never called by these tests, so it points at a closed port. */
    clients(): ProviderClients {
      return {
        aws: createAwsClients({ endpoint: { iam: 'http://127.0.0.1:9', sts: 'http://127.0.0.1:9' }, credentials: testAwsCredentials }),
        soracom: soracomClient(),
        wallarm: new WallarmClient({ cloud: 'us1', endpoint: wallarm!.endpoint, token: rotator.secret }),
        wallarmNow: clock.now,
      };
    },
    /** The company's tokens by id: `[id, enabled, expire_at]`, sorted. */
    tokens(): [number, boolean, string | null][] {
      return wallarm!.tokensOf(CLIENT_ID).map((t): [number, boolean, string | null] => [t.id, t.enabled, t.expire_at]).sort((a, b) => a[0] - b[0]);
    },
    secretOf(id: number): string | undefined {
      return wallarm!.tokensOf(CLIENT_ID).find((t) => t.id === id)?.secret;
    },
    /** An api-token-credentials set holding `secret`, recording `tokenId` as the rotator does. */
    async addTokenSet(credentialsId: string, tokenId: number, secret: string): Promise<void> {
      await soracomClient().createCredentials(credentialsId, { type: 'api-token-credentials', description: `Wallarm token for devices [rotator: token ${tokenId}]`, credentials: { token: secret } });
    },
    /** What each SORACOM set holds: its type, token value and description. */
    sets(): Record<string, { type: string; token?: unknown; description?: string }> {
      return Object.fromEntries(soracom!.credentialsOf(OPERATOR).map((c) => [c.credentialsId, { type: c.type, token: c.credentials.token, description: c.description }]));
    },
  };
}
