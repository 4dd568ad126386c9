#!/usr/bin/env node
// Part of `npm run build`: bundles the compiled workflows (lib/workflows) once, so a worker started from lib/ loads
// lib/workflow-bundle.js instead of running webpack in-process at every start (seconds of CPU, ~100 MiB it keeps).
// Usage: node scripts/bundle-workflows.js [compiled dir, default lib/]
const path = require('node:path');
const fs = require('node:fs');
const { bundleWorkflowCode } = require('@temporalio/worker');

const lib = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'lib'));
const noop = () => undefined;

bundleWorkflowCode({
  workflowsPath: path.join(lib, 'workflows', 'index.js'),
  // the failure converter runs inside the sandbox: it must be in the bundle (see src/codec/data-converter.ts)
  failureConverterPath: path.join(lib, 'codec', 'failure-converter.js'),
  preloadModules: require(path.join(lib, 'workflow-bundling.js')).WORKFLOW_PRELOAD_MODULES,
  logger: { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop },
}).then(
  ({ code }) => {
    fs.writeFileSync(path.join(lib, 'workflow-bundle.js'), code);
    console.log(`${path.relative(process.cwd(), path.join(lib, 'workflow-bundle.js'))}: ${(code.length / 2 ** 20).toFixed(1)} MiB`);
  },
  (err) => {
    console.error(`bundling the workflows failed: ${err.message}`);
    process.exit(1);
  },
);
