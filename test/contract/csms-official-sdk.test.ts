import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { toolPath } from '../../sandbox/tools';
import { projectId, rotatorKey, useCsmsSandbox } from '../providers/csms-sandbox';

/**
 * Huawei's official Python SDK (huaweicloudsdkcsms, pinned and installed by scripts/bootstrap-tools.sh) against the CSMS
 * sandbox: a client we did not write, with its own SDK-HMAC-SHA256 signer, makes every call the rotator relies on plus
 * scheduled deletion, restore and the update routes. Our own client code is not involved.
 */
const script = path.join(__dirname, 'csms_official_sdk.py');
const DAY_MS = 86_400_000;

interface Step {
  readonly call: string;
  readonly result: unknown;
}

const oldValue = JSON.stringify({ accessKeyId: 'AKIASDKOLD', secretAccessKey: 'sdk-old-secret' });
const newValue = JSON.stringify({ accessKeyId: 'AKIASDKNEW', secretAccessKey: 'sdk-new-secret' });

describe('CSMS sandbox driven by Huawei’s official Python SDK', () => {
  const startSandbox = useCsmsSandbox();

  async function runSdk(endpoint: string, secretName: string): Promise<{ steps: Step[] }> {
    try {
      const { stdout } = await promisify(execFile)(toolPath('huaweicloud-python'), [script, endpoint, rotatorKey.accessKey, rotatorKey.secretKey, projectId, secretName], {
        timeout: 60_000,
        // the sandbox listens on loopback: a proxy configured on the machine must not take the SDK's requests
        env: { ...process.env, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' },
      });
      return JSON.parse(stdout) as { steps: Step[] };
    } catch (err) {
      const { stdout, stderr } = err as { stdout?: string; stderr?: string };
      throw new Error(`the SDK run failed:\n${stdout ?? ''}\n${stderr ?? String(err)}`);
    }
  }

  it('creates, versions, reads by id, by `latest` and by stage name, moves stages, updates, schedules deletion and restores', async () => {
    const { sandbox, clock } = await startSandbox();
    const { steps } = await runSdk(sandbox.endpoint, 'sdk-app-aws');
    const now = clock.now();

    const secret = (state: string, description: string, scheduledDeleteTime: number | null = null) => ({ name: 'sdk-app-aws', state, description, scheduled_delete_time: scheduledDeleteTime });
    const version = (id: string, stages: string[], value: string, expireTime: number | null = null) => ({ id, version_stages: stages, expire_time: expireTime, secret_string: value });
    const updateVersion = steps.find((s) => s.call === 'update_version')?.result as { expire_time: number };
    expect(steps).toEqual([
      { call: 'create_secret', result: secret('ENABLED', '') },
      { call: 'show_secret', result: secret('ENABLED', '') },
      { call: 'create_secret_version', result: { id: 'v2', version_stages: ['SYSCURRENT'], expire_time: null } },
      { call: 'show_secret_version', result: version('v1', ['SYSPREVIOUS'], oldValue) },
      { call: 'show_secret_version', result: version('v2', ['SYSCURRENT'], newValue) },
      { call: 'show_secret_version', result: version('v2', ['SYSCURRENT'], newValue) }, // latest
      { call: 'show_secret_version', result: version('v2', ['SYSCURRENT'], newValue) }, // SYSCURRENT
      { call: 'show_secret_version', result: version('v1', ['SYSPREVIOUS'], oldValue) }, // SYSPREVIOUS
      {
        call: 'list_secret_versions',
        result: [
          { id: 'v1', version_stages: ['SYSPREVIOUS'], expire_time: null },
          { id: 'v2', version_stages: ['SYSCURRENT'], expire_time: null },
        ],
      },
      { call: 'show_secret_stage', result: { name: 'SYSCURRENT', version_id: 'v2' } },
      { call: 'update_secret_stage', result: { name: 'APPROVED', version_id: 'v1' } },
      { call: 'show_secret_version', result: version('v1', ['APPROVED', 'SYSPREVIOUS'], oldValue) }, // a custom stage
      { call: 'update_secret_stage', result: { name: 'SYSCURRENT', version_id: 'v1' } },
      { call: 'update_secret_stage', result: { name: 'SYSCURRENT', version_id: 'v2' } },
      { call: 'update_version', result: { id: 'v2', version_stages: ['SYSCURRENT'], expire_time: expect.any(Number) } },
      { call: 'update_secret', result: secret('ENABLED', 'rotated by credential-rotator') },
      { call: 'delete_secret_for_schedule', result: secret('PENDING_DELETE', 'rotated by credential-rotator', now + 30 * DAY_MS) },
      { call: 'show_secret_version', result: { status: 400, error_code: 'CSMS.0103' } },
      { call: 'restore_secret', result: secret('ENABLED', 'rotated by credential-rotator') },
      { call: 'delete_secret_for_schedule', result: secret('PENDING_DELETE', 'rotated by credential-rotator', now + 7 * DAY_MS) },
      { call: 'restore_secret', result: secret('ENABLED', 'rotated by credential-rotator') },
      { call: 'show_secret_version', result: version('v2', ['SYSCURRENT'], newValue, updateVersion.expire_time) },
    ]);

    // at the provider: what the SDK did is what the sandbox holds
    const stored = sandbox.secret(projectId, 'sdk-app-aws');
    expect(stored).toMatchObject({ state: 'ENABLED', description: 'rotated by credential-rotator', scheduledDeleteTime: null });
    expect(Object.fromEntries([...(stored?.stages ?? [])].map(([name, s]) => [name, s.versionId]))).toEqual({ SYSCURRENT: 'v2', SYSPREVIOUS: 'v1', APPROVED: 'v1' });
    expect(stored?.versions.get('v2')?.expireTime).toBe(updateVersion.expire_time);
    expect(sandbox.currentValue(projectId, 'sdk-app-aws')).toBe(newValue);

    // every request passed the sandbox's signature check, and each route answered as the definitions name it
    const exchanges = sandbox.exchanges();
    expect(exchanges.filter((e) => e.status === 401 || e.operation === undefined)).toEqual([]);
    expect(exchanges.filter((e) => e.status !== 200).map((e) => `${e.operation ?? '?'} ${e.status} ${e.errorCode ?? ''}`)).toEqual(['ShowSecretVersion 400 CSMS.0103']);
    expect([...new Set(exchanges.map((e) => e.operation))].sort()).toEqual(
      [
        'CreateSecret',
        'CreateSecretVersion',
        'DeleteSecretForSchedule',
        'ListSecretVersions',
        'RestoreSecret',
        'ShowSecret',
        'ShowSecretStage',
        'ShowSecretVersion',
        'UpdateSecret',
        'UpdateSecretStage',
        'UpdateVersion',
      ].sort(),
    );
  });
});
