import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WrongExpectedVersion } from '../errors';
import { collect, type RecordedEvent, type Subscription } from '../event-store.port';
import { contractSchemas } from '../testing/contract-schemas';
import { thing } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';
import { verifyChain } from './verify-chain';

/**
 * Several gateway replicas share one events file: every writer decides the chain link, the
 * position and the expected-revision check inside its own BEGIN IMMEDIATE transaction from
 * what the file holds, and every reader notices what the others appended.
 */

const RACER = resolve(__dirname, '../testing/race-on-shared-file.js');

let dir: string;
let path: string;
const open: SqliteEventStore[] = [];

function openStore(): SqliteEventStore {
  const store = SqliteEventStore.open({ path, schemas: contractSchemas(), pollMs: 20 });
  open.push(store);
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nekzus-replicas-'));
  path = join(dir, 'events.db');
});
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function take(subscription: Subscription, count: number): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const event of subscription) {
    out.push(event);
    if (out.length === count) break;
  }
  return out;
}

interface RacerResult {
  name: string;
  increments: number;
  conflicts: number;
  own: number;
}

function race(name: string, increments: number): Promise<RacerResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [RACER, path, name, String(increments)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('exit', (code) => {
      if (code === 0) done(JSON.parse(stdout.trim()) as RacerResult);
      else fail(new Error(`racer ${name} exited with ${code}: ${stderr}`));
    });
  });
}

describe('two store instances on one events file', () => {
  it('interleaved appends from both form one gapless global order and one intact chain', async () => {
    const a = openStore();
    const b = openStore();
    const streams = 40;
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        Array.from({ length: streams }, (_, i) =>
          (i % 2 === 0 ? a : b).append(`s-${i}`, [thing(round), thing(round)], {
            streamState: round === 0 ? 'no_stream' : BigInt(round * 2 - 1),
          }),
        ),
      );
    }
    const all = await collect(b.readAll());
    expect(all.map((e) => e.position)).toEqual(
      Array.from({ length: streams * rounds * 2 }, (_, i) => BigInt(i + 1)),
    );
    const s7 = await collect(a.readStream('s-7'));
    expect(s7.map((e) => e.revision)).toEqual(
      Array.from({ length: rounds * 2 }, (_, i) => BigInt(i)),
    );
    expect(verifyChain(path)).toMatchObject({ intact: true, events: streams * rounds * 2 });
  });

  it('both racing on one stream at one revision: exactly one wins each round', async () => {
    const a = openStore();
    const b = openStore();
    await a.append('contested', [thing(0)], { streamState: 'no_stream' });
    for (let revision = 0n; revision < 20n; revision++) {
      const results = await Promise.allSettled([
        a.append('contested', [thing(1)], { streamState: revision }),
        b.append('contested', [thing(2)], { streamState: revision }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected');
      expect(lost?.reason).toBeInstanceOf(WrongExpectedVersion);
      expect(lost?.reason).toMatchObject({ actual: revision + 1n });
    }
    expect(await collect(b.readStream('contested'))).toHaveLength(21);
    expect(verifyChain(path).intact).toBe(true);
  });

  it('a retried append is recognised by the other instance too (idempotent by event id)', async () => {
    const a = openStore();
    const b = openStore();
    const events = [thing(1), thing(2)];
    const first = await a.append('retry', events, { streamState: 'no_stream' });
    expect(await b.append('retry', events, { streamState: 'no_stream' })).toEqual(first);
    expect(await collect(a.readStream('retry'))).toHaveLength(2);
  });

  it('a subscriber on one instance receives what the other appends, once and in order', async () => {
    const writer = openStore();
    const reader = openStore();
    await writer.append('before', [thing(0)], { streamState: 'any' });
    const subscription = reader.subscribeToAll();
    const received = take(subscription, 31);
    for (let i = 1; i <= 30; i++)
      await writer.append(`live-${i % 3}`, [thing(i)], { streamState: 'any' });
    const events = await received;
    expect(events.map((e) => (e.data as { n: number }).n)).toEqual(
      Array.from({ length: 31 }, (_, i) => i),
    );
    subscription.unsubscribe();
  });

  it('a live filtered subscription skips the other instance’s non-matching events without missing matching ones', async () => {
    const writer = openStore();
    const reader = openStore();
    const subscription = reader.subscribeToAll({
      from: 'end',
      filter: { streamPrefixes: ['keep-'] },
    });
    const received = take(subscription, 3);
    for (let i = 0; i < 9; i++)
      await writer.append(i % 3 === 0 ? `keep-${i}` : `drop-${i}`, [thing(i)], {
        streamState: 'any',
      });
    expect((await received).map((e) => e.stream)).toEqual(['keep-0', 'keep-3', 'keep-6']);
  });
});

describe('two processes writing one events file', () => {
  it('counter increments from both resolve by optimistic concurrency: no update is lost', async () => {
    // The file exists before the racers start, as it does once the first replica is up.
    const observer = openStore();
    const increments = 150;
    const subscription = observer.subscribeToAll({ filter: { streamPrefixes: ['counter'] } });
    const seen = take(subscription, increments * 2);
    const results = await Promise.all([race('a', increments), race('b', increments)]);
    expect(results.map((r) => r.increments)).toEqual([increments, increments]);

    const counter = await collect(observer.readStream('counter'));
    // Every increment read the newest value before writing: 1, 2, 3 … with no value twice.
    expect(counter.map((e) => (e.data as { n: number }).n)).toEqual(
      Array.from({ length: increments * 2 }, (_, i) => i + 1),
    );
    const actors = new Set(counter.map((e) => e.metadata.actor.id));
    expect(actors).toEqual(new Set(['replica-a', 'replica-b']));
    // The observer, a third writer-less instance, saw every increment live, in order.
    expect((await seen).map((e) => e.id)).toEqual(counter.map((e) => e.id));

    const all = await collect(observer.readAll());
    expect(all).toHaveLength(increments * 4);
    expect(all.map((e) => e.position)).toEqual(all.map((_, i) => BigInt(i + 1)));
    expect(verifyChain(path)).toMatchObject({ intact: true, events: increments * 4 });
  });
});
