import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SchemaRegistry, SqliteEventStore, verifyChain } from '#libs/event-store';
import { CHAIN_INPUT_SQL, isExactChainInput } from '../../../event-store/src/sqlite/hash-chain';
import { verifyLog as verifyLogWith, type VerifyOptions } from './chain';

const EVENTS = 50;
const ACTORS: Record<number, string> = { 3: 'alice zoë', 7: 'alice 📺', 8: 'alice 𝔄' };
const schemas = SchemaRegistry.fromDirectory(resolve(__dirname, '../../../../event-schemas'));

function routeAdded(i: number) {
  return {
    id: randomUUID(),
    type: 'RouteAdded',
    // A route as v1 recorded it (v2 added the proxy options).
    schemaVersion: 1,
    data: {
      route: {
        routeId: `r${i}`,
        appId: 'a',
        pathBase: `/apps/r${i}/`,
        to: `http://10.0.0.${i + 1}`,
        containerId: '',
        scopes: [],
        publicAccess: false,
        websockets: false,
        stripPrefix: false,
        stripResponseCookies: false,
        rewriteCookiePaths: false,
        rewriteHTML: false,
        persistCookies: false,
        routingMode: '',
        subdomain: '',
        excludePaths: [],
        healthCheckPath: '',
        healthCheckTimeout: '',
        healthCheckInterval: '',
        expectedStatusCodes: [],
        skipHealthCheck: false,
      },
    },
    // Three in ten actors' names reach outside ASCII (one in ten outside the BMP), where the
    // hash input SQLite builds is not chainHash's and the verifier must hash the row's columns.
    metadata: {
      correlationId: randomUUID(),
      actor: { kind: 'admin' as const, id: ACTORS[i % 10] ?? 'alice' },
    },
  };
}

// Each case several ways: one walk on this thread, the same walk turning the event loop every 7
// positions or reading 4 rows a query, and three worker threads over stretches 1-17, 18-34 and
// 35-50 joined in order, reading 1,000 or 5 rows a query.
const MODES: [string, VerifyOptions][] = [
  ['on the calling thread', { workers: 1 }],
  ['on the calling thread, in slices', { workers: 1, yieldEvery: 7 }],
  ['on the calling thread, in pages of 4', { workers: 1, pageSize: 4 }],
  ['in three worker threads', { workers: 3, parallelFrom: 0 }],
  ['in three worker threads, in pages of 5', { workers: 3, parallelFrom: 0, pageSize: 5 }],
];

describe.each(MODES)('verifyLog on a tampered events file, %s', (_mode, mode) => {
  const verifyLog = (file: string, options: VerifyOptions = {}) =>
    verifyLogWith(file, { ...mode, ...options });
  let dir: string;
  let path: string;
  let head: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nekzus-audit-chain-'));
    path = join(dir, 'events.db');
    const store = SqliteEventStore.open({ path, schemas, writer: 'inline' });
    for (let i = 0; i < EVENTS; i++)
      await store.append(`route-r${i}`, [routeAdded(i)], { streamState: 'no_stream' });
    await store.close();
    head = (await verifyLog(path)).headHash;
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function tamper(edit: (db: Database.Database) => void): void {
    const db = new Database(path);
    try {
      db.exec('DROP TRIGGER IF EXISTS events_refuse_update');
      db.exec('DROP TRIGGER IF EXISTS events_refuse_delete');
      db.transaction(() => edit(db))();
    } finally {
      db.close();
    }
  }

  it('an untouched log verifies, with the same head as the event store computes, and its head as expected', async () => {
    const status = await verifyLog(path, { expectHead: head.toUpperCase() });
    expect(status).toEqual({
      intact: true,
      events: EVENTS,
      headPosition: EVENTS,
      headHash: verifyChain(path).headHash,
      expectedHead: { hash: head, position: EVENTS, newerEvents: 0 },
    });
  });

  it('an edited payload is located at its own position', async () => {
    tamper((db) =>
      db
        .prepare(
          `UPDATE events SET data = replace(data, 'http://10', 'http://66') WHERE position = 25`,
        )
        .run(),
    );
    expect(await verifyLog(path)).toMatchObject({
      intact: false,
      failure: 'chain',
      firstBadPosition: 25,
      events: 24,
      reason: 'its content does not match its hash',
    });
  });

  it('a deleted row is located at its position', async () => {
    tamper((db) => db.prepare('DELETE FROM events WHERE position = 25').run());
    expect(await verifyLog(path)).toMatchObject({
      intact: false,
      firstBadPosition: 25,
      reason: expect.stringMatching(/position 25 is missing/),
    });
  });

  it('an inserted row is located at its position', async () => {
    tamper((db) => {
      // Make room at 20 by moving every later event up one, then put a forged event there.
      const rows = db
        .prepare('SELECT * FROM events WHERE position >= 20 ORDER BY position DESC')
        .all() as Record<string, unknown>[];
      for (const r of rows)
        db.prepare('UPDATE events SET position = ? WHERE position = ?').run(
          Number(r['position']) + 1,
          r['position'],
        );
      const before = db.prepare('SELECT hash FROM events WHERE position = 19').get() as {
        hash: string;
      };
      const forged = rows[rows.length - 1]!;
      db.prepare(
        `INSERT INTO events (position, id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
         VALUES (20, ?, 'route-evil', 0, 'RouteAdded', 1, ?, ?, ?, ?, ?)`,
      ).run(
        randomUUID(),
        forged['data'],
        forged['metadata'],
        forged['recorded_at'],
        before.hash,
        forged['hash'],
      );
    });
    expect(await verifyLog(path)).toMatchObject({
      intact: false,
      firstBadPosition: 20,
      events: 19,
    });
  });

  it('a break on the first event of a stretch is located there, with what verified before it', async () => {
    tamper((db) =>
      db
        .prepare(
          `UPDATE events SET metadata = replace(metadata, 'alice', 'mallory') WHERE position = 18`,
        )
        .run(),
    );
    expect(await verifyLog(path)).toMatchObject({
      intact: false,
      firstBadPosition: 18,
      events: 17,
      headPosition: 17,
      reason: 'its content does not match its hash',
    });
    tamper((db) => db.prepare('DELETE FROM events WHERE position = 17').run());
    expect(await verifyLog(path)).toMatchObject({
      intact: false,
      firstBadPosition: 17,
      events: 16,
      reason: expect.stringMatching(/position 17 is missing/),
    });
  });

  it('a forged link at the start of a stretch is caught where the stretches join', async () => {
    tamper((db) =>
      db.prepare(`UPDATE events SET prev_hash = ? WHERE position = 35`).run('f'.repeat(64)),
    );
    expect(await verifyLog(path)).toMatchObject({
      intact: false,
      firstBadPosition: 35,
      events: 34,
      reason: 'its previous-hash link does not match the event before it',
    });
  });

  it('progress counts every event once and ends at the total', async () => {
    const seen: [number, number][] = [];
    await verifyLog(path, { onProgress: (checked, total) => seen.push([checked, total]) });
    expect(seen.at(-1)).toEqual([EVENTS, EVENTS]);
    expect(seen.every(([checked, total]) => checked <= total && total === EVENTS)).toBe(true);
  });

  it('two swapped rows are located at the first of them', async () => {
    tamper((db) => {
      const a = db.prepare('SELECT * FROM events WHERE position = 10').get() as Record<
        string,
        unknown
      >;
      const b = db.prepare('SELECT * FROM events WHERE position = 11').get() as Record<
        string,
        unknown
      >;
      db.prepare('DELETE FROM events WHERE position IN (10, 11)').run();
      const insert = db.prepare(
        `INSERT INTO events (position, id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
         VALUES (@position, @id, @stream, @revision, @type, @schema_version, @data, @metadata, @recorded_at, @prev_hash, @hash)`,
      );
      insert.run({ ...b, position: 10 });
      insert.run({ ...a, position: 11 });
    });
    expect(await verifyLog(path)).toMatchObject({
      intact: false,
      firstBadPosition: 10,
      reason: 'its previous-hash link does not match the event before it',
    });
  });

  it('a truncated tail is caught by the counter, and with the counter reset too, by the expected head', async () => {
    tamper((db) => db.prepare('DELETE FROM events WHERE position > 40').run());
    expect(await verifyLog(path)).toMatchObject({ intact: false, firstBadPosition: 41 });
    tamper((db) => db.prepare(`UPDATE sqlite_sequence SET seq = 40 WHERE name = 'events'`).run());
    // The chain that is left is perfect: only a head recorded elsewhere shows what is missing.
    expect(await verifyLog(path)).toMatchObject({ intact: true, events: 40 });
    const status = await verifyLog(path, { expectHead: head });
    expect(status).toMatchObject({
      intact: false,
      failure: 'expected-head',
      firstBadPosition: 41,
      expectedHead: { hash: head },
      reason: expect.stringContaining(`the expected head ${head} is not in the log`),
    });
    expect(status.expectedHead?.position).toBeUndefined();
  });

  it('a head recorded before later appends is found, with the number of newer events', async () => {
    const store = SqliteEventStore.open({ path, schemas, writer: 'inline' });
    await store.append('route-late', [routeAdded(99)], { streamState: 'no_stream' });
    await store.close();
    expect(await verifyLog(path, { expectHead: head })).toMatchObject({
      intact: true,
      expectedHead: { hash: head, position: EVENTS, newerEvents: 1 },
    });
  });
});

describe('the hash input SQLite builds for a row', () => {
  it("is chainHash's for every ASCII row, and rows with other characters are told apart", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nekzus-audit-input-'));
    try {
      const path = join(dir, 'events.db');
      const store = SqliteEventStore.open({ path, schemas, writer: 'inline' });
      for (let i = 0; i < 20; i++)
        await store.append(`route-r${i}`, [routeAdded(i)], { streamState: 'no_stream' });
      await store.close();
      const db = new Database(path, { readonly: true });
      const rows = db
        .prepare(`SELECT metadata, hash, ${CHAIN_INPUT_SQL} FROM events ORDER BY position`)
        .raw(true)
        .all() as [string, string, string][];
      db.close();
      const outcomes = rows.map(([metadata, stored, input]) => ({
        ascii: !/zoë|📺|𝔄/u.test(metadata),
        exact: isExactChainInput(input),
        matches: createHash('sha256').update(input).digest('hex') === stored,
      }));
      // ASCII rows hash as they are; the others do not, and are told apart.
      expect(outcomes.filter((o) => !o.ascii)).toHaveLength(6);
      for (const o of outcomes)
        expect(o).toEqual({ ascii: o.ascii, exact: o.ascii, matches: o.ascii });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
