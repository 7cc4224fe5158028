#!/usr/bin/env node
'use strict';
/**
 * Builds the Angular portal into dist/ui (part of `npm run build`), unless the sources are
 * unchanged since the last build: a digest of every input file is kept next to the output,
 * so `npm test` and `npm start` pay for `ng build` only after a change to angular-ui/.
 * `--force` builds anyway.
 */
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const ui = join(root, 'angular-ui');
const out = join(root, 'dist', 'ui');
const stamp = join(out, '.inputs.sha256');
const INPUTS = [
  'src',
  'public',
  'angular.json',
  'package.json',
  'tsconfig.json',
  'tsconfig.app.json',
];

function files(path) {
  if (!existsSync(path)) return [];
  return readdirSync(path, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.spec.ts'))
    .map((e) => join(e.parentPath, e.name));
}

function digest() {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    const path = join(ui, input);
    const list = existsSync(path) && !input.includes('.') ? files(path) : [path];
    for (const file of list.filter(existsSync).sort()) {
      hash.update(relative(ui, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex');
}

function main() {
  if (!existsSync(join(ui, 'angular.json'))) return; // a checkout without the portal
  const want = digest();
  const force = process.argv.includes('--force');
  if (!force && existsSync(join(out, 'browser', 'index.html')) && existsSync(stamp)) {
    if (readFileSync(stamp, 'utf8').trim() === want) return;
  }
  const ng = join(ui, 'node_modules', '.bin', process.platform === 'win32' ? 'ng.cmd' : 'ng');
  const bin = existsSync(ng) ? ng : join(root, 'node_modules', '.bin', 'ng');
  const result = spawnSync(bin, ['build', '--progress=false'], {
    cwd: ui,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, NG_CLI_ANALYTICS: 'false' },
  });
  if (result.status !== 0) {
    console.error('build-ui: ng build failed');
    process.exit(result.status ?? 1);
  }
  writeFileSync(stamp, want + '\n');
}

main();
