#!/usr/bin/env node
'use strict';
/**
 * `npm test`: builds (the event writer runs from the compiled worker file), runs Vitest with a
 * JSON report, and ends with one line `N passed, N failed` computed from that report, so that
 * a run which executed no test is visible as one. Extra arguments go to Vitest
 * (`npm test -- libs/event-store`).
 */
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, readFileSync, rmSync } = require('node:fs');
const { dirname, join } = require('node:path');

const root = join(__dirname, '..');
const report = join(root, '.vitest-reports', 'results.json');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command, args) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.error)
    return { ok: false, why: `${command} could not start: ${result.error.message}` };
  if (result.signal)
    return { ok: false, why: `${command} was killed by ${result.signal}`, seconds };
  return { ok: result.status === 0, status: result.status, seconds };
}

function finish(passed, failed, problems) {
  for (const problem of problems) console.error(`npm test: ${problem}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = problems.length > 0 || failed > 0 ? 1 : 0;
}

function main() {
  const build = run(npm, ['run', '--silent', 'build']);
  if (!build.ok) return finish(0, 0, [`the build failed (${build.why ?? `exit ${build.status}`})`]);

  rmSync(report, { force: true });
  mkdirSync(dirname(report), { recursive: true });
  const vitest = run(npx, [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ]);

  if (!existsSync(report)) {
    return finish(0, 0, [
      `Vitest wrote no report (${vitest.why ?? `exit ${vitest.status}`}): no test ran`,
    ]);
  }

  let results;
  try {
    results = JSON.parse(readFileSync(report, 'utf8'));
  } catch (error) {
    return finish(0, 0, [`the Vitest report ${report} is unreadable: ${error.message}`]);
  }

  const files = Array.isArray(results.testResults) ? results.testResults : [];
  let passed = 0;
  let failed = 0;
  const brokenFiles = [];
  for (const file of files) {
    const assertions = Array.isArray(file.assertionResults) ? file.assertionResults : [];
    passed += assertions.filter((a) => a.status === 'passed').length;
    const failedHere = assertions.filter((a) => a.status === 'failed').length;
    failed += failedHere;
    // A file that fails before its tests run (an import error, a throwing hook) reports no
    // failed test; count it as one failure so the closing line cannot read "0 failed".
    if (file.status === 'failed' && failedHere === 0) {
      failed += 1;
      brokenFiles.push(`${file.name}: ${(file.message || 'failed').split('\n')[0]}`);
    }
  }

  const problems = brokenFiles.map((b) => `test file failed outside its tests: ${b}`);
  // The portal's unit tests (Vitest under `ng test`, jsdom), counted from their own report.
  const angular = runAngularTests();
  passed += angular.passed;
  failed += angular.failed;
  problems.push(...angular.problems);
  if (passed + failed === 0) problems.push('no test ran');
  if (!vitest.ok && failed === 0) {
    problems.push(
      `Vitest failed although no test did (${vitest.why ?? `exit ${vitest.status}`}): see its output above`,
    );
  }
  // Lint and formatting are part of the suite: a type-checked lint error is a defect like a
  // failing test. Skipped when a path filter narrows the run (a developer's quick loop).
  let checks = '';
  if (process.argv.length <= 2) {
    const lint = run(npx, ['eslint', '.', '--max-warnings', '0']);
    if (!lint.ok)
      problems.push(`eslint found problems (${lint.why ?? `exit ${lint.status}`}): see above`);
    const format = run(npx, ['prettier', '--check', '.', '--log-level', 'warn']);
    if (!format.ok)
      problems.push(`prettier found unformatted files (run "npm run format"): see above`);
    checks = `, eslint ${lint.seconds}s, prettier ${format.seconds}s`;
  }
  console.error(
    `npm test: build ${build.seconds}s, vitest ${vitest.seconds ?? '?'}s, ng test ${angular.seconds ?? '-'}s${checks}`,
  );
  return finish(passed, failed, problems);
}

/**
 * `ng test` in angular-ui with a JSON report; skipped when a path filter narrows the run to
 * other tests. A report that is missing or lists no test counts as a failure.
 */
function runAngularTests() {
  const none = { passed: 0, failed: 0, problems: [] };
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  if (filters.length > 0 && !filters.some((f) => f.startsWith('angular-ui'))) return none;
  const ui = join(root, 'angular-ui');
  if (!existsSync(join(ui, 'angular.json'))) return none;
  const angularReport = join(root, '.vitest-reports', 'angular.json');
  rmSync(angularReport, { force: true });
  const started = Date.now();
  const result = spawnSync(
    npx,
    [
      'ng',
      'test',
      '--watch=false',
      '--reporters=json',
      '--reporters=default',
      `--output-file=${angularReport}`,
    ],
    { cwd: ui, stdio: 'inherit', env: { ...process.env, NG_CLI_ANALYTICS: 'false' } },
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (!existsSync(angularReport))
    return {
      passed: 0,
      failed: 1,
      seconds,
      problems: [`ng test wrote no report (exit ${result.status})`],
    };
  let report;
  try {
    report = JSON.parse(readFileSync(angularReport, 'utf8'));
  } catch (error) {
    return {
      passed: 0,
      failed: 1,
      seconds,
      problems: [`the ng test report is unreadable: ${error.message}`],
    };
  }
  const passed = Number(report.numPassedTests) || 0;
  let failed = Number(report.numFailedTests) || 0;
  const problems = [];
  if (result.status !== 0 && failed === 0) {
    failed = 1;
    problems.push(`ng test failed although no test did (exit ${result.status}): see above`);
  }
  if (passed + failed === 0) problems.push('ng test ran no test');
  return { passed, failed, seconds, problems };
}

main();
