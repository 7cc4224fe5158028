'use strict';
// `npm run nekzus` builds first, so the CLI never runs stale code; tsc -b skips what is up to date.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const tsc = join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc');
const result = spawnSync(
  process.execPath,
  [tsc, '-b', join(__dirname, '..', 'tsconfig.build.json')],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
