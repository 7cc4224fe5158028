import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateEventId, WrongExpectedVersion } from '../errors';
import { collect } from '../event-store.port';
import { contractSchemas } from '../testing/contract-schemas';
import { thing } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';
import { verifyChain } from './verify-chain';
import { decodeOutcomes, decodeRequests, encodeOutcomes, encodeRequest } from './wire';
import type { AppendOutcome, AppendRequest } from './sqlite-writer';

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
