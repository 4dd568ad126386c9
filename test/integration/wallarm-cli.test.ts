/**
 * `rotator rotate wallarm-token` spawned as an operator runs it: bad input exits 2 before anything is contacted,
 * and `--expiring-within` with a consumer map starts rotations on a real dev server, with a worker, the Wallarm
 * and SORACOM sandboxes. No token value appears in any output.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEMO_CODEC_KEYS } from '../../src/codec/key-ring';
import { deleteNow, rotationStatus } from '../../src/operations';
import { deployBot, rotator } from '../providers/wallarm-sandbox';
import { freePort } from '../support/ports';
import { withWorkers } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';
import { useWallarmProviders } from '../support/wallarm-env';

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

describe('rotator rotate wallarm-token: bad input', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wallarm-cli-'));
  const badMap = path.join(dir, 'map.json');
  writeFileSync(badMap, JSON.stringify({ 'deploy-bot': ['soracom:a:sideways'] }));

  it.each([
    [['--token-id', '12'], /--token-id needs --consumer/],
    [['--token-id', '12', '--consumer', 'soracom:a', '--expiring-within', '7d'], /exactly one of --token-id <id> and --expiring-within/],
    [['--token-id', 'abc', '--consumer', 'soracom:a'], /token id must be a positive whole number/],
    [['--token-id', '12', '--consumer', 'soracom:a', '--recovery-window', '31d'], /whole days from 7d to 30d/],
    [['--token-id', '12', '--consumer', 'soracom:a', '--cloud', 'us'], /cloud must be 'us1', 'eu' or 'me1'/],
    [['--expiring-within', '2w', '--consumer-map', badMap], /use whole days or hours/],
    [['--expiring-within', '7d', '--consumer-map', badMap], /token "deploy-bot": 'soracom:a:sideways'/],
    [['--expiring-within', '7d'], /--expiring-within needs --consumer-map/],
  ])('%p exits 2 before contacting Temporal or Wallarm', async (args, message) => {
    // both addresses are closed ports: reaching either would print a different error
    const closed = `127.0.0.1:${await freePort()}`;
    const result = await rotatorCli({ TEMPORAL_ADDRESS: closed, WALLARM_API_TOKEN: 'some-token-value-0000', WALLARM_API_HOST: `http://${closed}` }, 'rotate', 'wallarm-token', ...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/cannot reach Temporal|no answer from/);
  });
});

describe('rotator rotate wallarm-token --expiring-within on the dev server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createDevServerEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });
  const p = useWallarmProviders(() => env);

  it('starts a rotation for the due token named in the map, prints JSON lines, and never a token value', async () => {
    const oldId = p.id(deployBot.tokenId);
    await p.addTokenSet('wallarm-deploy', oldId, deployBot.secret);
    const map = path.join(mkdtempSync(path.join(tmpdir(), 'wallarm-cli-')), 'consumers.json');
    writeFileSync(map, JSON.stringify({ 'deploy-bot': ['soracom:wallarm-deploy'] }));
    const cliEnv = { TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'default', WALLARM_API_TOKEN: rotator.secret, WALLARM_CLOUD: 'us1', WALLARM_API_HOST: p.wallarm.endpoint };

    await withWorkers(env, p.clients(), async () => {
      const result = await rotatorCli(cliEnv, 'rotate', 'wallarm-token', '--expiring-within', '7d', '--consumer-map', map, '--pickup-grace', '0s', '--json');
      expect(result.code).toBe(0);
      const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toEqual([expect.objectContaining({ tokenId: oldId, name: 'deploy-bot', rotationId: `wallarm:us1:${oldId}`, outcome: 'started' })]);

      const rotationId = `wallarm:us1:${oldId}`;
      for (let i = 0; i < 300 && (await rotationStatus(env.client, rotationId)).phase !== 'pending-deletion'; i++) await new Promise((r) => setTimeout(r, 100));
      const status = await rotatorCli(cliEnv, 'status', rotationId, '--json');
      const parked = JSON.parse(status.stdout) as { phase: string; newCredentialId: string };
      expect(parked.phase).toBe('pending-deletion');
      const newSecret = (await p.secretOf(Number(parked.newCredentialId)))!;
      expect(p.sets()['wallarm-deploy']!.token).toBe(newSecret);
      for (const out of [result.stdout, result.stderr, status.stdout, status.stderr]) {
        expect(out).not.toContain(newSecret);
        expect(out).not.toContain(deployBot.secret);
        expect(out).not.toContain(rotator.secret);
      }
      expect((await deleteNow(env.client, rotationId)).phase).toBe('completed');
    });
    expect(await p.token(oldId)).toBeUndefined();
  });
});
