#!/usr/bin/env node
// In a checkout, run the TypeScript sources through tsx; in a build without sources, the compiled lib/.
const path = require('node:path');
const fs = require('node:fs');
const source = path.join(__dirname, '..', 'src', 'client.ts');
if (fs.existsSync(source)) {
  require('tsx/cjs');
  require(source).main();
} else {
  require(path.join(__dirname, '..', 'lib', 'client.js')).main();
}
