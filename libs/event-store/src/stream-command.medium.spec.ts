import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DomainError, type Decider, type DomainEvent } from '#libs/kernel';
import { collect } from './event-store.port';
import { SqliteEventStore } from './sqlite/sqlite-event-store';
import { executeOnStream, StreamStateCache } from './stream-command';
import { contractSchemas } from './testing/contract-schemas';
import { thing } from './testing/event-store.contract';

type Happened = DomainEvent<'ThingHappened', { n: number }>;
/** A counter that refuses to go past a limit: the decision depends on every event in the stream. */
const counter: Decider<{ add: number; limit: number }, Happened, number, void> = {
  initialState: () => 0,
  evolve: (total, e) => total + e.data.n,
  decide: ({ add, limit }, total) => {
    if (total + add > limit)
      throw new DomainError('LIMIT', 'conflict', `total ${total} + ${add} > ${limit}`);
    return [{ type: 'ThingHappened', data: { n: add } }];
  },
};
const ctx = { correlationId: 'c', actor: { kind: 'system' as const, id: 'test' } };

describe('executeOnStream', () => {
  let dir: string;
  let store: SqliteEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nekzus-cmd-'));
    store = SqliteEventStore.open({ path: join(dir, 'events.db'), schemas: contractSchemas() });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decides on the whole stream even when its cached state is behind', async () => {
    const cache = new StreamStateCache<number>();
    await executeOnStream(store, 'c-1', counter, { add: 3, limit: 10 }, undefined, ctx, { cache });
    // another writer (another process, say) appends behind the cache's back
    await store.append('c-1', [thing(6)], { streamState: 'any' });
    await expect(
      executeOnStream(store, 'c-1', counter, { add: 2, limit: 10 }, undefined, ctx, { cache }),
    ).rejects.toThrow('total 9 + 2 > 10');
    const ok = await executeOnStream(store, 'c-1', counter, { add: 1, limit: 10 }, undefined, ctx, {
      cache,
    });
    expect(ok.events).toHaveLength(1);
    expect(
      (await collect(store.readStream('c-1'))).map((e) => (e.data as { n: number }).n),
    ).toEqual([3, 6, 1]);
  });

  it('re-decides when another writer wins the race, and stamps the metadata', async () => {
    const results = await Promise.allSettled(
      [4, 4, 4].map((add) =>
        executeOnStream(store, 'c-2', counter, { add, limit: 10 }, undefined, ctx),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(results.find((r) => r.status === 'rejected')?.reason).toMatchObject({ code: 'LIMIT' });
    const events = await collect(store.readStream('c-2'));
    expect(events.map((e) => e.revision)).toEqual([0n, 1n]);
    expect(events[0]!.metadata).toEqual(ctx);
    expect(events[0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  it('recorded events serialise like plain objects', async () => {
    await store.append('c-3', [thing(5)], { streamState: 'no_stream' });
    const [e] = await collect(store.readStream('c-3'));
    const json = JSON.parse(
      JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
    ) as Record<string, unknown>;
    expect(json).toMatchObject({
      stream: 'c-3',
      revision: '0',
      type: 'ThingHappened',
      schemaVersion: 1,
      data: { n: 5 },
    });
    expect(typeof json['recordedAt']).toBe('string');
  });
});
