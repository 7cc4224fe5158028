import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/gateway-harness';

const BIN = join(__dirname, '..', 'bin', 'nekzus.js');

/** What a command that does not run the gateway must not load (each costs tens of MB and ~0.5 s). */
const HEAVY = {
  nest: '/node_modules/@nestjs/core/',
  typeorm: '/node_modules/typeorm/',
  kurrentdb: '/node_modules/@kurrent/kurrentdb-client/',
  gateway: '/apps/gateway/src/composition.js',
};

/**
 * The built CLI (`bin/nekzus.js`, dist/) with a preload that writes, when the process exits,
 * every CommonJS module it has loaded, however it was loaded (`require` or `import()`).
 */
describe('the nekzus CLI loads what a command needs when it runs', () => {
  let work: string;
  let preload: string;
  let h: Harness;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'nekzus-cli-startup-'));
    preload = join(work, 'record-modules.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(process.env.NEKZUS_MODULES_OUT, Object.keys(require.cache).join('\\n')));\n`,
    );
    h = await startHarness();
    for (let i = 0; i < 3; i++)
      await h.call('POST', '/api/v1/routes', {
        routeId: `s${i}`,
        appId: 's',
        pathBase: `/apps/s${i}/`,
        to: 'http://10.0.0.3',
      });
  });

  afterAll(async () => {
    await h.stop();
    rmSync(work, { recursive: true, force: true });
  });

  let runs = 0;
  function modulesOf(
    args: string[],
    env: Record<string, string> = {},
  ): Promise<{ code: number; stdout: string; stderr: string; modules: string[] }> {
    const out = join(work, `modules-${++runs}.txt`);
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        ['--require', preload, BIN, ...args],
        { env: { ...process.env, ...env, NEKZUS_MODULES_OUT: out }, timeout: 30_000 },
        (error, stdout, stderr) => {
          if (error && typeof error.code !== 'number') {
            reject(new Error(`nekzus ${args.join(' ')}: ${error.message}`));
            return;
          }
          resolve({
            code: typeof error?.code === 'number' ? error.code : 0,
            stdout,
            stderr,
            modules: readFileSync(out, 'utf8').split('\n'),
          });
        },
      );
    });
  }

  const heavyIn = (modules: string[]) =>
    Object.entries(HEAVY)
      .filter(([, path]) => modules.some((m) => m.includes(path)))
      .map(([name]) => name);

  it("--help, a command's --help and a usage error load none of Nest, TypeORM, KurrentDB, the gateway", async () => {
    const help = await modulesOf(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('audit');
    expect(heavyIn(help.modules)).toEqual([]);
    // Nothing that reads the log either.
    expect(help.modules.some((m) => m.includes('/node_modules/better-sqlite3/'))).toBe(false);

    const auditHelp = await modulesOf(['audit', 'replay', '--help']);
    expect(auditHelp.code).toBe(0);
    expect(auditHelp.stdout).toContain('--format');
    expect(heavyIn(auditHelp.modules)).toEqual([]);

    const usage = await modulesOf(['-d', h.dataDir, 'audit', 'replay', '--since', 'yesterday']);
    expect(usage.code).toBe(2);
    expect(heavyIn(usage.modules)).toEqual([]);
  });

  it('audit verify, replay and at, events stats and tail read the log without them', async () => {
    const verify = await modulesOf(['-d', h.dataDir, 'audit', 'verify', '--json']);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ intact: true });
    expect(heavyIn(verify.modules)).toEqual([]);
    // The probe sees what a command loads when it runs.
    expect(verify.modules.some((m) => m.includes('/node_modules/better-sqlite3/'))).toBe(true);

    const cases: [string[], string][] = [
      [['audit', 'replay', '--format', 'ndjson'], '"action":"route.added"'],
      [['audit', 'at', new Date().toISOString(), '--format', 'json'], '"id":"s2"'],
      [['events', 'stats', '--json'], '"RouteAdded":3'],
      [['events', 'tail', '-n', '2'], 'route-s2'],
    ];
    for (const [args, expected] of cases) {
      const run = await modulesOf(['-d', h.dataDir, ...args]);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout, args.join(' ')).toContain(expected);
      expect(heavyIn(run.modules), args.join(' ')).toEqual([]);
    }
  });

  it('pair finds the gateway from NEKZUS_ADDR without loading the gateway or Nest', async () => {
    // A port nothing listens on: the command gets as far as asking, and says so.
    const pair = await modulesOf(['-d', h.dataDir, 'pair'], { NEKZUS_ADDR: '127.0.0.1:9' });
    expect(pair.code).toBe(1);
    expect(pair.stderr).toContain('no gateway answers at http://127.0.0.1:9');
    expect(heavyIn(pair.modules)).toEqual([]);
  });

  it("projections status loads TypeORM (its read models are TypeORM's) and nothing heavier", async () => {
    const status = await modulesOf(['-d', h.dataDir, 'projections', 'status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ head: Number(await h.head()) });
    expect(heavyIn(status.modules)).toEqual(['typeorm']);
  });
});
