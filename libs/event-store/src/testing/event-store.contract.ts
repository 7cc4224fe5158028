import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateEventId, EventSchemaViolation, WrongExpectedVersion } from '../errors';
import {
  collect,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
  type Subscription,
} from '../event-store.port';
import type { SchemaRegistry } from '../schema-registry';

export interface ContractHarness {
  store: EventStore;
  /** Closes the store and removes what the factory created. */
  dispose(): Promise<void>;
}

/** Given the contract registry (see contractSchemas), returns a fresh, empty store. */
export type StoreFactory = (schemas: SchemaRegistry) => Promise<ContractHarness>;

const actor = { kind: 'system' as const, id: 'contract-suite' };

export function thing(n: number, extra: Partial<NewEvent> = {}): NewEvent {
  return {
    id: randomUUID(),
    type: 'ThingHappened',
    data: { n },
    metadata: { correlationId: randomUUID(), actor },
    ...extra,
  };
}

async function take(subscription: Subscription, count: number): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  if (count === 0) return out;
  for await (const event of subscription) {
    out.push(event);
    if (out.length === count) break;
  }
  return out;
}

/**
 * The behaviour every event store adapter must show. Run it with a factory that gives a
 * fresh, empty store built with `schemas`.
 */
export function eventStoreContract(
  name: string,
  factory: StoreFactory,
  schemas: () => SchemaRegistry,
): void {
  describe(`event store contract: ${name}`, () => {
    let harness: ContractHarness;
    let store: EventStore;

    beforeEach(async () => {
      harness = await factory(schemas());
      store = harness.store;
    });
    afterEach(async () => {
      await harness.dispose();
    });

    describe('stream states', () => {
      it('no_stream creates a stream at revision 0 and refuses once it exists', async () => {
        const first = await store.append('s-1', [thing(1)], { streamState: 'no_stream' });
        expect(first.nextExpectedRevision).toBe(0n);
        const error = await store
          .append('s-1', [thing(2)], { streamState: 'no_stream' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedVersion);
        expect(error).toMatchObject({ stream: 's-1', expected: 'no_stream', actual: 0n });
        expect(await collect(store.readStream('s-1'))).toHaveLength(1);
      });

      it('stream_exists refuses a missing stream and accepts an existing one', async () => {
        await expect(
          store.append('s-2', [thing(1)], { streamState: 'stream_exists' }),
        ).rejects.toMatchObject({ name: 'WrongExpectedVersion', actual: 'no_stream' });
        await store.append('s-2', [thing(1)], { streamState: 'any' });
        const result = await store.append('s-2', [thing(2)], { streamState: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(1n);
      });

      it('an exact revision must be the last revision in the stream', async () => {
        await store.append('s-3', [thing(1), thing(2)], { streamState: 'no_stream' });
        await expect(store.append('s-3', [thing(3)], { streamState: 0n })).rejects.toMatchObject({
          name: 'WrongExpectedVersion',
          expected: 0n,
          actual: 1n,
        });
        const ok = await store.append('s-3', [thing(3)], { streamState: 1n });
        expect(ok.nextExpectedRevision).toBe(2n);
        await expect(store.append('s-4', [thing(1)], { streamState: 0n })).rejects.toMatchObject({
          actual: 'no_stream',
        });
      });

      it('any appends whatever the state', async () => {
        await store.append('s-5', [thing(1)], { streamState: 'any' });
        const r = await store.append('s-5', [thing(2)], { streamState: 'any' });
        expect(r.nextExpectedRevision).toBe(1n);
      });
    });

    describe('atomicity and idempotency', () => {
      it('an append with one invalid event writes none of them', async () => {
        const bad = { ...thing(3), data: { n: 'three' } };
        await expect(
          store.append('a-1', [thing(1), thing(2), bad], { streamState: 'any' }),
        ).rejects.toBeInstanceOf(EventSchemaViolation);
        expect(await collect(store.readStream('a-1'))).toEqual([]);
        expect(await store.headPosition()).toBe(0n);
      });

      it('an unknown event type or bad metadata is refused', async () => {
        await expect(
          store.append('a-2', [{ ...thing(1), type: 'NoSuchEvent' }], { streamState: 'any' }),
        ).rejects.toThrow(/unknown event type "NoSuchEvent"/);
        await expect(
          store.append('a-2', [{ ...thing(1), metadata: { correlationId: 'c' } as never }], {
            streamState: 'any',
          }),
        ).rejects.toThrow(/metadata/);
        expect(await store.headPosition()).toBe(0n);
      });

      it('an append whose event id is stored in another stream writes nothing (where ids are globally unique)', async () => {
        const shared = thing(1);
        await store.append('a-3', [shared], { streamState: 'any' });
        if (!store.capabilities.globalEventIdUniqueness) {
          // Documented difference (KurrentDB: ids are unique per stream): the append lands.
          await store.append('a-4', [thing(0), shared], { streamState: 'any' });
          expect(await collect(store.readStream('a-4'))).toHaveLength(2);
          return;
        }
        await expect(
          store.append('a-4', [thing(0), shared], { streamState: 'any' }),
        ).rejects.toBeInstanceOf(DuplicateEventId);
        expect(await collect(store.readStream('a-4'))).toEqual([]);
      });

      it('re-appending the same event ids is acknowledged without writing twice', async () => {
        const events = [thing(1), thing(2)];
        const first = await store.append('i-1', events, { streamState: 'no_stream' });
        const again = await store.append('i-1', events, { streamState: 'no_stream' });
        expect(again).toEqual(first);
        const any = await store.append('i-1', events, { streamState: 'any' });
        expect(any).toEqual(first);
        expect(await collect(store.readStream('i-1'))).toHaveLength(2);
        expect(await store.headPosition()).toBe(first.position);
      });
    });

    describe('concurrency', () => {
      it('two writers racing on one stream: exactly one wins', async () => {
        await store.append('race', [thing(0)], { streamState: 'no_stream' });
        const results = await Promise.allSettled([
          store.append('race', [thing(1)], { streamState: 0n }),
          store.append('race', [thing(2)], { streamState: 0n }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const lost = results.find((r) => r.status === 'rejected');
        expect(lost?.reason).toBeInstanceOf(WrongExpectedVersion);
        expect(await collect(store.readStream('race'))).toHaveLength(2);
      });

      it('1,000 streams interleaved keep per-stream revisions and one global order', async () => {
        const streams = 1000;
        const rounds = 3;
        for (let round = 0; round < rounds; round++) {
          await Promise.all(
            Array.from({ length: streams }, (_, i) =>
              store.append(`many-${i}`, [thing(round)], {
                streamState: round === 0 ? 'no_stream' : BigInt(round - 1),
              }),
            ),
          );
        }
        const all = await collect(store.readAll());
        expect(all).toHaveLength(streams * rounds);
        for (let i = 1; i < all.length; i++)
          expect(all[i]!.position > all[i - 1]!.position).toBe(true);
        for (const i of [0, 499, 999]) {
          const events = await collect(store.readStream(`many-${i}`));
          expect(events.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
          expect(events.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2]);
        }
      });
    });

    describe('reading', () => {
      beforeEach(async () => {
        await store.append('r-a', [thing(0), thing(1), thing(2), thing(3)], {
          streamState: 'no_stream',
        });
        await store.append('r-b', [thing(10)], { streamState: 'no_stream' });
        await store.append(
          'other-c',
          [
            {
              ...thing(0),
              type: 'ThingRenamed',
              schemaVersion: 1,
              data: { name: 'Ada Lovelace' },
            },
          ],
          { streamState: 'no_stream' },
        );
      });

      it('reads a stream forwards and backwards from a revision with a max count', async () => {
        const fwd = await collect(store.readStream('r-a', { from: 1n, maxCount: 2 }));
        expect(fwd.map((e) => e.revision)).toEqual([1n, 2n]);
        const back = await collect(store.readStream('r-a', { direction: 'backwards' }));
        expect(back.map((e) => e.revision)).toEqual([3n, 2n, 1n, 0n]);
        const backFrom = await collect(
          store.readStream('r-a', { direction: 'backwards', from: 2n, maxCount: 2 }),
        );
        expect(backFrom.map((e) => e.revision)).toEqual([2n, 1n]);
        expect(await collect(store.readStream('missing'))).toEqual([]);
      });

      it('reads $all in both directions with from, maxCount and filters', async () => {
        const all = await collect(store.readAll());
        expect(all.map((e) => e.stream)).toEqual(['r-a', 'r-a', 'r-a', 'r-a', 'r-b', 'other-c']);
        const from = await collect(store.readAll({ from: all[4]!.position }));
        expect(from.map((e) => e.stream)).toEqual(['r-b', 'other-c']);
        const back = await collect(store.readAll({ direction: 'backwards', maxCount: 2 }));
        expect(back.map((e) => e.stream)).toEqual(['other-c', 'r-b']);
        const byPrefix = await collect(store.readAll({ filter: { streamPrefixes: ['r-'] } }));
        expect(byPrefix).toHaveLength(5);
        const byType = await collect(store.readAll({ filter: { eventTypes: ['ThingRenamed'] } }));
        expect(byType.map((e) => e.stream)).toEqual(['other-c']);
      });

      it('recorded events carry ids, metadata and a time; old versions are upcast on read', async () => {
        const [renamed] = await collect(store.readStream('other-c'));
        expect(renamed).toMatchObject({
          type: 'ThingRenamed',
          schemaVersion: 2,
          data: { first: 'Ada', last: 'Lovelace' },
          metadata: { actor },
        });
        expect(renamed!.recordedAt).toBeInstanceOf(Date);
      });
    });

    describe('subscriptions', () => {
      it('many concurrent subscribers each get every event once, in order, across catch-up and live', async () => {
        const before = 50;
        const after = 150;
        for (let i = 0; i < before; i++)
          await store.append(`sub-${i % 7}`, [thing(i)], { streamState: 'any' });
        const subscribers = Array.from({ length: 12 }, () => store.subscribeToAll());
        const received = subscribers.map((s) => take(s, before + after));
        const writers = Array.from({ length: 5 }, async (_, w) => {
          for (let i = w; i < after; i += 5)
            await store.append(`sub-${i % 7}`, [thing(before + i)], { streamState: 'any' });
        });
        await Promise.all(writers);
        const expected = (await collect(store.readAll())).map((e) => e.id);
        for (const events of await Promise.all(received)) {
          expect(events.map((e) => e.id)).toEqual(expected);
        }
        subscribers.forEach((s) => s.unsubscribe());
      });

      it('a subscriber that starts mid-history gets only what follows its position', async () => {
        for (let i = 0; i < 10; i++) await store.append('mid', [thing(i)], { streamState: 'any' });
        const all = await collect(store.readAll());
        const sub = store.subscribeToAll({ from: all[5]!.position });
        const got = take(sub, 5);
        await store.append('mid', [thing(10)], { streamState: 'any' });
        expect((await got).map((e) => (e.data as { n: number }).n)).toEqual([6, 7, 8, 9, 10]);
      });

      it('filters by event type and stream prefix, live', async () => {
        const sub = store.subscribeToAll({
          from: 'end',
          filter: { eventTypes: ['ThingRenamed'], streamPrefixes: ['keep-'] },
        });
        const got = take(sub, 2);
        await store.append(
          'drop-1',
          [{ ...thing(0), type: 'ThingRenamed', data: { first: 'a', last: 'b' } }],
          { streamState: 'any' },
        );
        await store.append('keep-1', [thing(1)], { streamState: 'any' });
        await store.append(
          'keep-2',
          [{ ...thing(0), type: 'ThingRenamed', data: { first: 'c', last: 'd' } }],
          { streamState: 'any' },
        );
        await store.append(
          'keep-3',
          [{ ...thing(0), type: 'ThingRenamed', data: { first: 'e', last: 'f' } }],
          { streamState: 'any' },
        );
        expect((await got).map((e) => e.stream)).toEqual(['keep-2', 'keep-3']);
      });

      it('unsubscribe ends a waiting iteration', async () => {
        const sub = store.subscribeToAll({ from: 'end' });
        const pending = take(sub, 1);
        sub.unsubscribe();
        expect(await pending).toEqual([]);
      });
    });
  });
}
