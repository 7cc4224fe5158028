import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paths } from '../apps/gateway/src/composition';
import { startHarness, type Harness } from './support/gateway-harness';

const BIN = join(__dirname, '..', 'bin', 'nekzus.js');

function nekzus(
  args: string[],
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`nekzus ${args.join(' ')} timed out:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the nekzus CLI on a live data dir', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    for (let i = 0; i < 12; i++)
      await h.call('POST', '/api/v1/routes', {
        routeId: `r${i}`,
        appId: `a${i % 3}`,
        pathBase: `/apps/r${i}/`,
        to: 'http://10.0.0.2',
      });
  });
  afterAll(async () => {
    await h.stop();
  });

  it('events tail shows the newest events as a table, or NDJSON with --json, filtered by type', async () => {
    const table = await nekzus(['--data-dir', h.dataDir, 'events', 'tail', '-n', '3']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^POSITION\s+RECORDED\s+STREAM\s+TYPE\s+ACTOR\s+DATA$/);
    expect(lines).toHaveLength(5);
    const json = await nekzus([
      '-d',
      h.dataDir,
      'events',
      'tail',
      '--json',
      '--type',
      'AppRegistered',
      '-n',
      '100',
    ]);
    const events = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; stream: string });
    expect(events.map((e) => e.stream)).toEqual(['app-a0', 'app-a1', 'app-a2']);
  });

  it('events tail --follow prints events appended while it runs', async () => {
    const child = spawn(
      process.execPath,
      [BIN, '-d', h.dataDir, 'events', 'tail', '-f', '--json', '-n', '0', '--stream', 'route-late'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // The CLI needs a moment to start; keep appending until it has printed one.
    for (let i = 0; i < 60 && !out.includes('RouteAdded'); i++) {
      await h.call('POST', '/api/v1/routes', {
        routeId: `late-${i}`,
        appId: 'late',
        pathBase: `/apps/late-${i}/`,
        to: 'http://x',
      });
      await new Promise((r) => setTimeout(r, 250));
    }
    child.kill('SIGINT');
    const printed = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { stream: string; type: string });
    expect(printed.length).toBeGreaterThan(0);
    for (const e of printed)
      expect(e).toMatchObject({
        stream: expect.stringMatching(/^route-late-/),
        type: 'RouteAdded',
      });
  });

  it('events stats and projections status report counts and lag', async () => {
    const stats = JSON.parse(
      (await nekzus(['-d', h.dataDir, 'events', 'stats', '--json'])).stdout,
    ) as { events: number; types: Record<string, number> };
    expect(stats.types['RouteAdded']).toBeGreaterThanOrEqual(12);
    expect(stats.events).toBe(Number(await h.head()));
    const status = JSON.parse(
      (await nekzus(['-d', h.dataDir, 'projections', 'status', '--json'])).stdout,
    ) as {
      head: number;
      projections: { name: string; lag: number }[];
    };
    expect(status.projections).toEqual([
      expect.objectContaining({ name: 'routing', lag: 0 }),
      expect.objectContaining({ name: 'audit', lag: 0 }),
      expect.objectContaining({ name: 'activity', lag: 0 }),
    ]);
  });

  it('projections rebuild replays the log while the gateway runs, and the API still answers the same', async () => {
    const before = (await h.call('GET', '/api/v1/routes')).body as unknown[];
    const run = await nekzus(['-d', h.dataDir, 'projections', 'rebuild', 'routing']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^rebuilt routing: \d+ events in [\d.]+ s/);
    expect((await h.call('GET', '/api/v1/routes')).body).toEqual(before);
    const unknown = await nekzus(['-d', h.dataDir, 'projections', 'rebuild', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no projection named "nope"; known: routing, audit');
  });

  it('audit verify passes an intact chain and names the first edited event', async () => {
    const ok = await nekzus(['-d', h.dataDir, 'audit', 'verify']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^chain intact: \d+ events, head [0-9a-f]{64} at position \d+\n$/);

    await h.stop({ keepData: true });
    const db = new Database(paths(h.dataDir).events);
    db.exec('DROP TRIGGER events_refuse_update');
    const { position } = db
      .prepare(`SELECT position FROM events WHERE stream = 'route-r2'`)
      .get() as { position: number };
    expect(
      db
        .prepare(`UPDATE events SET data = replace(data, '10.0.0.2', '6.6.6.6') WHERE position = ?`)
        .run(position).changes,
    ).toBe(1);
    db.close();
    const broken = await nekzus(['-d', h.dataDir, 'audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(
      `chain BROKEN at position ${position}: its content does not match its hash`,
    );
    h = await startHarness(h.dataDir);
  });

  it('says clearly when there is no data dir, with a non-zero exit', async () => {
    const r = await nekzus(['-d', '/nonexistent/nekzus', 'events', 'tail']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^nekzus: no event store at \/nonexistent\/nekzus\/events.db/);
    const bad = await nekzus(['-d', h.dataDir, 'events', 'tail', '-n', 'many']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--limit must be a whole number');
  });
});

describe('nekzus config', () => {
  it('validate lists every error with file:line:column and exits 1; a good file exits 0', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'nekzus-cfg-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'server:\n  addr: 8080\nroutes:\n  - id: a\n    path_base: apps/a\n    to: ftp://x\n    stripPrefix: true\n',
    );
    const r = await nekzus(['config', 'validate', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${bad}:2:9: server.addr: expected a string, found 8080`);
    expect(r.stderr).toContain(
      `error: ${bad}:5:16: routes[0].path_base: expected a path starting with "/", found "apps/a"`,
    );
    expect(r.stderr).toContain(
      `error: ${bad}:6:9: routes[0].to: expected an http:// or https:// URL, found "ftp://x"`,
    );
    expect(r.stderr).toMatch(
      /warning: .*:7:5: routes\[0\]\.stripPrefix: unknown key, ignored; did you mean "strip_prefix"\?/,
    );
    const good = join(dir, 'good.yaml');
    writeFileSync(
      good,
      'server:\n  addr: ":9000"\nauth:\n  hs256_secret: "0123456789abcdef0123456789abcdef-long"\n',
    );
    const ok = await nekzus(['config', 'validate', good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`${good}: valid\n`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('print --effective applies the environment and masks secrets', async () => {
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'config', 'print', '--effective', '--json'], {
        env: {
          ...process.env,
          NEKZUS_ADDR: ':7777',
          NEKZUS_JWT_SECRET: 'a-very-long-secret-value-of-forty-characters!',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('exit', (code) => resolve({ code, stdout }));
    });
    expect(r.code).toBe(0);
    const config = JSON.parse(r.stdout) as {
      server: { addr: string };
      auth: Record<string, unknown>;
    };
    expect(config.server.addr).toBe(':7777');
    expect(JSON.stringify(config)).not.toContain('a-very-long-secret');
    expect(JSON.stringify(config.auth)).toContain('***');
  });
});
