import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, SqliteEventStore } from '#libs/event-store';
import { loadSchemas } from '../../../../apps/gateway/src/event-schemas';
import { MemoryNameBook } from '../domain/audit-entry';
import type { AuditFilter } from '../domain/audit-filter';
import { entryLine, replayEntries } from './audit-replay';
import { linkHash } from './chain-range';
import { EventLogFile } from './event-log-file';
import type { RawRow } from './log-row';
import { columnLineSpec, replayBlocks, type ReplayBlockOptions } from './replay-blocks';

const schemas = loadSchemas();
const EVENTS = 400;

/**
 * A log written row by row with a valid chain: routes stored at v1 (upcast on read) and v2,
 * phones paired and renamed along the way and acting as themselves, API keys with secrets,
 * administrators signing in. Names change while the log goes on, so a stretch replayed without
 * every naming event before it would show the wrong name.
 */
function writeLog(path: string): void {
  const db = new Database(path);
  const insert = db.prepare(
    `INSERT INTO events (position, id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const revisions = new Map<string, number>();
  let prev = GENESIS_HASH;
  const route = (i: number, to: string, v2: boolean) => ({
    routeId: `r${i}`,
    appId: 'a',
    pathBase: `/apps/r${i}/`,
    to,
    scopes: [],
    publicAccess: false,
    ...(v2 ? { tlsSkipVerify: false, preserveHost: true } : {}),
  });
  db.transaction(() => {
    for (let n = 1; n <= EVENTS; n++) {
      const phone = `phone-${n % 7}`;
      const admin = { kind: 'admin', id: 'alice' };
      let event: [stream: string, type: string, version: number, data: unknown, actor: object];
      let extra: Record<string, unknown> = { sourceIp: '192.168.1.9' };
      if (n % 37 === 0) {
        // What SQLite describes from the columns, with text that needs escaping and streams of
        // every shape targetOf knows.
        const k = n / 37;
        const streams = [
          'app-a"b\\c',
          'pairing-x',
          'apikey-k29',
          'api_key-k58',
          'nodash',
          '-lead',
          'cat-é😀-x',
          `device-${phone}`,
          'route-\u0001\t',
          'app-zoë',
        ];
        const actors = [
          { kind: 'apikey', id: 'k29' },
          { kind: 'system', id: 'with "quotes", \\, \u0001 and é' },
          { kind: 'device', id: phone },
          { kind: 'admin', id: '𝔄lice' },
        ];
        event = [
          streams[k % streams.length]!,
          'AppRegistered',
          1,
          { app: { id: `x${n}` } },
          actors[k % 4]!,
        ];
        extra =
          k % 3 === 0
            ? { causationId: `cause-${n}` }
            : { sourceIp: k % 3 === 1 ? '' : '10.0.0.1', causationId: '' };
      } else if (n % 41 === 0)
        // A type no schema here knows: SQLite leaves it out and it goes the long way.
        event = ['legacy-1', 'LegacyThingHappened', 1, { n }, { kind: 'admin', id: 'alice' }];
      else if (n % 23 === 0)
        event = [
          `device-${phone}`,
          'DevicePaired',
          1,
          { deviceId: phone, name: `Phone ${n}` },
          admin,
        ];
      else if (n % 17 === 0)
        event = [
          `device-${phone}`,
          'DeviceRenamed',
          1,
          { deviceId: phone, name: `Renamed ${n}` },
          { kind: 'device', id: phone },
        ];
      else if (n % 29 === 0)
        event = [
          `apikey-k${n}`,
          'ApiKeyCreated',
          1,
          { keyId: `k${n}`, name: `Key ${n}`, keyHash: 'secret-hash' },
          admin,
        ];
      else if (n % 31 === 0)
        event = [
          'admin-sessions',
          'AdminSignedIn',
          1,
          { username: 'alice', sessionId: randomUUID() },
          admin,
        ];
      else if (n % 5 === 0)
        event = [
          `route-r${n % 13}`,
          'RouteAdded',
          1,
          { route: route(n % 13, `http://10.0.0.${n % 250}`, false) },
          admin,
        ];
      else
        event = [
          `route-r${n % 13}`,
          'RouteChanged',
          2,
          {
            routeId: `r${n % 13}`,
            route: route(n % 13, `http://10.1.0.${n % 250}`, true),
            changedFields: ['to'],
          },
          n % 3 === 0 ? { kind: 'device', id: phone } : admin,
        ];
      const [stream, type, version, data, actor] = event;
      const revision = (revisions.get(stream) ?? -1) + 1;
      revisions.set(stream, revision);
      const metadata = JSON.stringify({
        correlationId: n % 37 === 0 ? `c${n % 11}-ü` : `c${n % 11}`,
        actor,
        ...extra,
      });
      const row: RawRow = [
        n,
        randomUUID(),
        stream,
        revision,
        type,
        version,
        JSON.stringify(data),
        metadata,
        new Date(Date.UTC(2025, 0, 1) + n * 1000).toISOString(),
        prev,
        '',
      ];
      row[10] = linkHash(prev, row);
      prev = row[10];
      insert.run(...row);
    }
  })();
  db.close();
}

describe('replayBlocks', () => {
  let dir: string;
  let log: EventLogFile;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nekzus-replay-blocks-'));
    const path = join(dir, 'events.db');
    await SqliteEventStore.open({ path, schemas, writer: 'inline' }).close();
    writeLog(path);
    log = EventLogFile.open(path, schemas);
  });

  afterAll(() => {
    log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What a single walk on this thread writes: the reference. */
  function walk(
    filter: AuditFilter,
    after: number,
    to: number,
    names = new MemoryNameBook(),
  ): string {
    let text = '';
    for (const replayed of replayEntries(log, filter, after, to, names))
      text += `${entryLine(replayed)}\n`;
    return text;
  }

  async function blocks(filter: AuditFilter, options: ReplayBlockOptions) {
    let text = '';
    let entries = 0;
    let moved = 0;
    const positions: number[] = [];
    for await (const block of replayBlocks(log, filter, options)) {
      text += Buffer.concat(block.chunks).toString('utf8');
      entries += block.entries;
      positions.push(block.position);
      // Handed back to the workers, which write the next blocks into the same buffers.
      const sizes = block.chunks.map((chunk) => chunk.byteLength);
      block.release();
      moved += block.chunks.filter((chunk, i) => sizes[i]! > 0 && chunk.byteLength === 0).length;
    }
    return { text, entries, positions, moved };
  }

  const MODES: [string, Partial<ReplayBlockOptions>][] = [
    ['on this thread', { workers: 1 }],
    ['in three workers, 7 positions a block', { workers: 3, parallelFrom: 0, blockSize: 7 }],
    ['in two workers, 64 positions a block', { workers: 2, parallelFrom: 0, blockSize: 64 }],
    [
      'in two workers, text buffers too small for most pieces',
      { workers: 2, parallelFrom: 0, blockSize: 5, textBytes: 2500 },
    ],
    [
      'in two workers describing every event themselves',
      { workers: 2, parallelFrom: 0, blockSize: 64, columns: false },
    ],
  ];

  it('has SQLite write, row by row, the very line a single walk writes for every row it describes', () => {
    const spec = columnLineSpec(log, {}, 'ndjson');
    expect(spec).toBeDefined();
    // A connection of its own: the walk below learns names while its query is open.
    const other = EventLogFile.open(log.path, schemas);
    try {
      const lines = other.columnLines({}, spec!);
      const names = new MemoryNameBook((key, name) => lines.name(key, name));
      const left: string[] = [];
      let described = 0;
      for (const replayed of replayEntries(log, {}, 0, EVENTS, names)) {
        const { position, type } = replayed.row;
        const got = lines.lines(position - 1, position);
        expect(got.entries).toBe(1);
        if (got.missing === 0) {
          expect(got.text).toBe(`${entryLine(replayed)}\n`);
          described += 1;
        } else left.push(`${type}@${replayed.row.raw[5]}`);
      }
      // Left out: types that read their data or hold secrets, older versions, unknown types.
      expect(new Set(left)).toEqual(
        new Set([
          'DevicePaired@1',
          'DeviceRenamed@1',
          'ApiKeyCreated@1',
          'AdminSignedIn@1',
          'RouteAdded@1',
          'LegacyThingHappened@1',
        ]),
      );
      expect(described).toBeGreaterThan(EVENTS / 2);
      // The rows found the long way are exactly those.
      expect(lines.undescribed(0, EVENTS)).toHaveLength(left.length);
    } finally {
      other.close();
    }
  });

  describe.each(MODES)('%s', (_name, mode) => {
    it('writes exactly what a single walk writes, names learnt along the way and secrets masked', async () => {
      const expected = walk({}, 0, EVENTS);
      const got = await blocks({}, { ...mode, to: EVENTS, style: 'ndjson' });
      expect(got.text).toBe(expected);
      expect(got.entries).toBe(EVENTS);
      expect(got.positions.at(-1)).toBe(EVENTS);
      expect(got.positions).toEqual([...got.positions].sort((a, b) => a - b));
      // Workers' text is moved back to them once written out; text written here is not.
      if (mode.workers === 1) expect(got.moved).toBe(0);
      else expect(got.moved).toBeGreaterThan(got.positions.length / 2);
      // The fixture really exercises what must not go wrong between blocks.
      expect(expected).toContain('"name":"Renamed');
      expect(expected).toContain('"keyHash":"[redacted]"');
      expect(expected).toContain('"maxBodyBytes":0'); // a v1 route upcast on read
    });

    it('honours a filter, and a stretch replayed after another goes on with the names it learnt', async () => {
      const filter: AuditFilter = { actor: 'device:phone-3' };
      const names = new MemoryNameBook();
      const first = await blocks(filter, { ...mode, to: 150, names, style: 'ndjson' });
      expect(names.position).toBe(150);
      const second = await blocks(filter, {
        ...mode,
        after: 150,
        to: EVENTS,
        names,
        style: 'ndjson',
      });
      const expected = walk(filter, 0, EVENTS);
      expect(first.text + second.text).toBe(expected);
      // A book that knows nothing yet learns the names given before the stretch.
      const fresh = await blocks(filter, { ...mode, after: 150, to: EVENTS, style: 'ndjson' });
      expect(fresh.text).toBe(second.text);
      expect(expected.split('\n').length).toBeGreaterThan(5);
    });

    it('learns names from the naming events a filter leaves out', async () => {
      // Phones renamed while they act: the renames are not shown, the new names are.
      const filter: AuditFilter = { types: ['RouteChanged', 'AppRegistered'] };
      const expected = walk(filter, 0, EVENTS);
      const got = await blocks(filter, { ...mode, to: EVENTS, style: 'ndjson' });
      expect(got.text).toBe(expected);
      expect(expected).not.toContain('"eventType":"DeviceRenamed"');
      expect(expected).toContain('"actor":{"kind":"device","id":"phone-3","name":"Renamed');
    });

    it('writes JSON array items with their separators', async () => {
      // Renames described here, route changes written by SQLite where it writes lines.
      const filter: AuditFilter = { types: ['DeviceRenamed', 'RouteChanged'] };
      const got = await blocks(filter, { ...mode, to: EVENTS, style: 'json' });
      const items = JSON.parse(`[${got.text.slice(1)}\n]`) as { eventType: string }[];
      expect(items).toHaveLength(got.entries);
      expect(new Set(items.map((i) => i.eventType))).toEqual(new Set(filter.types));
      const lines = walk(filter, 0, EVENTS).split('\n').slice(0, -1);
      expect(got.text).toBe(lines.map((line) => `,\n${line}`).join(''));
    });
  });
});
