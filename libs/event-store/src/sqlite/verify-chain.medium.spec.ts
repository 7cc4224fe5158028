import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contractSchemas } from '../testing/contract-schemas';
import { thing } from '../testing/event-store.contract';
import { chainHash, type ChainedRow } from './hash-chain';
import { SqliteEventStore } from './sqlite-event-store';
import { GENESIS_HASH } from './sqlite-schema';
import { verifyChain } from './verify-chain';

const EVENTS = 50;

interface StoredRow {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
  recorded_at: string;
  prev_hash: string;
  hash: string;
}

const CONTENT = [
  'id',
  'stream',
  'revision',
  'type',
  'schema_version',
  'data',
  'metadata',
  'recorded_at',
] as const;

function chained(row: StoredRow): ChainedRow {
  return {
    position: row.position,
    id: row.id,
    stream: row.stream,
    revision: row.revision,
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}

describe('verifyChain on a tampered events file', () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nekzus-verify-'));
    path = join(dir, 'events.db');
    const store = SqliteEventStore.open({ path, schemas: contractSchemas() });
    // 50 events over five streams, in appends of one and two events.
    for (let n = 0; n < EVENTS;) {
      const batch = n % 3 === 0 && n + 1 < EVENTS ? [thing(n), thing(n + 1)] : [thing(n)];
      await store.append(`s-${n % 5}`, batch, { streamState: 'any' });
      n += batch.length;
    }
    await store.close();
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the file as an attacker with write access would: the triggers go first. */
  function tamper(edit: (db: Database.Database) => void): void {
    const db = new Database(path);
    try {
      db.exec('DROP TRIGGER events_refuse_update');
      db.exec('DROP TRIGGER events_refuse_delete');
      db.transaction(() => edit(db))();
    } finally {
      db.close();
    }
  }

  function row(db: Database.Database, position: number): StoredRow {
    return db.prepare('SELECT * FROM events WHERE position = ?').get(position) as StoredRow;
  }

  function insert(db: Database.Database, r: StoredRow): void {
    db.prepare(
      `INSERT INTO events (position, id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
       VALUES (@position, @id, @stream, @revision, @type, @schema_version, @data, @metadata, @recorded_at, @prev_hash, @hash)`,
    ).run(r);
  }

  function lastRow(): StoredRow {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare('SELECT * FROM events ORDER BY position DESC LIMIT 1').get() as StoredRow;
    } finally {
      db.close();
    }
  }

  it('an untouched file is intact, and its head is the last stored hash', () => {
    const last = lastRow();
    const progress: [number, number][] = [];
    const report = verifyChain(path, (checked, total) => progress.push([checked, total]));
    expect(report).toEqual({
      intact: true,
      events: EVENTS,
      headPosition: EVENTS,
      headHash: last.hash,
    });
    expect(last.position).toBe(EVENTS);
    expect(last.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(progress.at(-1)).toEqual([EVENTS, EVENTS]);
  });

  it('an empty file is intact with the genesis hash as its head', async () => {
    const empty = join(dir, 'empty.db');
    await SqliteEventStore.open({ path: empty, schemas: contractSchemas() }).close();
    expect(verifyChain(empty)).toEqual({
      intact: true,
      events: 0,
      headPosition: 0,
      headHash: GENESIS_HASH,
    });
  });

  it('an edited event breaks at its own position', () => {
    tamper((db) => {
      db.prepare(`UPDATE events SET data = '{"n":9999}' WHERE position = 25`).run();
    });
    expect(verifyChain(path)).toMatchObject({
      intact: false,
      firstBadPosition: 25,
      events: 24,
      headPosition: 24,
      reason: expect.stringMatching(/content does not match its hash/),
    });
  });

  it('an edited event whose own hash was recomputed breaks at the event after it', () => {
    tamper((db) => {
      const r = row(db, 25);
      const forged = { ...r, data: '{"n":9999}' };
      db.prepare('UPDATE events SET data = ?, hash = ? WHERE position = 25').run(
        forged.data,
        chainHash(r.prev_hash, chained(forged)),
      );
    });
    expect(verifyChain(path)).toMatchObject({
      intact: false,
      firstBadPosition: 26,
      reason: expect.stringMatching(/previous-hash link/),
    });
  });

  it('a deleted event in the middle is reported missing at its position', () => {
    tamper((db) => {
      db.prepare('DELETE FROM events WHERE position = 25').run();
    });
    expect(verifyChain(path)).toMatchObject({
      intact: false,
      firstBadPosition: 25,
      events: 24,
      reason: expect.stringMatching(/position 25 is missing/),
    });
  });

  it('a deleted last event is caught by the AUTOINCREMENT counter', () => {
    tamper((db) => {
      db.prepare('DELETE FROM events WHERE position = ?').run(EVENTS);
    });
    expect(verifyChain(path)).toMatchObject({
      intact: false,
      firstBadPosition: EVENTS,
      events: EVENTS - 1,
      headPosition: EVENTS - 1,
      reason: expect.stringMatching(/were removed/),
    });
  });

  it('a deleted last event stays visible after the store appends again', async () => {
    tamper((db) => {
      db.prepare('DELETE FROM events WHERE position = ?').run(EVENTS);
    });
    const store = SqliteEventStore.open({ path, schemas: contractSchemas() });
    const appended = await store.append('s-0', [thing(100)], { streamState: 'any' });
    await store.close();
    // The position of the deleted event is not handed out again: the gap remains.
    expect(appended.position).toBe(BigInt(EVENTS + 1));
    expect(verifyChain(path)).toMatchObject({
      intact: false,
      firstBadPosition: EVENTS,
      events: EVENTS - 1,
      reason: expect.stringMatching(/is missing/),
    });
  });

  it('a deleted tail of several events is reported from its first missing position', () => {
    tamper((db) => {
      db.prepare('DELETE FROM events WHERE position > 40').run();
    });
    expect(verifyChain(path)).toMatchObject({ intact: false, firstBadPosition: 41, events: 40 });
  });

  describe('a forged event put in place of event 20', () => {
    function forge(
      prevForHash: (real: StoredRow) => string,
      storedPrev: (real: StoredRow) => string,
    ) {
      tamper((db) => {
        const real = row(db, 20);
        db.prepare('DELETE FROM events WHERE position = 20').run();
        const forged: StoredRow = { ...real, id: randomUUID(), data: '{"n":-1}' };
        forged.prev_hash = storedPrev(real);
        forged.hash = chainHash(prevForHash(real), chained(forged));
        insert(db, forged);
      });
    }

    it('linked correctly to event 19: it verifies itself, and event 21 no longer links', () => {
      forge(
        (real) => real.prev_hash,
        (real) => real.prev_hash,
      );
      expect(verifyChain(path)).toMatchObject({
        intact: false,
        firstBadPosition: 21,
        events: 20,
        reason: expect.stringMatching(/previous-hash link/),
      });
    });

    it('linked to a wrong previous hash: it breaks at 20 on the link', () => {
      forge(
        () => GENESIS_HASH,
        () => GENESIS_HASH,
      );
      expect(verifyChain(path)).toMatchObject({
        intact: false,
        firstBadPosition: 20,
        reason: expect.stringMatching(/previous-hash link/),
      });
    });

    it('storing the right link but hashed over a wrong one: it breaks at 20 on the content', () => {
      forge(
        () => GENESIS_HASH,
        (real) => real.prev_hash,
      );
      expect(verifyChain(path)).toMatchObject({
        intact: false,
        firstBadPosition: 20,
        reason: expect.stringMatching(/content does not match/),
      });
    });
  });

  describe('two events swapped (positions 10 and 30)', () => {
    function swap(columns: readonly (keyof StoredRow)[]): void {
      tamper((db) => {
        const a = row(db, 10);
        const b = row(db, 30);
        // Delete first: ids and (stream, revision) are unique.
        db.prepare('DELETE FROM events WHERE position IN (10, 30)').run();
        const a2 = { ...a };
        const b2 = { ...b };
        for (const c of columns) {
          Object.assign(a2, { [c]: b[c] });
          Object.assign(b2, { [c]: a[c] });
        }
        insert(db, a2);
        insert(db, b2);
      });
    }

    it('contents moved, hashes left in place: breaks at 10 on the content', () => {
      swap(CONTENT);
      expect(verifyChain(path)).toMatchObject({
        intact: false,
        firstBadPosition: 10,
        reason: expect.stringMatching(/content does not match/),
      });
    });

    it('whole rows moved with their hashes: breaks at 10 on the link', () => {
      swap([...CONTENT, 'prev_hash', 'hash']);
      expect(verifyChain(path)).toMatchObject({
        intact: false,
        firstBadPosition: 10,
        events: 9,
        reason: expect.stringMatching(/previous-hash link/),
      });
    });
  });
});
