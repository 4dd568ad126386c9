#!/usr/bin/env node
// Part of `npm run build`: bundles the compiled workflows (lib/workflows) once, so a worker started from lib/ loads
// lib/workflow-bundle.js instead of running webpack in-process at every start (seconds of CPU, ~100 MiB it keeps).
// Beside it, lib/workflow-bundle.json records the compiled files it was made from; the worker refuses a mismatch.
// Usage: node scripts/bundle-workflows.js [compiled dir, default lib/]
const path = require('node:path');
const fs = require('node:fs');
const { bundleWorkflowCode } = require('@temporalio/worker');

const lib = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'lib'));
const { WORKFLOW_BUNDLE_FILE, WORKFLOW_BUNDLE_MANIFEST, workflowBundleOptions, workflowBundleSources } = require(path.join(lib, 'workflow-bundling.js'));
const noop = () => undefined;

// an old bundle must not outlive a failed bundling
for (const file of [WORKFLOW_BUNDLE_FILE, WORKFLOW_BUNDLE_MANIFEST]) fs.rmSync(path.join(lib, file), { force: true });

bundleWorkflowCode({
  workflowsPath: path.join(lib, 'workflows', 'index.js'),
  ...workflowBundleOptions,
  logger: { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop },
}).then(
  ({ code }) => {
    fs.writeFileSync(path.join(lib, WORKFLOW_BUNDLE_FILE), code);
    fs.writeFileSync(path.join(lib, WORKFLOW_BUNDLE_MANIFEST), `${JSON.stringify({ sources: workflowBundleSources(lib) }, null, 2)}\n`);
    console.log(`${path.relative(process.cwd(), path.join(lib, WORKFLOW_BUNDLE_FILE))}: ${(code.length / 2 ** 20).toFixed(1)} MiB`);
  },
  (err) => {
    console.error(`bundling the workflows failed: ${err.message}`);
    process.exit(1);
  },
);
