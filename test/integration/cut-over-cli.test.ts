/**
 * Cutting over on evidence as an operator does it, through the CLI on the dev server: bad durations and consumers are
 * refused before anything starts (exit 2); `rotate … --await-use` stops following when the rotation is held and
 * `status` shows what it saw and what to run; `proceed` wants --yes, `confirm` a manual consumer; `abort` undoes it;
 * a manual consumer confirmed with `rotator confirm` lets the rotation go on.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEMO_CODEC_KEYS } from '../../src/codec/key-ring';
import { startConsumer } from '../support/consumer-probe';
import { waitForPhase } from '../support/phases';
import { ACCOUNT, OPERATOR, useProviders, withWorkers } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';

const run = promisify(execFile);
const rotatorBin = path.resolve(__dirname, '../../bin/rotator.js');

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

describe('cutting over on evidence, through the CLI', () => {
  const providers = useProviders();

  async function rotator(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const childEnv = { PATH: process.env.PATH, HOME: process.env.HOME, USER: 'operator-jane', TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'default', ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS };
    try {
      const { stdout, stderr } = await run(process.execPath, [rotatorBin, ...args], { env: childEnv, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }
  const json = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  const rotate = (user: string, ...more: string[]) => rotator('rotate', 'aws-iam-key', '--user', user, '--account', ACCOUNT, '--recovery-window', '7d', ...more);

  it('refuses bad durations and consumers before anything starts', async () => {
    const cases: [string[], RegExp][] = [
      [['--consumer', 'soracom:s', '--await-use', '30s'], /--await-use '30s' is not allowed: use a duration such as 30m, 6h or 2d, from 1m to 30d/],
      [['--consumer', 'soracom:s', '--await-use', '2'], /--await-use '2' is not allowed/],
      [['--consumer', 'soracom:s', '--await-use', '31d'], /--await-use '31d' is not allowed/],
      [['--consumer', 'soracom:s', '--confirm-within', '1h'], /confirm-within applies to manual consumers \(manual:NAME@<place>\) only/],
      [['--consumer', 'manual:pay@csms:p', '--confirm-within', '30m'], /--confirm-within '30m' is not allowed: .* from 1h to 30d/],
      [['--consumer', 'manual:pay@soracom:s'], /a credential can be handed over in csms:<secretName> or file:<absolute path> only \(a place the person can read\), not 'soracom:s'/],
      [['--consumer', 'manual:pay'], /a person or team is named manual:<name>@csms:<secretName> or manual:<name>@file:<absolute path>/],
      [['--consumer', 'manual:-bad@csms:p'], /a person or team is named with 1–64 letters, digits and \._-/],
    ];
    for (const [args, message] of cases) {
      const out = await rotate('cli-bad', ...args);
      expect({ args, code: out.code }).toEqual({ args, code: 2 });
      expect(out.stderr).toMatch(message);
    }
    // no rotation was started by any of them
    const listed = await rotator('list', '--json');
    expect(listed.stdout).not.toContain('cli-bad');
    // --help teaches the new forms
    const help = await rotator('rotate', 'aws-iam-key', '--help');
    expect(help.stdout).toMatch(/--await-use <duration>/);
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/manual:<name>@<csms:<secretName> \| file:<absolute path>>/);
  });

  it('held by an unknown consumer: following stops, status shows the evidence and the next steps; proceed needs --yes; abort undoes it', async () => {
    const user = 'cli-unknown';
    const { oldKeyId } = await providers.seedUser(user, `${user}-set`);
    const oldKey = structuredClone(providers.sandbox.credentialsOf(OPERATOR).find((c) => c.credentialsId === `${user}-set`)!.credentials) as { accessKeyId: string; secretAccessKey: string };
    // straight to moto: it records the key's use as GetAccessKeyLastUsed reports it
    const unknown = startConsumer(() => oldKey, providers.moto.server.endpoint, `arn:aws:iam::${ACCOUNT}:user/${user}`, { intervalMs: 500 });
    try {
      await withWorkers(env, providers.clients(), async () => {
        const started = await rotate(user, '--consumer', `soracom:${user}-set`, '--pickup-grace', '2s', '--await-use', '10m', '--wait', 'pending-deletion');
        expect(started.code).toBe(0);
        expect(started.stdout).toMatch(/^phase +awaiting-use$/m);
        const id = `aws-iam:${ACCOUNT}:${user}`;

        const status = await rotator('status', id);
        process.stderr.write(`rotator status ${id}\n${status.stdout}\n`);
        expect(status.stdout).toMatch(/^phase +awaiting-use$/m);
        expect(status.stdout).toMatch(/^evidence +switched \S+; old key must be unused after \S+; new key seen from \S+; deadline \S+; \d+ check\(s\), last \S+$/m);
        expect(status.stdout).toMatch(new RegExp(`^  old key  ${oldKeyId} last used \\S+ \\(sts, us-east-1\\)$`, 'm'));
        expect(status.stdout).toMatch(/^problem +\[OldCredentialStillUsed\] the old credential .* was used at .*something the rotator does not know still depends on it/m);
        expect(status.stdout).toMatch(new RegExp(`^next: rotator proceed ${id} --yes`, 'm'));
        expect(status.stdout).toMatch(new RegExp(`^  or: rotator abort ${id}`, 'm'));
        const asJson = json((await rotator('status', id, '--json')).stdout);
        expect(asJson).toMatchObject({ phase: 'awaiting-use', problemType: 'OldCredentialStillUsed', use: { old: { service: 'sts' } } });

        const noYes = await rotator('proceed', id);
        expect(noYes.code).toBe(2);
        expect(noYes.stderr).toMatch(/add --yes to confirm/i);
        const notManual = await rotator('confirm', id, '--consumer', `soracom:${user}-set`);
        expect(notManual.code).toBe(2);
        expect(notManual.stderr).toMatch(/only a manual consumer confirms/);

        const aborted = await rotator('abort', id, '--json');
        expect(aborted.code).toBe(0);
        expect(json(aborted.stdout)).toMatchObject({ phase: 'failed', problemType: 'RotationAborted', use: { decision: { action: 'abort', by: 'operator-jane' } } });
        const late = await rotator('proceed', id, '--yes');
        expect(late.code).toBe(2);
        expect(late.stderr).toMatch(/proceed of .* was refused: the rotation already ended failed/);
      });
    } finally {
      await unknown.stop();
    }
    expect(unknown.report.failures).toEqual([]);
    // update mode cannot put the set back: it keeps the new key, which therefore stays Active beside the old one
    expect((await providers.keysOf(user)).map(([, s]) => s)).toEqual(['Active', 'Active']);
  });

  it('a manual consumer: following stops at awaiting-confirmation, and `rotator confirm` lets the rotation go on', async () => {
    const user = 'cli-manual';
    const { oldKeyId } = await providers.seedCsmsUser(user, `${user}-handover`);
    // the person's target: deliveries to it are retried in the background; the rotation does not wait for them
    const targets = JSON.stringify({ payments: { type: 'slack', url: 'http://127.0.0.1:9/slack' } });
    await withWorkers(
      env,
      providers.clients(),
      async () => {
        const started = await rotate(user, '--consumer', `manual:payments@csms:${user}-handover`, '--pickup-grace', '0s', '--wait', 'pending-deletion');
        expect(started.code).toBe(0);
        const id = `aws-iam:${ACCOUNT}:${user}`;
        expect(started.stdout).toMatch(/^phase +awaiting-confirmation$/m);
        expect(started.stdout).toMatch(new RegExp(`^consumer +manual:payments \\[hand-over\\] → secret ${user}-handover: handed-over \\(handed over \\S+\\), holds AKIA`, 'm'));
        expect(started.stdout).toMatch(new RegExp(`^next: rotator confirm ${id} --consumer manual:payments`, 'm'));

        const confirmed = await rotator('confirm', id, '--consumer', 'manual:payments', '--json');
        expect(confirmed.code).toBe(0);
        expect(json(confirmed.stdout)).toMatchObject({ consumers: [{ consumer: 'manual:payments', state: 'confirmed', confirmedBy: 'operator-jane' }] });
        const parked = await waitForPhase(env.client, id, 'pending-deletion');
        expect(parked.oldCredentialId).toBe(oldKeyId);
        expect((await rotator('delete-now', id, '--yes')).code).toBe(0);
      },
      { workerEnv: { ROTATOR_NOTIFY_TARGETS: targets } },
    );
  });
});
