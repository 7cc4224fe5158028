import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect } from '../event-store.port';
import { contractSchemas } from '../testing/contract-schemas';
import { thing } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';
import { verifyChain } from './verify-chain';

describe.each(['worker', 'inline'] as const)('a commit SQLite refuses (%s writer)', (writer) => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nekzus-write-failure-'));
    path = join(dir, 'events.db');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects the appends of that batch, and the store appends again once the file is whole', async () => {
    const store = SqliteEventStore.open({ path, schemas: contractSchemas(), writer });
    const other = new Database(path);
    try {
      await store.append('a', [thing(1)], { streamState: 'no_stream' });
      // Stand-in for a file the writer cannot commit to (busy past its timeout, disk full):
      // another connection moves the table away, so the writer's transaction fails whole.
      other.exec('ALTER TABLE events RENAME TO events_away');
      const refused = await Promise.allSettled([
        store.append('a', [thing(2)], { streamState: 0n }),
        store.append('b', [thing(3)], { streamState: 'no_stream' }),
      ]);
      expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      expect(refused[0]).toMatchObject({
        reason: expect.objectContaining({
          message: expect.stringMatching(/event store write failed: .*no such table/),
        }),
      });

      other.exec('ALTER TABLE events_away RENAME TO events');
      const again = await store.append('a', [thing(2)], { streamState: 0n });
      expect(again).toEqual({ nextExpectedRevision: 1n, position: 2n });
      expect((await collect(store.readAll())).map((e) => e.stream)).toEqual(['a', 'a']);
    } finally {
      other.close();
      await store.close();
    }
    expect(verifyChain(path)).toMatchObject({ intact: true, events: 2 });
  });
});
