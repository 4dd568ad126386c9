/**
 * `rotator rotate soracom-auth-key --soracom-profile <name>` spawned as an operator runs it: without --operator, the
 * operator is the one the soracom-cli profile logs in to; a profile that cannot be used exits 2, naming its file.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEMO_CODEC_KEYS } from '../../src/codec/key-ring';
import { rotator, useSoracomSandbox } from '../providers/soracom-sandbox';
import { freePort } from '../support/ports';

const run = promisify(execFile);
const rotatorBin = path.resolve(__dirname, '../../bin/rotator.js');

async function rotatorCli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS, ...env };
  try {
    const { stdout, stderr } = await run(process.execPath, [rotatorBin, ...args], { env: childEnv, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('rotator rotate soracom-auth-key --soracom-profile', () => {
  const startSandbox = useSoracomSandbox();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'soracom-cli-profiles-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const args = ['rotate', 'soracom-auth-key', '--user', rotator.userName, '--consumer', 'file:/tmp/k.json'];

  it("logs in with the profile's key at its endpoint to find the operator", async () => {
    const { sandbox } = await startSandbox();
    const file = path.join(dir, 'lab.json');
    writeFileSync(file, JSON.stringify({ coverageType: 'jp', endpoint: sandbox.endpoint.replace(/\/v1$/, ''), authKeyId: rotator.authKeyId, authKey: rotator.authKey }));
    chmodSync(file, 0o600);
    const closed = `127.0.0.1:${await freePort()}`;
    const result = await rotatorCli({ TEMPORAL_ADDRESS: closed, SORACOM_PROFILE_DIR: dir }, ...args, '--soracom-profile', 'lab');
    // the operator was found through the profile; the rotation then stops at the unreachable Temporal
    expect(sandbox.exchanges().map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual(['POST /auth 200']);
    expect(result.stderr).not.toMatch(/cannot tell which SORACOM operator/);
    expect(result.stderr).not.toContain(rotator.authKey);
  });

  it('exits 2 naming the profile file when it does not exist or others may read it', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const missing = await rotatorCli({ TEMPORAL_ADDRESS: closed, SORACOM_PROFILE_DIR: dir }, ...args, '--soracom-profile', 'absent');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`cannot tell which SORACOM operator to use: SORACOM configuration: SORACOM profile 'absent' (${path.join(dir, 'absent.json')}) does not exist`);

    const open = path.join(dir, 'open.json');
    writeFileSync(open, JSON.stringify({ authKeyId: 'keyId-x', authKey: 'secret-open-profile-key' }));
    chmodSync(open, 0o644);
    const refused = await rotatorCli({ TEMPORAL_ADDRESS: closed, SORACOM_PROFILE_DIR: dir }, ...args, '--soracom-profile', 'open');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`chmod 600 ${open}`);
    expect(refused.stderr).not.toContain('secret-open-profile-key');
  });
});
