#!/usr/bin/env -S node --
// The `metaorch` command. CommonJS on purpose: `--version` is answered before Node starts its ES
// module loader (20-40 ms, a third of the whole answer); everything else is the program in
// dist/bin/metaorch.js (the bundle of dist/cli/main.js: scripts/bundle.mjs), which reads the same arguments. `node --`: see dist/cli/main.js.
'use strict';
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const { readFileSync } = require('node:fs');
  const { join } = require('node:path');
  process.stdout.write(`${JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version}\n`);
} else {
  import('../dist/bin/metaorch.js').catch((error) => {
    process.stderr.write(`metaorch: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  });
}
