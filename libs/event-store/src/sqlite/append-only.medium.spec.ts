import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect } from '../event-store.port';
import { contractSchemas } from '../testing/contract-schemas';
import { thing } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';
import { SqliteEventWriter } from './sqlite-writer';
import { verifyChain } from './verify-chain';

/** PRAGMA synchronous as a number: 1 = NORMAL, 2 = FULL. */
const NORMAL = 1;
const FULL = 2;

describe('sqlite events file: append-only and durable', () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nekzus-append-only-'));
    path = join(dir, 'events.db');
    const store = SqliteEventStore.open({ path, schemas: contractSchemas() });
    await store.append('a', [thing(1), thing(2), thing(3)], { streamState: 'no_stream' });
    await store.append('b', [thing(4)], { streamState: 'no_stream' });
    await store.close();
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function rows(db: Database.Database): unknown[] {
    return db.prepare('SELECT * FROM events ORDER BY position').all();
  }

  it('refuses UPDATE of a stored event from any connection', () => {
    const db = new Database(path);
    try {
      const before = rows(db);
      expect(() =>
        db.prepare(`UPDATE events SET data = '{"n":99}' WHERE position = 2`).run(),
      ).toThrow(/append-only: UPDATE refused/);
      expect(() => db.prepare(`UPDATE events SET stream = 'b' WHERE stream = 'a'`).run()).toThrow(
        /append-only: UPDATE refused/,
      );
      expect(rows(db)).toEqual(before);
    } finally {
      db.close();
    }
    expect(verifyChain(path)).toMatchObject({ intact: true, events: 4 });
  });

  it('refuses DELETE of a stored event, one row or all of them', () => {
    const db = new Database(path);
    try {
      expect(() => db.prepare('DELETE FROM events WHERE position = 4').run()).toThrow(
        /append-only: DELETE refused/,
      );
      expect(() => db.prepare('DELETE FROM events').run()).toThrow(/append-only: DELETE refused/);
      expect(db.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 4 });
    } finally {
      db.close();
    }
  });

  it('refuses UPDATE and DELETE while the store itself has the file open', async () => {
    const store = SqliteEventStore.open({ path, schemas: contractSchemas() });
    const db = new Database(path);
    try {
      expect(() => db.prepare('DELETE FROM events WHERE position = 1').run()).toThrow(
        /DELETE refused/,
      );
      expect(() => db.prepare(`UPDATE events SET type = 'X' WHERE position = 1`).run()).toThrow(
        /UPDATE refused/,
      );
      const all = await collect(store.readAll());
      expect(all.map((e) => e.position)).toEqual([1n, 2n, 3n, 4n]);
      await store.append('a', [thing(5)], { streamState: 2n });
    } finally {
      db.close();
      await store.close();
    }
    expect(verifyChain(path)).toMatchObject({ intact: true, events: 5 });
  });

  it('the file is in WAL mode, seen from a separate connection', () => {
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('the writer commits with synchronous=FULL unless told otherwise', () => {
    // synchronous is a setting of each connection and cannot be read from another one, so
    // this looks at the writer's own connection. better-sqlite3 opens WAL connections at
    // NORMAL (a commit is not fsynced), which is why the store must set FULL itself.
    const plain = new Database(path);
    const durable = new SqliteEventWriter(path);
    const relaxed = new SqliteEventWriter(path, { synchronous: 'NORMAL' });
    try {
      expect(plain.pragma('synchronous', { simple: true })).toBe(NORMAL);
      expect(connectionOf(durable).pragma('synchronous', { simple: true })).toBe(FULL);
      expect(connectionOf(relaxed).pragma('synchronous', { simple: true })).toBe(NORMAL);
    } finally {
      plain.close();
      durable.close();
      relaxed.close();
    }
  });
});

function connectionOf(writer: SqliteEventWriter): Database.Database {
  return Reflect.get(writer, 'db') as Database.Database;
}
