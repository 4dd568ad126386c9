import { SoracomClient, type SoracomClientOptions } from '../../src/providers/soracom/client';
import { startSoracomSandbox, type SoracomSandbox, type SoracomSandboxOptions } from '../../sandbox/soracom/server';

/** The operator and SAM user every SORACOM test runs as. */
export const operatorId = 'OP0012345678';
export const rotator = { userName: 'rotator', authKeyId: 'keyId-rotator-0001', authKey: 'secret-rotator-authkey-0001' } as const;

/** A clock the test moves by hand: token expiry and rate-limit windows without waiting. */
export class ManualClock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {}
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface TestSandbox {
  readonly sandbox: SoracomSandbox;
  readonly clock: ManualClock;
  /** A client authenticating as the rotator SAM user against this sandbox (or `endpoint`, e.g. a proxy in front of it). */
  client(options?: Partial<SoracomClientOptions>): SoracomClient;
  authCalls(): number;
}

/** Starts a sandbox per test (seeded with the rotator) and stops it after the test. */
export function useSoracomSandbox(): (options?: Partial<SoracomSandboxOptions>) => Promise<TestSandbox> {
  const running: SoracomSandbox[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  });
  return async (options = {}) => {
    const clock = new ManualClock();
    const sandbox = await startSoracomSandbox({
      operators: [{ operatorId, users: [{ userName: rotator.userName, authKeys: [{ authKeyId: rotator.authKeyId, authKey: rotator.authKey }] }] }],
      now: clock.now,
      ...options,
    });
    running.push(sandbox);
    return {
      sandbox,
      clock,
      client: (clientOptions = {}) => new SoracomClient({ endpoint: sandbox.endpoint, authKeyId: rotator.authKeyId, authKey: rotator.authKey, ...clientOptions }),
      authCalls: () => sandbox.exchanges().filter((e) => e.path === '/auth').length,
    };
  };
}

export const awsSet = (accessKeyId: string, secretAccessKey: string, description?: string) => ({
  type: 'aws-credentials',
  ...(description === undefined ? {} : { description }),
  credentials: { accessKeyId, secretAccessKey },
});
