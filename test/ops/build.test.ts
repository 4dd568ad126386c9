/**
 * What the image and `ROTATOR_USE_BUILD=1` run: `tsc` output plus the workflow bundle `scripts/bundle-workflows.js`
 * makes of it. The prebuilt bundle must replay every committed history (it is the same workflow, compiled), and
 * `bin/rotator.js` must run from it without tsx. The emulators and the demo (sandbox/) are not part of it.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Worker } from '@temporalio/worker';
import { testDataConverter } from '../support/temporal';
import { committedHistories } from '../replay/shapes';
import { prebuiltWorkflowBundle } from '../../src/workflow-bundling';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
// inside the checkout, so the compiled files resolve their packages from its node_modules
const out = mkdtempSync(path.join(root, '.build-test-'));
const lib = path.join(out, 'lib');
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** bin/rotator.js copied beside a lib/ (or none), as in the image. */
function installedCli(withLib: boolean): string {
  const dir = withLib ? out : mkdtempSync(path.join(out, 'no-lib-'));
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  copyFileSync(path.join(root, 'bin/rotator.js'), path.join(dir, 'bin/rotator.js'));
  return path.join(dir, 'bin/rotator.js');
}

describe('the build (npm run build)', () => {
  beforeAll(async () => {
    await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', lib], { cwd: root });
    await run(process.execPath, ['scripts/bundle-workflows.js', lib], { cwd: root });
  }, 180_000);

  it('prebuilds a workflow bundle that replays every committed history', async () => {
    const codePath = path.join(lib, 'workflow-bundle.js');
    expect(existsSync(codePath)).toBe(true);
    for (const h of committedHistories()) {
      await Worker.runReplayHistory({ workflowBundle: { codePath }, dataConverter: testDataConverter, replayName: `build-${h.shape}` }, h.history, `build-${h.shape}`);
    }
  }, 120_000);

  it('the worker takes the prebuilt bundle only while it matches the compiled workflow code beside it', () => {
    expect(prebuiltWorkflowBundle(lib)).toEqual({ codePath: path.join(lib, 'workflow-bundle.js') });
    // `tsc` run again without the bundling step, after a workflow change: the old bundle must not run
    const edited = mkdtempSync(path.join(out, 'edited-'));
    cpSync(lib, edited, { recursive: true });
    appendFileSync(path.join(edited, 'workflows', 'rotate-credential.js'), '\n// changed\n');
    expect(() => prebuiltWorkflowBundle(edited)).toThrow(/was bundled from other code than .* holds now \(workflows\/rotate-credential\.js differ\): run `npm run build`/);
    rmSync(path.join(edited, 'workflow-bundle.json'));
    expect(() => prebuiltWorkflowBundle(edited)).toThrow(/has no workflow-bundle\.json beside it/);
    expect(prebuiltWorkflowBundle(path.join(root, 'src'))).toBeUndefined();
  });

  it('holds no emulator, moto launcher or demo: sandbox/ is not compiled into lib/', () => {
    const files = readdirSync(lib, { recursive: true }) as string[];
    expect(files).toContain('client.js');
    expect(files.filter((f) => f.split(path.sep).includes('sandbox'))).toEqual([]);
    const sandboxCode = /\b(startSoracomSandbox|startCsmsSandbox|startWallarmSandbox|startMoto|SoracomStore|CsmsStore|WallarmStore)\b/;
    expect(files.filter((f) => f.endsWith('.js') && sandboxCode.test(readFileSync(path.join(lib, f), 'utf8')))).toEqual([]);
  });

  it('`rotator demo` where there is only the build, as in the image, names the way to run it and exits 2', async () => {
    const failed = await run(process.execPath, [installedCli(true), 'demo'], { env: { PATH: process.env.PATH } }).catch((err: { stderr: string; code: number }) => err);
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringMatching(/^rotator: the demo runs from a checkout, .*npm install && npm run demo/) });
  }, 60_000);

  it('bin/rotator.js with ROTATOR_USE_BUILD=1 runs the compiled CLI, and says what to do when there is none', async () => {
    const env = { PATH: process.env.PATH, ROTATOR_USE_BUILD: '1' };
    const { stdout } = await run(process.execPath, [installedCli(true), '--help'], { env });
    expect(stdout).toMatch(/Usage: rotator/);
    const failed = await run(process.execPath, [installedCli(false), '--help'], { env }).catch((err: { stderr: string; code: number }) => err);
    expect(failed).toMatchObject({ code: 2, stderr: expect.stringMatching(/lib\/client\.js is missing: run `npm run build` first/) });
  }, 60_000);
});
