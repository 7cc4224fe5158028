import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DuplicateEventId, WrongExpectedVersion } from '../errors';
import { collect } from '../event-store.port';
import { contractSchemas } from '../testing/contract-schemas';
import { thing } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';
import { verifyChain } from './verify-chain';
import Database from 'better-sqlite3';
import {
  decodeBatch,
  decodeOutcomes,
  decodeRequests,
  encodeBatch,
  encodeOutcomes,
  encodeRequest,
} from './wire';
import { SqliteEventWriter, type AppendOutcome, type AppendRequest } from './sqlite-writer';

describe('the writer thread wire format', () => {
  it('carries any text through unchanged: digits, colons, empty strings, non-Latin-1 characters', () => {
    const requests: AppendRequest[] = [
      {
        stream: '12:34',
        expected: 'no_stream',
        events: [
          { id: 'a', type: 'T', schemaVersion: 1, data: '{"x":"1:2:3"}', metadata: '{}' },
          { id: '', type: 'Ü', schemaVersion: 12, data: '"😀 ✓ \\u0000"', metadata: '' },
        ],
      },
      { stream: 'é', expected: '41', events: [] },
      {
        stream: 'route-7',
        expected: 'any',
        events: [{ id: 'b', type: 'T', schemaVersion: 3, data: 'x'.repeat(10_000), metadata: ':' }],
      },
    ];
    expect(decodeRequests(requests.map(encodeRequest).join(''))).toEqual(requests);
  });

  it('marks whether a batch is the last of its turn, and refuses an unmarked one', () => {
    const request: AppendRequest = { stream: 's', expected: 'any', events: [] };
    const text = encodeRequest(request);
    expect(decodeBatch(encodeBatch(text, true))).toEqual({ requests: [request], last: true });
    expect(decodeBatch(encodeBatch(text + text, false))).toEqual({
      requests: [request, request],
      last: false,
    });
    expect(() => decodeBatch(text)).toThrow(/malformed/);
  });

  it('returns outcomes in request order, refusals in place', () => {
    const outcomes: AppendOutcome[] = [
      { ok: true, nextExpectedRevision: 0, position: 7 },
      { ok: false, error: { name: 'DuplicateEventId', stream: 's', eventId: 'e' } },
      { ok: true, nextExpectedRevision: 2 ** 40, position: 2 ** 52 },
      { ok: false, error: { name: 'Error', message: 'disk full' } },
    ];
    const seen: AppendOutcome[] = [];
    decodeOutcomes(encodeOutcomes(outcomes), (o) => seen.push(o));
    expect(seen).toEqual(outcomes);
  });
});

describe.each(['worker', 'inline'] as const)('one group commit (%s writer)', (writer) => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nekzus-group-commit-'));
    path = join(dir, 'events.db');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses only its bad single-event appends; the others land, gapless, chain intact', async () => {
    const store = SqliteEventStore.open({ path, schemas: contractSchemas(), writer });
    try {
      const taken = thing(0);
      const retried = thing(1);
      await store.append('x', [taken], { streamState: 'no_stream' });
      await store.append('r', [retried], { streamState: 'no_stream' });
      // Appends made in one turn of the event loop are committed in one transaction.
      const results = await Promise.allSettled([
        store.append('a', [thing(2)], { streamState: 'no_stream' }),
        store.append('b', [{ ...thing(3), id: taken.id }], { streamState: 'no_stream' }),
        store.append('c', [thing(4)], { streamState: 'no_stream' }),
        store.append('x', [thing(5)], { streamState: 7n }),
        store.append('r', [retried], { streamState: 'no_stream' }),
        store.append('d', [thing(6)], { streamState: 'no_stream' }),
      ]);
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateEventId);
      expect((results[3] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersion);
      const values = results.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
      expect(values).toEqual([
        { nextExpectedRevision: 0n, position: 3n },
        undefined,
        { nextExpectedRevision: 0n, position: 4n },
        undefined,
        { nextExpectedRevision: 0n, position: 2n },
        { nextExpectedRevision: 0n, position: 5n },
      ]);
      const all = await collect(store.readAll());
      expect(all.map((e) => [e.stream, e.position])).toEqual([
        ['x', 1n],
        ['r', 2n],
        ['a', 3n],
        ['c', 4n],
        ['d', 5n],
      ]);
    } finally {
      await store.close();
    }
    expect(verifyChain(path)).toMatchObject({ intact: true, events: 5 });
  });
});

describe('a group commit filled over several calls (the writer thread, as messages arrive)', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nekzus-group-fill-'));
    path = join(dir, 'events.db');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (stream: string, id: string, expected = 'no_stream'): AppendRequest => ({
    stream,
    expected,
    events: [{ id, type: 'T', schemaVersion: 1, data: '{}', metadata: '{}' }],
  });

  it('is invisible until committed, then lands whole with every outcome in order', () => {
    const writer = new SqliteEventWriter(path);
    const reader = new Database(path, { readonly: true });
    try {
      writer.add([request('a', 'e1'), request('b', 'e2')]);
      writer.add([request('a', 'e3'), request('c', 'e4')]);
      // Nothing is visible, let alone durable, before the commit.
      expect(reader.prepare('SELECT count(*) FROM events').pluck().get()).toBe(0);
      const outcomes = writer.commitGroup();
      expect(outcomes).toEqual([
        { ok: true, nextExpectedRevision: 0, position: 1 },
        { ok: true, nextExpectedRevision: 0, position: 2 },
        {
          ok: false,
          error: { name: 'WrongExpectedVersion', stream: 'a', expected: 'no_stream', actual: '0' },
        },
        { ok: true, nextExpectedRevision: 0, position: 3 },
      ]);
      const rows = reader.prepare('SELECT stream, recorded_at FROM events').all() as {
        stream: string;
        recorded_at: string;
      }[];
      expect(rows.map((r) => r.stream)).toEqual(['a', 'b', 'c']);
      // One group, one transaction: one recorded time.
      expect(new Set(rows.map((r) => r.recorded_at)).size).toBe(1);
      expect(writer.commitGroup()).toEqual([]);
    } finally {
      reader.close();
      writer.close();
    }
    expect(verifyChain(path)).toMatchObject({ intact: true, events: 3 });
  });

  it('refuses every request of a group it cannot open, and writes none of them', () => {
    const writer = new SqliteEventWriter(path);
    const other = new Database(path);
    try {
      (Reflect.get(writer, 'db') as Database.Database).pragma('busy_timeout = 20');
      other.exec('BEGIN IMMEDIATE');
      writer.add([request('a', 'e1')]);
      writer.add([request('b', 'e2')]);
      const outcomes = writer.commitGroup();
      expect(outcomes).toHaveLength(2);
      for (const outcome of outcomes)
        expect(outcome).toMatchObject({ ok: false, error: { name: 'Error' } });
      other.exec('ROLLBACK');
      // The next group opens normally.
      writer.add([request('a', 'e1')]);
      expect(writer.commitGroup()).toEqual([{ ok: true, nextExpectedRevision: 0, position: 1 }]);
    } finally {
      other.close();
      writer.close();
    }
  });

  it('through the store: a turn of more appends than one message carries keeps them in one group', async () => {
    const store = SqliteEventStore.open({ path, schemas: contractSchemas(), writer: 'worker' });
    try {
      await store.append('taken', [thing(0)], { streamState: 'no_stream' });
      const worker = Reflect.get(Reflect.get(store, 'writer') as object, 'worker') as Worker;
      const posted = vi.spyOn(worker, 'postMessage');
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          i % 13 === 12
            ? store.append('taken', [thing(100 + i)], { streamState: 'no_stream' })
            : store.append(`s${i}`, [thing(100 + i)], { streamState: 'no_stream' }),
        ),
      );
      // Sent in pieces as they were made (16 per message), the last piece marked last.
      expect(posted.mock.calls.map(([m]) => (m as string).charAt(0))).toEqual(['M', 'M', 'L']);
      const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
      expect(refused).toEqual([12, 25, 38]);
      for (const i of refused)
        expect((results[i] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersion);
      const positions = results.flatMap((r) =>
        r.status === 'fulfilled' ? [r.value.position] : [],
      );
      expect(positions).toEqual(Array.from({ length: 37 }, (_, i) => BigInt(i + 2)));
      const all = await collect(store.readAll());
      expect(new Set(all.slice(1).map((e) => e.recordedAt.toISOString())).size).toBe(1);
    } finally {
      await store.close();
    }
    expect(verifyChain(path)).toMatchObject({ intact: true, events: 38 });
  });
});
