#!/usr/bin/env node
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(
    'nekzus: not built yet; run "npm run build" (or use "npm run nekzus -- ...")\n',
  );
  process.exit(1);
}
const { main } = require(entry);
main(process.argv).then((code) => {
  if (!process.argv.slice(2).includes('serve')) process.exit(code);
});
