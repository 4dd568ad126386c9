import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import type { Compiler } from 'webpack';
import { bundleWorkflowCode, type BundleOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { rotationSearchAttributes } from '../../src/rotation/search-attributes';
import { toolPath } from '../../sandbox/tools';
import { withStartupRetries } from './ports';
import { rotatorDataConverter } from '../../src/codec/data-converter';
import { DEMO_CODEC_KEYS, parseKeyRing } from '../../src/codec/key-ring';
import { demoSealer } from '../../src/codec/sealed-secrets';
import { workflowBundleOptions } from '../../src/workflow-bundling';

/** Tests encrypt with the public demo key, exactly as production encrypts with its own. */
export const testDataConverter = rotatorDataConverter(parseKeyRing(DEMO_CODEC_KEYS));
/** Tests' workers seal secrets with the public demo seal key, as production workers seal with their own. */
export const testSealer = demoSealer();

/** The Java time-skipping test server, started from the pinned binary (the SDK's own download cannot work offline). */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const executable = { type: 'existing-path' as const, path: toolPath('temporal-test-server') };
  const env = await withStartupRetries('temporal-test-server', () => TestWorkflowEnvironment.createTimeSkipping({ server: { executable }, client: { dataConverter: testDataConverter } }));
  // the test server has no --search-attribute flag: register ours through the operator service
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      rotationSearchAttributes.map((key) => [key.name, key.type === 'DATETIME' ? temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME : temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
  return env;
}

/**
 * `temporal server start-dev` with the rotator's search attributes registered: in memory unless given a SQLite file;
 * `namespace` is created at start. Headless unless given `ui`: then its Web UI listens on 127.0.0.1:`ui.port` and
 * decodes payloads through `ui.codecEndpoint`, and this resolves once the UI answers.
 */
export async function createDevServerEnv(
  options: { namespace?: string; dbFilename?: string; ui?: { port: number; codecEndpoint: string } } = {},
): Promise<TestWorkflowEnvironment> {
  const executable = { type: 'existing-path' as const, path: toolPath('temporal') };
  const ui = options.ui
    ? { ip: '127.0.0.1', ui: true, uiPort: options.ui.port, extraArgs: ['--ui-codec-endpoint', options.ui.codecEndpoint] }
    : {};
  const env = await withStartupRetries('temporal dev server', () =>
    TestWorkflowEnvironment.createLocal({
      server: { executable, searchAttributes: rotationSearchAttributes, dbFilename: options.dbFilename, ...(options.namespace ? { namespace: options.namespace } : {}), ...ui },
      client: { dataConverter: testDataConverter },
    }),
  );
  if (options.ui) {
    try {
      await waitForHttp(`http://127.0.0.1:${options.ui.port}/`, 60_000);
    } catch (err) {
      await env.teardown();
      throw err;
    }
  }
  return env;
}

/** Polls `url` until it answers 2xx: the dev server reports ready once gRPC is up, the UI may come a little later. */
async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs / 1000} s (last: ${last})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/** Bundles a workflows module once per test file (webpack takes seconds; every Worker.create would redo it). */
export function workflowBundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  const resolved = path.resolve(workflowsPath);
  let bundle = bundles.get(resolved);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath: resolved, ...workflowBundleOptions, logger: quietBundlerLogger, ...mutantActivation() });
    bundles.set(resolved, bundle);
  }
  return bundle;
}

/**
 * Under mutation testing (`npm run mutate`), the mutant Stryker is testing is named in the test's environment, which
 * workflow code, run in Temporal's sandbox, cannot read: the bundle then starts by naming it there, so a mutant of the
 * workflow is active inside the workflow too. Outside Stryker the bundle is as production builds it.
 */
function mutantActivation(): Pick<BundleOptions, 'webpackConfigHook'> {
  const activeMutant = process.env.__STRYKER_ACTIVE_MUTANT__;
  if (activeMutant === undefined) return {};
  // onto the object the instrumented code may already have made: it keeps the one it found first
  const banner = `globalThis.__stryker__ = Object.assign(globalThis.__stryker__ || {}, { activeMutant: ${JSON.stringify(activeMutant)} });`;
  const namesTheMutant = { apply: (compiler: Compiler) => new compiler.webpack.BannerPlugin({ banner, raw: true, entryOnly: true }).apply(compiler) };
  return { webpackConfigHook: (config) => ({ ...config, plugins: [...(config.plugins ?? []), namesTheMutant] }) };
}

const noop = () => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
