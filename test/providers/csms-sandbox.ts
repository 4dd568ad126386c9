import { CsmsClient, type CsmsClientOptions } from '../../src/providers/csms/client';
import { startCsmsSandbox, type CsmsSandbox, type CsmsSandboxOptions } from '../../sandbox/csms/server';
import { ManualClock } from './soracom-sandbox';

/** The project and AK/SK every CSMS test runs as; a second account's project to test cross-account refusals. */
export const projectId = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
export const otherProjectId = 'f9e8d7c6b5a4938271605f4e3d2c1b0a';
export const rotatorKey = { accessKey: 'HPUAROTATORTESTAK001', secretKey: 'rotator-test-secret-key-0001' } as const;

export interface TestCsms {
  readonly sandbox: CsmsSandbox;
  readonly clock: ManualClock;
  /** A client signing as the rotator against this sandbox (or `endpoint`, e.g. a proxy in front of it). */
  client(options?: Partial<CsmsClientOptions>): CsmsClient;
}

/** Starts a CSMS sandbox per test (one account: the rotator's AK/SK and project) and stops it after the test. */
export function useCsmsSandbox(): (options?: Partial<CsmsSandboxOptions>) => Promise<TestCsms> {
  const running: CsmsSandbox[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  });
  return async (options = {}) => {
    const clock = new ManualClock(Date.now());
    const sandbox = await startCsmsSandbox({
      accounts: [{ credentials: [rotatorKey], projects: [projectId] }, { credentials: [{ accessKey: 'HPUAOTHERACCOUNTAK01', secretKey: 'other' }], projects: [otherProjectId] }],
      now: clock.now,
      ...options,
    });
    running.push(sandbox);
    return {
      sandbox,
      clock,
      client: (clientOptions = {}) => new CsmsClient({ endpoint: sandbox.endpoint, region: 'cn-north-4', projectId, ...rotatorKey, now: clock.now, ...clientOptions }),
    };
  };
}

export const awsValue = (accessKeyId: string, secretAccessKey: string, extra: Record<string, string> = {}) => JSON.stringify({ accessKeyId, secretAccessKey, ...extra });
