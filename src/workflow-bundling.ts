/**
 * How every workflow bundle is built (worker start from the sources, `npm run build`, the tests), and the check that a
 * prebuilt one still matches the compiled code beside it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { failureConverterPath } from './codec/data-converter';

/**
 * zod keeps no per-workflow state, so it is loaded once per worker and shared (frozen) by every cached rotation instead
 * of being evaluated into each one (~180 zod classes and their shapes per rotation; bench/README.md).
 */
export const WORKFLOW_PRELOAD_MODULES = [require.resolve('./rotation/zod-preload')];

/** What every `bundleWorkflowCode` call passes besides the workflows and a logger. */
export const workflowBundleOptions = { failureConverterPath, preloadModules: WORKFLOW_PRELOAD_MODULES };

export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';
export const WORKFLOW_BUNDLE_MANIFEST = 'workflow-bundle.json';

/** The compiled files a workflow bundle is made from, relative to the compiled folder, with their SHA-256. */
export function workflowBundleSources(dir: string): Record<string, string> {
  const files = [
    ...['workflows', 'rotation'].flatMap((sub) =>
      (readdirSync(path.join(dir, sub), { recursive: true }) as string[]).filter((f) => f.endsWith('.js')).map((f) => path.join(sub, f)),
    ),
    // each provider's descriptor: the registry the workflow reads
    ...(readdirSync(path.join(dir, 'providers'), { recursive: true }) as string[]).filter((f) => f.endsWith(`${path.sep}descriptor.js`)).map((f) => path.join('providers', f)),
    path.join('codec', 'failure-converter.js'),
    'workflow-bundling.js',
  ].sort();
  return Object.fromEntries(files.map((f) => [f.split(path.sep).join('/'), createHash('sha256').update(readFileSync(path.join(dir, f))).digest('hex')]));
}

/**
 * The prebuilt bundle in a compiled folder, if there is one. Refuses one bundled from other code than the folder now
 * holds (a `tsc` run without the bundling step, a failed bundling): the worker would run old workflow code.
 */
export function prebuiltWorkflowBundle(dir: string): { codePath: string } | undefined {
  const codePath = path.join(dir, WORKFLOW_BUNDLE_FILE);
  if (!existsSync(codePath)) return undefined;
  const stale = (why: string) => new Error(`${codePath} ${why}: run \`npm run build\` to bundle the workflows again`);
  const manifest = path.join(dir, WORKFLOW_BUNDLE_MANIFEST);
  if (!existsSync(manifest)) throw stale(`has no ${WORKFLOW_BUNDLE_MANIFEST} beside it`);
  const recorded = (JSON.parse(readFileSync(manifest, 'utf8')) as { sources: Record<string, string> }).sources;
  const now = workflowBundleSources(dir);
  const changed = [...new Set([...Object.keys(recorded), ...Object.keys(now)])].filter((f) => recorded[f] !== now[f]);
  if (changed.length > 0) throw stale(`was bundled from other code than ${dir} holds now (${changed.slice(0, 3).join(', ')} differ)`);
  return { codePath };
}
