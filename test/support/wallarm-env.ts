import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createAwsClients } from '../../src/providers/aws-iam/clients';
import { SoracomClient } from '../../src/providers/soracom/client';
import { WallarmClient } from '../../src/providers/wallarm/client';
import type { ApiToken } from '../../src/providers/wallarm/inferred';
import { startSoracomSandbox, type SoracomSandbox } from '../../sandbox/soracom/server';
import { startWallarmSandbox, type ClientSeed, type WallarmSandbox, type WallarmSandboxOptions } from '../../sandbox/wallarm/server';
import type { ProviderClients } from '../../src/worker';
import { companySeed, rotator } from '../providers/wallarm-sandbox';
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
  const wallarmClient = (token: string = rotator.secret) => new WallarmClient({ cloud: 'us1', endpoint: wallarm!.endpoint, token });
  return {
    clock,
    /** this test's id of a seeded token (see companySeed) */
    id: (seededId: number) => seededId + serial * 100,
    get wallarm() {
      return wallarm!;
    },
    wallarmClient,
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
    /** A token as the rotator's user sees it through Wallarm's API, or undefined once it is gone. */
    async token(id: number): Promise<ApiToken | undefined> {
      return (await wallarmClient().getToken(id)) ?? undefined;
    },
    /** The tokens the rotator's user sees through Wallarm's API. */
    async listTokens(): Promise<ApiToken[]> {
      return await wallarmClient().listTokens();
    },
    /** The tokens through Wallarm's API, by id: `[id, enabled, expire_at]`, sorted. */
    async tokens(): Promise<[number, boolean, string | null][]> {
      return (await wallarmClient().listTokens()).map((t): [number, boolean, string | null] => [t.id, t.enabled, t.expire_at]).sort((a, b) => a[0] - b[0]);
    },
    /** A token's value, read through Wallarm's documented secret route (GET /v2/api_tokens/{id}/secret). */
    async secretOf(id: number): Promise<string> {
      return await wallarmClient().tokenSecret(id);
    },
    /**
     * What the software reading a SORACOM set does with the token it holds: call Wallarm with it. Resolves to the user
     * the token authenticates as, or to the refusal's type.
     */
    async callWith(token: unknown): Promise<{ userId: number } | { refused: string }> {
      try {
        return { userId: (await wallarmClient().currentUser(String(token))).id };
      } catch (err) {
        return { refused: (err as { type?: string }).type ?? String(err) };
      }
    },
    /** An api-token-credentials set holding `secret`, recording `tokenId` as the rotator does. */
    async addTokenSet(credentialsId: string, tokenId: number, secret: string): Promise<void> {
      await soracomClient().createCredentials(credentialsId, { type: 'api-token-credentials', description: `Wallarm token for devices [rotator: token ${tokenId}]`, credentials: { token: secret } });
    },
    /**
     * What each SORACOM set holds: its type, token value and description. Read from the sandbox: SORACOM's API never
     * returns a set's secret (only the software reading the set gets it), so a test then uses the value as that
     * software would, through `callWith`.
     */
    sets(): Record<string, { type: string; token?: unknown; description?: string }> {
      return Object.fromEntries(soracom!.credentialsOf(OPERATOR).map((c) => [c.credentialsId, { type: c.type, token: c.credentials.token, description: c.description }]));
    },
  };
}
