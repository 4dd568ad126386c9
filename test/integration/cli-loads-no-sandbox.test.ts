/**
 * The emulators and the demo are not part of the product: no CLI command but `demo` may load a sandbox module.
 * `rotator` runs in a child process as a user runs it, with a hook that prints every module in `require.cache`
 * (where tsx puts the TypeScript sources it compiles) when the process exits.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type * as demo from '../../sandbox/demo';
import type { DemoModule } from '../../src/demo-loader';

// the loader requires the demo by path: this fails to compile if the two drift apart
const _demoShape: DemoModule = {} as typeof demo;

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');
const marker = 'loaded modules: ';
const hook = `process.on('exit', () => process.stderr.write(${JSON.stringify(marker)} + JSON.stringify(Object.keys(require.cache)) + '\\n')); require(process.argv[1]);`;

/** The project files (relative to the root) that `rotator …args` loaded before it exited. */
async function modulesLoadedBy(...args: string[]): Promise<string[]> {
  const { stderr } = await run(process.execPath, ['-e', hook, path.join(root, 'bin/rotator.js'), ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    timeout: 60_000,
  });
  const line = stderr.split('\n').find((l) => l.startsWith(marker));
  if (line === undefined) throw new Error(`no module list on stderr:\n${stderr}`);
  return (JSON.parse(line.slice(marker.length)) as string[])
    .map((file) => path.relative(root, file))
    .filter((file) => !file.startsWith('..') && !file.startsWith('node_modules'));
}

describe('rotator loads no sandbox module', () => {
  it.each(['--help', 'list --help', 'demo --help'])('for `rotator %s`', async (command) => {
    const loaded = await modulesLoadedBy(...command.split(' '));
    expect(loaded.filter((file) => file.split(path.sep).includes('sandbox'))).toEqual([]);
    // the probe sees the CLI's own TypeScript sources, so an absent sandbox module is really absent
    expect(loaded).toContain(path.join('src', 'client.ts'));
  }, 60_000);
});
