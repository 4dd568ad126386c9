/**
 * `rotator demo` loads the demo (and the emulators it starts) only when it runs: every other command starts without
 * loading any sandbox module. The demo lives in sandbox/ beside src/, runs from a checkout's TypeScript sources, and
 * is neither compiled into lib/ nor shipped in the image.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { OperatorError } from './operations';

/** What the demo module exports; checked against it in test/integration/cli-loads-no-sandbox.test.ts. */
export interface DemoModule {
  runDemo(): Promise<void>;
}

// src/ (under tsx) and lib/ (a build, the image) both sit right below the project root
const demoModule = path.resolve(__dirname, '..', 'sandbox', 'demo.ts');

export async function runDemo(): Promise<void> {
  // compiled (lib/), this process has no TypeScript loader, and the demo would load src/ beside the lib/ already running
  if (path.extname(__filename) !== '.ts' || !existsSync(demoModule)) {
    throw new OperatorError('the demo runs from a checkout, not from a build or the image: npm install && npm run demo (with ROTATOR_USE_BUILD unset)');
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by path, only when `demo` runs
  const demo = require(demoModule) as DemoModule;
  await demo.runDemo();
}
