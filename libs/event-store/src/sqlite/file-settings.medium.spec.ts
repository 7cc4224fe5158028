import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect } from '../event-store.port';
import { contractSchemas } from '../testing/contract-schemas';
import { thing } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';
import { PAGE_SIZE } from './sqlite-schema';
import { verifyChain } from './verify-chain';

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nekzus-file-settings-'));
  path = join(dir, 'events.db');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the events file', () => {
  const pageSizeOf = (file: string): number => {
    const db = new Database(file, { readonly: true });
    try {
      return db.pragma('page_size', { simple: true }) as number;
    } finally {
      db.close();
    }
  };

  it('is created with 8 KiB pages', async () => {
    const store = SqliteEventStore.open({ path, schemas: contractSchemas() });
    await store.append('a', [thing(1)], { streamState: 'no_stream' });
    await store.close();
    expect(PAGE_SIZE).toBe(8192);
    expect(pageSizeOf(path)).toBe(PAGE_SIZE);
  });

  it('keeps the page size of a file made before, and appends and reads it as usual', async () => {
    const old = new Database(path);
    old.pragma('page_size = 4096');
    old.pragma('journal_mode = WAL');
    old.close();

    const store = SqliteEventStore.open({ path, schemas: contractSchemas() });
    await store.append('a', [thing(1)], { streamState: 'no_stream' });
    await store.append('a', [thing(2)], { streamState: 0n });
    expect((await collect(store.readAll())).map((e) => e.revision)).toEqual([0n, 1n]);
    await store.close();
    expect(pageSizeOf(path)).toBe(4096);
    expect(verifyChain(path)).toMatchObject({ intact: true, events: 2 });
  });
});

describe('the worker writer keeping the event loop awake', () => {
  const immediates = () => process.getActiveResourcesInfo().filter((r) => r === 'Immediate');

  /** A worker-writer store that has made one append already (its worker is up). */
  const openWarm = async (stayAwakeUs: number) => {
    const store = SqliteEventStore.open({ path, schemas: contractSchemas(), stayAwakeUs });
    await store.append('warm', [thing(0)], { streamState: 'no_stream' });
    return store;
  };

  it('turns the loop while an append is in flight and stops once it has settled', async () => {
    // Long enough that the append settles well inside it: the loop must stop because nothing
    // is in flight any more, not because the time ran out.
    const store = await openWarm(10_000_000);
    try {
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(immediates()).toEqual([]);

      let settled = false;
      const appended = store
        .append('a', [thing(1)], { streamState: 'no_stream' })
        .finally(() => (settled = true));
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      const whileInFlight = settled ? undefined : immediates().length;
      await appended;
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (whileInFlight !== undefined) expect(whileInFlight).toBeGreaterThan(0);
      expect(immediates()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('does not turn it at all with stayAwakeUs 0', async () => {
    const store = await openWarm(0);
    try {
      const appended = store.append('a', [thing(1)], { streamState: 'no_stream' });
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(immediates()).toEqual([]);
      await appended;
    } finally {
      await store.close();
    }
  });
});
