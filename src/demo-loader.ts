/**
 * `rotator demo` loads the demo (and the emulators it starts) only when it runs: every other command starts without
 * loading any sandbox module.
 */
import path from 'node:path';

/** What the demo module exports; checked against it in test/integration/cli-loads-no-sandbox.test.ts. */
export interface DemoModule {
  runDemo(): Promise<void>;
}

const demoModule = path.join(__dirname, 'sandbox', 'demo');

export async function runDemo(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by path, only when `demo` runs
  const demo = require(demoModule) as DemoModule;
  await demo.runDemo();
}
