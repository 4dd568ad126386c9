/**
 * The supported runtime: the suite runs on Node.js 24 (npm test goes through scripts/on-node24.sh, which puts the
 * bootstrap's .tools/node24 first on PATH where the machine's node is older), so does every `rotator` the tests spawn
 * with process.execPath, Temporal's native bridge loads in it, and nothing hides the runtime's warnings any more.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const major = (version: string) => Number(version.replace(/^v/, '').split('.')[0]);

describe('Node.js 24', () => {
  it('runs this suite, and the children it spawns, where npm test started it', async () => {
    expect(major(process.version)).toBeGreaterThanOrEqual(24);
    const { stdout } = await run(process.execPath, ['-p', 'process.version']);
    expect(major(stdout.trim())).toBeGreaterThanOrEqual(24);
    // where the bootstrap provided it, it is the one running
    if (existsSync(path.join(root, '.tools/node24/bin/node'))) expect(process.version).toBe((await run(path.join(root, '.tools/node24/bin/node'), ['--version'])).stdout.trim());
  });

  it('engines allow 22 and up; on the running Node the native Temporal bridge loads and the AWS SDK does not warn', async () => {
    expect(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).engines.node).toBe('>=22');
    const probe = `require('@temporalio/core-bridge'); const { IAMClient } = require('@aws-sdk/client-iam'); new IAMClient({ region: 'us-east-1' }); setTimeout(() => console.log('loaded'), 50);`;
    const { stdout, stderr } = await run(process.execPath, ['-e', probe], { cwd: root });
    expect(stdout.trim()).toBe('loaded');
    expect(stderr).not.toContain('NodeVersionSupportWarning');
  });

  it('the CLI hides no runtime warning: one emitted while it runs reaches stderr', async () => {
    const hook = `require(process.argv[1]); process.emitWarning('NodeVersionSupportWarning: a warning the CLI once swallowed');`;
    const { stderr } = await run(process.execPath, ['-e', hook, path.join(root, 'bin/rotator.js'), '--help'], { env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    expect(stderr).toContain('NodeVersionSupportWarning: a warning the CLI once swallowed');
  });

  it('the image, the test command and the bootstrap name the same Node 24', () => {
    const bootstrap = readFileSync(path.join(root, 'scripts/bootstrap-tools.sh'), 'utf8');
    const version = /^NODE24_VERSION=(24\.\d+\.\d+)/m.exec(bootstrap)![1];
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM node:(\S+)/gm)).toEqual([`FROM node:${version}-bookworm-slim`, `FROM node:${version}-bookworm-slim`]);
    const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    for (const name of ['test', 'demo', 'rotator']) expect([name, scripts[name]]).toEqual([name, expect.stringMatching(/^bash scripts\/on-node24\.sh /)]);
    expect(readFileSync(path.join(root, '.ci/run'), 'utf8')).toMatch(/^npm install && npm test$/m);
  });
});
