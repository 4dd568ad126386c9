import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { startMoto, type MotoServer } from '../../sandbox/moto';
import { freePort, withStartupRetries } from './ports';
import { trackPid, untrackPid } from './processes';

export const testAwsCredentials = { accessKeyId: 'AKIATESTADMIN0000000', secretAccessKey: 'test-admin-secret' };

/**
 * A moto_server of its own for one test (a second, empty STS that knows no new key, say), registered for the global
 * teardown until its `stop()`: a test that fails before stopping it leaves no server behind.
 */
export async function startTrackedMoto(label = 'moto_server (one test)'): Promise<MotoServer> {
  const server = await withStartupRetries('moto_server', async () => startMoto({ port: await freePort() }));
  trackPid(server.pid, label);
  return {
    ...server,
    stop: async () => {
      await server.stop();
      untrackPid(server.pid);
    },
  };
}

/** Starts moto_server for this test file on a free loopback port and resets it before each test. */
export function useMoto(): { readonly server: MotoServer; iam(): IAMClient; sts(credentials?: typeof testAwsCredentials): STSClient } {
  let server: MotoServer | undefined;
  beforeAll(async () => {
    server = await withStartupRetries('moto_server', async () => startMoto({ port: await freePort() }));
    trackPid(server.pid, 'moto_server');
  });
  beforeEach(async () => {
    await server!.setAuth(Infinity);
    await server!.reset();
  });
  afterAll(async () => {
    if (!server) return;
    await server.stop();
    untrackPid(server.pid);
  });
  const clientConfig = (credentials = testAwsCredentials) => ({
    region: 'us-east-1',
    endpoint: server!.endpoint,
    credentials,
    maxAttempts: 1,
  });
  return {
    get server() {
      if (!server) throw new Error('moto_server is not running (used outside a test?)');
      return server;
    },
    iam: () => new IAMClient(clientConfig()),
    sts: (credentials) => new STSClient(clientConfig(credentials)),
  };
}
