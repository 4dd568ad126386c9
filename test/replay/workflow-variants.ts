/**
 * The edit a developer would make to src/workflows/rotate-credential.ts, applied to the current source in a
 * temporary copy and bundled, so tests can show which edits old histories accept. The new step re-reads the
 * source credential just before the old one is deleted (a plausible safety check added later).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowBundleOptions } from '../../src/workflow-bundling';

const projectRoot = path.resolve(__dirname, '../..');
const workflowSource = path.join(projectRoot, 'src/workflows/rotate-credential.ts');

export const PATCH_ID = 'recheck-source-before-delete';
const NEW_STEP = 'await src.inspectSource({ source });';

/** How the new step is introduced: as is, behind `patched()`, or after `deprecatePatch()` (the three stages). */
export type Variant = 'unpatched' | 'patched' | 'deprecated';

const step: Record<Variant, string> = {
  unpatched: NEW_STEP,
  patched: `if (patched('${PATCH_ID}')) ${NEW_STEP}`,
  deprecated: `deprecatePatch('${PATCH_ID}');\n  ${NEW_STEP}`,
};

function replaceOnce(source: string, anchor: string, replacement: string): string {
  const at = source.indexOf(anchor);
  if (at < 0 || source.indexOf(anchor, at + 1) >= 0) {
    throw new Error(`anchor ${JSON.stringify(anchor)} must occur exactly once in ${workflowSource}; update test/replay/workflow-variants.ts`);
  }
  return source.slice(0, at) + replacement + source.slice(at + anchor.length);
}

/** The workflow source with the new step inserted right after the rotation enters `deleting`. */
export function variantSource(variant: Variant): string {
  let source = readFileSync(workflowSource, 'utf8');
  source = replaceOnce(source, "  enter('deleting');\n", `  enter('deleting');\n  ${step[variant]}\n`);
  // add whichever of the two the workflow does not import already
  const imports = source.slice(0, source.indexOf("} from '@temporalio/workflow';"));
  const missing = ['patched', 'deprecatePatch'].filter((name) => !new RegExp(`\\b${name},`).test(imports));
  source = replaceOnce(source, "} from '@temporalio/workflow';", `${missing.map((name) => `  ${name},\n`).join('')}} from '@temporalio/workflow';`);
  // the copy lives outside src/: point its relative imports back at the real modules
  return source.replace(/from '\.\.\//g, `from '${path.join(projectRoot, 'src')}/`);
}

/** Bundles a variant from a temporary folder; webpack resolves packages from the project's node_modules. */
export async function bundleVariant(variant: Variant): Promise<WorkflowBundleWithSourceMap> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `rotator-variant-${variant}-`));
  try {
    const file = path.join(dir, 'rotate-credential.ts');
    writeFileSync(file, variantSource(variant));
    return await bundleWorkflowCode({
      workflowsPath: file,
      ...workflowBundleOptions,
      logger: quietLogger,
      webpackConfigHook: (config) => ({
        ...config,
        resolve: { ...config.resolve, modules: [...(config.resolve?.modules ?? []), path.join(projectRoot, 'node_modules')] },
      }),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
