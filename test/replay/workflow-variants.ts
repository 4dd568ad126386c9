/**
 * The edit a developer would make to the workflow's deleting phase (src/workflows/phases.ts), applied to a temporary
 * copy of src/workflows and bundled, so tests can show which edits old histories accept. The new step re-reads the
 * source credential just before the old one is deleted (a plausible safety check added later).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowBundleOptions } from '../../src/workflow-bundling';

const projectRoot = path.resolve(__dirname, '../..');
const workflowsDir = path.join(projectRoot, 'src/workflows');
const workflowSource = path.join(workflowsDir, 'phases.ts');

export const PATCH_ID = 'recheck-source-before-delete';
const NEW_STEP = 'await this.source.inspectSource({ source });';

/** How the new step is introduced: as is, behind `patched()`, or after `deprecatePatch()` (the three stages). */
export type Variant = 'unpatched' | 'patched' | 'deprecated';

const step: Record<Variant, string> = {
  unpatched: NEW_STEP,
  patched: `if (patched('${PATCH_ID}')) ${NEW_STEP}`,
  deprecated: `deprecatePatch('${PATCH_ID}');\n    ${NEW_STEP}`,
};

function replaceOnce(source: string, anchor: string, replacement: string): string {
  const at = source.indexOf(anchor);
  if (at < 0 || source.indexOf(anchor, at + 1) >= 0) {
    throw new Error(`anchor ${JSON.stringify(anchor)} must occur exactly once in ${workflowSource}; update test/replay/workflow-variants.ts`);
  }
  return source.slice(0, at) + replacement + source.slice(at + anchor.length);
}

/** The phases' source with the new step inserted right after the rotation enters `deleting`. */
export function variantSource(variant: Variant): string {
  let source = readFileSync(workflowSource, 'utf8');
  source = replaceOnce(source, "    this.rotation.enter('deleting');\n", `    this.rotation.enter('deleting');\n    ${step[variant]}\n`);
  // add whichever of the two the phases do not import already
  const imports = source.slice(0, source.indexOf("} from '@temporalio/workflow';"));
  const missing = ['patched', 'deprecatePatch'].filter((name) => !new RegExp(`\\b${name}\\b`).test(imports));
  return replaceOnce(source, "} from '@temporalio/workflow';", `${missing.map((name) => `, ${name}`).join('')} } from '@temporalio/workflow';`);
}

/** The copy lives outside src/: its imports of other src/ folders point back at the real modules. */
const rebased = (source: string) => source.replace(/from '\.\.\//g, `from '${path.join(projectRoot, 'src')}/`);

/** Bundles a variant from a temporary folder; webpack resolves packages from the project's node_modules. */
export async function bundleVariant(variant: Variant): Promise<WorkflowBundleWithSourceMap> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `rotator-variant-${variant}-`));
  try {
    for (const file of readdirSync(workflowsDir).filter((f) => f.endsWith('.ts'))) {
      const source = file === path.basename(workflowSource) ? variantSource(variant) : readFileSync(path.join(workflowsDir, file), 'utf8');
      writeFileSync(path.join(dir, file), rebased(source));
    }
    return await bundleWorkflowCode({
      workflowsPath: path.join(dir, 'index.ts'),
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
