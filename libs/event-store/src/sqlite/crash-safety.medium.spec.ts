import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contractSchemas } from '../testing/contract-schemas';
import { thing } from '../testing/event-store.contract';
import { SqliteEventStore } from './sqlite-event-store';
import { verifyChain } from './verify-chain';

const HELPER = resolve(__dirname, '../testing/append-until-killed.js');
const BUILT_STORE = resolve(__dirname, '../../../../dist/libs/event-store/src/index.js');
const STREAMS = 24;
const BATCH = 4;

interface Row {
  position: number;
  stream: string;
  revision: number;
  correlationId: string;
}

/** Runs the appending child until it has acknowledged `killAfter` appends, then SIGKILLs it. */
function appendThenKill(path: string, killAfter: number): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [HELPER, path, String(STREAMS), String(BATCH)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let acknowledged = 0;
    let killed = false;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const count = Number(/^appended (\d+)$/.exec(line)?.[1]);
      if (!Number.isInteger(count) || killed) return;
      acknowledged = count;
      if (count >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && killed) done(acknowledged);
      else fail(new Error(`the appending child ended by itself (${signal ?? code}): ${stderr}`));
    });
  });
}

function storedRows(path: string): Row[] {
  const db = new Database(path, { readonly: true });
  try {
    return (
      db
        .prepare('SELECT position, stream, revision, metadata FROM events ORDER BY position')
        .all() as { position: number; stream: string; revision: number; metadata: string }[]
    ).map((r) => ({
      position: r.position,
      stream: r.stream,
      revision: r.revision,
      correlationId: (JSON.parse(r.metadata) as { correlationId: string }).correlationId,
    }));
  } finally {
    db.close();
  }
}

describe('events file after the appending process is SIGKILLed', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    if (!existsSync(BUILT_STORE))
      throw new Error(`${BUILT_STORE} is missing: run "npm run build" first`);
    dir = mkdtempSync(join(tmpdir(), 'nekzus-crash-'));
    path = join(dir, 'events.db');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([150, 320, 500])(
    'killed after %i acknowledged appends: whole appends only, chain intact, writable again',
    async (killAfter) => {
      const acknowledged = await appendThenKill(path, killAfter);

      const chain = verifyChain(path);
      expect(chain).toMatchObject({ intact: true });
      const rows = storedRows(path);
      expect(chain.events).toBe(rows.length);

      // Every acknowledged append survived the kill; at most the ones in flight are missing.
      expect(rows.length).toBeGreaterThanOrEqual(acknowledged * BATCH);
      expect(rows.length % BATCH).toBe(0);

      // Per stream, revisions follow the global order and run 0, 1, 2, … without a gap.
      const revisions = new Map<string, number[]>();
      for (const row of rows) {
        const list = revisions.get(row.stream) ?? [];
        list.push(row.revision);
        revisions.set(row.stream, list);
      }
      expect(revisions.size).toBeGreaterThan(1);
      for (const [stream, list] of revisions) {
        expect({ stream, revisions: list }).toEqual({ stream, revisions: list.map((_, i) => i) });
      }

      // One append = one correlation id = BATCH events, adjacent in the log.
      const appends = new Map<string, Row[]>();
      for (const row of rows)
        appends.set(row.correlationId, [...(appends.get(row.correlationId) ?? []), row]);
      expect(appends.size * BATCH).toBe(rows.length);
      for (const events of appends.values()) {
        expect(events).toHaveLength(BATCH);
        const [first] = events;
        expect(first!.revision % BATCH).toBe(0);
        events.forEach((e, i) => {
          expect(e.stream).toBe(first!.stream);
          expect(e.position).toBe(first!.position + i);
          expect(e.revision).toBe(first!.revision + i);
        });
      }

      // The file is usable again: a new store continues every stream where it stopped.
      const store = SqliteEventStore.open({ path, schemas: contractSchemas() });
      try {
        for (const [stream, list] of revisions) {
          const result = await store.append(stream, [thing(1), thing(2)], {
            streamState: BigInt(list.length - 1),
          });
          expect(result.nextExpectedRevision).toBe(BigInt(list.length + 1));
        }
        await store.append('after-crash', [thing(0)], { streamState: 'no_stream' });
      } finally {
        await store.close();
      }
      expect(verifyChain(path)).toMatchObject({
        intact: true,
        events: rows.length + revisions.size * 2 + 1,
      });
    },
  );
});
