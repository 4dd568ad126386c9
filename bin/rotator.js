#!/usr/bin/env node
// In a checkout, run the TypeScript sources through tsx; in a build without sources, or with ROTATOR_USE_BUILD=1 (or true)
// (after `npm run build`), the compiled lib/ and its prebuilt workflow bundle: no tsx, no webpack in the process.
const path = require('node:path');
const fs = require('node:fs');
const source = path.join(__dirname, '..', 'src', 'client.ts');
const compiled = path.join(__dirname, '..', 'lib', 'client.js');
const useBuild = ['1', 'true'].includes(process.env.ROTATOR_USE_BUILD ?? '');
if (useBuild && !fs.existsSync(compiled)) {
  console.error('ROTATOR_USE_BUILD=1 but lib/client.js is missing: run `npm run build` first');
  process.exit(2);
}
if (fs.existsSync(source) && !useBuild) {
  require('tsx/cjs');
  require(source).main();
} else {
  require(compiled).main();
}
