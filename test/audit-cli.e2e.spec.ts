import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReadModelDatabase } from '#libs/projections';
import { main } from '../apps/cli/src/main';
import { paths, readModelContributions } from '../apps/gateway/src/composition';
import { startHarness, type Harness } from './support/gateway-harness';

const BIN = join(__dirname, '..', 'bin', 'nekzus.js');

function nekzus(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`nekzus ${args.join(' ')} timed out:\n${stdout}\n${stderr}`));
    }, 25_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The same CLI in this process (its start costs a second or more per spawn on a busy
 * machine); stdout and stderr are captured. Spawned runs are kept where a separate process
 * matters: reading while the gateway writes, following until a signal.
 */
let turn: Promise<unknown> = Promise.resolve();
/** One in-process run at a time: the capture is process-wide. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = turn.then(() => cliNow(args));
  turn = run.catch(() => undefined);
  return run;
}

async function cliNow(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = (chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  };
  process.stderr.write = (chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  };
  let code: number;
  try {
    code = await main(['node', 'nekzus', ...args]);
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
    process.exitCode = undefined;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const ndjson = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, any>);

async function dumpReadModels(dataDir: string): Promise<string> {
  const contributions = readModelContributions();
  const db = await ReadModelDatabase.open(paths(dataDir).readModels, contributions);
  try {
    return await db.dump(contributions.flatMap((c) => c.projections.flatMap((p) => p.tables)));
  } finally {
    await db.close();
  }
}

describe('nekzus audit on a data dir', () => {
  let h: Harness;
  const dirs: string[] = [];
  let middle: string;

  beforeAll(async () => {
    h = await startHarness();
    for (let i = 0; i < 6; i++)
      await h.call(
        'POST',
        '/api/v1/routes',
        { routeId: `r${i}`, appId: `a${i % 2}`, pathBase: `/apps/r${i}/`, to: 'http://10.0.0.2' },
        { 'x-request-id': `req-${i}` },
      );
    await new Promise((r) => setTimeout(r, 5));
    middle = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await h.call('PATCH', '/api/v1/routes/r0', { to: 'http://10.0.0.9' });
    await h.call('DELETE', '/api/v1/apps/a1', undefined, { 'x-request-id': 'drop-a1' });
  });

  afterAll(async () => {
    await h.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('replay gives the whole log as NDJSON, consistent while the gateway keeps writing', async () => {
    let writing = true;
    let written = 0;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await h.call('POST', '/api/v1/routes', {
          routeId: `busy-${i}`,
          appId: 'busy',
          pathBase: `/apps/busy-${i}/`,
          to: 'http://10.0.0.3',
        });
        written += 1;
      }
    })();
    try {
      const [replay, verify] = await Promise.all([
        nekzus(['-d', h.dataDir, 'audit', 'replay', '--format', 'ndjson']),
        nekzus(['-d', h.dataDir, 'audit', 'verify']),
      ]);
      expect(replay.code).toBe(0);
      expect(replay.stderr).toBe('');
      const entries = ndjson(replay.stdout);
      expect(entries.map((e) => e['position'] as number)).toEqual(entries.map((_, i) => i + 1));
      expect(entries.find((e) => e['target'].id === 'r3')).toMatchObject({
        action: 'route.added',
        actor: { kind: 'admin', id: 'local' },
        outcome: 'success',
        sourceIp: '127.0.0.1',
        correlationId: 'req-3',
        details: { route: { routeId: 'r3' } },
      });
      expect(verify.code).toBe(0);
      expect(verify.stdout).toMatch(/^chain intact: \d+ events/);
    } finally {
      writing = false;
      await writer;
    }
    expect(written).toBeGreaterThan(0);
  });

  it('replay filters, and prints a table, CSV or a JSON array', async () => {
    const [removed, byStream, table, untilRun] = await Promise.all([
      cli(['-d', h.dataDir, 'audit', 'replay', '--format', 'json', '--action', 'route.removed']),
      cli(['-d', h.dataDir, 'audit', 'replay', '--stream', 'route-r0', '--format', 'csv']),
      cli(['-d', h.dataDir, 'audit', 'replay', '--correlation', 'req-2']),
      cli([
        '-d',
        h.dataDir,
        'audit',
        'replay',
        '--until',
        middle,
        '--format',
        'ndjson',
        '--type',
        'RouteChanged',
      ]),
    ]);
    const list = JSON.parse(removed.stdout) as { target: { id: string }; correlationId: string }[];
    expect(list.map((e) => [e.target.id, e.correlationId])).toEqual([
      ['r1', 'drop-a1'],
      ['r3', 'drop-a1'],
      ['r5', 'drop-a1'],
    ]);
    const lines = byStream.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^position,time,actor_kind,actor_id,/);
    expect(lines.slice(1).map((l) => l.split(',')[5])).toEqual(['route.added', 'route.changed']);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^POSITION\s+TIME\s+ACTOR\s+ACTION\s+TARGET\s+OUTCOME\s+SOURCE$/,
    );
    expect(table.stdout).toMatch(/route\.added\s+route:r2\s+ok\s+127\.0\.0\.1/);
    const until = ndjson(untilRun.stdout);
    expect(until).toEqual([]);
  });

  it('replay --follow prints entries for events appended while it runs', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        '-d',
        h.dataDir,
        'audit',
        'replay',
        '--follow',
        '--format',
        'ndjson',
        '--stream',
        'route-followed',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    for (let i = 0; i < 60 && !out.includes('route-followed'); i++) {
      await h.call('POST', '/api/v1/routes', {
        routeId: `followed-${i}`,
        appId: 'followed',
        pathBase: `/apps/followed-${i}/`,
        to: 'http://x',
      });
      await new Promise((r) => setTimeout(r, 200));
    }
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    await exited;
    const printed = ndjson(out);
    expect(printed.length).toBeGreaterThan(0);
    for (const e of printed)
      expect(e).toMatchObject({
        action: 'route.added',
        stream: expect.stringMatching(/^route-followed-/),
      });
  });

  it('at and diff fold the state from the log; at equals the state the API folds', async () => {
    const [at, table, diffRun] = await Promise.all([
      cli(['-d', h.dataDir, 'audit', 'at', middle, '--format', 'json']),
      cli(['-d', h.dataDir, 'audit', 'at', middle]),
      cli(['-d', h.dataDir, 'audit', 'diff', middle, new Date().toISOString(), '--format', 'json']),
    ]);
    expect(at.code).toBe(0);
    const state = JSON.parse(at.stdout);
    expect(state.routes.map((r: { id: string }) => r.id)).toEqual([
      'r0',
      'r1',
      'r2',
      'r3',
      'r4',
      'r5',
    ]);
    expect(state.routes[0].spec.to).toBe('http://10.0.0.2');
    expect(state).toEqual((await h.call('GET', `/api/v1/audit/state?at=${middle}`)).body);
    expect(table.stdout).toContain('ROUTES (6)');
    const diff = JSON.parse(diffRun.stdout);
    const changes = diff.changes as {
      kind: string;
      entity: string;
      id: string;
      fields?: string[];
    }[];
    expect(changes).toContainEqual({ kind: 'changed', entity: 'route', id: 'r0', fields: ['to'] });
    expect(changes).toContainEqual({ kind: 'removed', entity: 'app', id: 'a1' });
    for (const id of ['r1', 'r3', 'r5'])
      expect(changes).toContainEqual({ kind: 'removed', entity: 'route', id });
  });

  it('trace shows the events of one request', async () => {
    const [trace, unknown] = await Promise.all([
      cli(['-d', h.dataDir, 'audit', 'trace', 'drop-a1', '--format', 'json']),
      cli(['-d', h.dataDir, 'audit', 'trace', 'no-such-request']),
    ]);
    expect(trace.code).toBe(0);
    const lines = JSON.parse(trace.stdout) as { action: string; correlationId: string }[];
    expect(lines.map((l) => l.action).sort()).toEqual([
      'app.removed',
      'route.removed',
      'route.removed',
      'route.removed',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no event and no correlation with id "no-such-request"');
  });

  it('export, then import into an empty dir: the same chain and the same read models', async () => {
    const work = mkdtempSync(join(tmpdir(), 'nekzus-audit-export-'));
    dirs.push(work);
    const file = join(work, 'backup.ndjson');
    // Stopped, so that the live read models are at the exported head.
    await h.stop({ keepData: true });
    const restored = join(work, 'restored');
    let summary: { events: number; headHash: string; headPosition: number };
    try {
      const exported = await cli(['-d', h.dataDir, 'audit', 'export', '--out', file, '--json']);
      expect(exported.code).toBe(0);
      summary = JSON.parse(exported.stdout);
      const imported = await cli(['-d', restored, 'events', 'import', file, '--json']);
      expect(imported.stderr).toBe('');
      expect(imported.code).toBe(0);
      expect(JSON.parse(imported.stdout)).toMatchObject({
        events: summary.events,
        headHash: summary.headHash,
        rebuilt: ['routing', 'audit', 'activity'],
      });
      expect(await dumpReadModels(restored)).toBe(await dumpReadModels(h.dataDir));
    } finally {
      h = await startHarness(h.dataDir);
    }
    const verify = await cli([
      '-d',
      restored,
      'audit',
      'verify',
      '--expect-head',
      summary.headHash,
    ]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain(`head ${summary.headHash} at position ${summary.headPosition}`);

    // A tampered or cut-short export is refused, and leaves the target dir empty.
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const tampered = join(work, 'tampered.ndjson');
    const victim = lines.findIndex((l) => l.includes('"RouteAdded"'));
    const position = JSON.parse(lines[victim]!).position as number;
    writeFileSync(
      tampered,
      lines.map((l, i) => (i === victim ? l.replace('10.0.0.2', '6.6.6.6') : l)).join('\n'),
    );
    const cut = join(work, 'cut.ndjson');
    writeFileSync(cut, lines.slice(0, -3).join('\n'));
    const [bad, short, again] = await Promise.all([
      cli(['-d', join(work, 'bad'), 'events', 'import', tampered]),
      cli(['-d', join(work, 'short'), 'events', 'import', cut]),
      cli(['-d', restored, 'events', 'import', file]),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      `import refused, nothing kept: line ${victim + 1}: the chain breaks at position ${position}: its content does not match its hash`,
    );

    expect(short.code).toBe(1);
    expect(short.stderr).toContain('the export is incomplete');
    // A second import into the now used dir is refused.
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not empty');
  });

  it('bad arguments give a usage message and exit 2', async () => {
    const runs = [
      ['audit', 'replay', '--since', 'yesterday'],
      ['audit', 'replay', '--format', 'xml'],
      ['audit', 'at', 'noon'],
      ['audit', 'diff', '2025-01-01'],
      ['audit', 'verify', '--expect-head', 'abc'],
      ['audit', 'trace'],
      ['audit', 'export'],
      ['audit', 'replay', '--bogus'],
    ];
    const results = await Promise.all(runs.map((args) => cli(['-d', h.dataDir, ...args])));
    results.forEach((r, i) => {
      expect({ args: runs[i], code: r.code }).toEqual({ args: runs[i], code: 2 });
      expect(r.stderr.toLowerCase()).toContain('usage');
    });
  });

  it('verify --expect-head catches a truncated tail that the chain alone cannot show', async () => {
    const before = JSON.parse((await cli(['-d', h.dataDir, 'audit', 'verify', '--json'])).stdout);
    await h.stop({ keepData: true });
    try {
      const db = new Database(paths(h.dataDir).events);
      db.exec('DROP TRIGGER events_refuse_delete');
      db.prepare('DELETE FROM events WHERE position > ?').run(before.headPosition - 3);
      db.prepare(`UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'`).run(
        before.headPosition - 3,
      );
      db.close();
      const plain = await cli(['-d', h.dataDir, 'audit', 'verify']);
      expect(plain.code).toBe(0);
      const expected = await cli([
        '-d',
        h.dataDir,
        'audit',
        'verify',
        '--expect-head',
        before.headHash,
      ]);
      expect(expected.code).toBe(1);
      expect(expected.stdout).toContain(
        `head MISMATCH: the expected head ${before.headHash} is not in the log: events were removed from its end, or it was rewritten (the log ends at position ${before.headPosition - 3}`,
      );
    } finally {
      h = await startHarness(h.dataDir);
    }
  });
});
