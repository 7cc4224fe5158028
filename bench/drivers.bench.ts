import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { uuidv7 } from '#libs/event-store';
import type { BenchOptions } from './support/cli';
import { median } from './support/median';
import { type BenchReport, type Figure } from './support/report';
import { withTempDir } from './support/temp-dir';

/**
 * Why the event store talks to SQLite through better-sqlite3 and not through TypeORM (which
 * serves the read models): the same append — read the stream's last revision, check it,
 * insert the event — through each, single appends and batches of 100, synchronous=NORMAL so
 * the figures compare CPU cost rather than the disk's flush.
 */
const STREAMS = 1000;

const SCHEMA = `CREATE TABLE events (
  position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL,
  revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, UNIQUE(stream, revision))`;
const DATA = JSON.stringify({
  routeId: 'r',
  appId: 'a',
  pathBase: '/apps/r/',
  to: 'http://10.0.0.1:8080',
});
const REVISION = 'SELECT max(revision) AS revision FROM events WHERE stream = ?';
const INSERT = 'INSERT INTO events (id, stream, revision, type, data) VALUES (?, ?, ?, ?, ?)';

async function direct(dir: string, appends: number, batch: number): Promise<number> {
  const db = new Database(join(dir, 'direct.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  const revision = db.prepare<[string], { revision: number | null }>(REVISION);
  const insert = db.prepare(INSERT);
  const append = db.transaction((stream: string) => {
    let r = revision.get(stream)?.revision ?? -1;
    for (let i = 0; i < batch; i++) insert.run(uuidv7(), stream, ++r, 'RouteChanged', DATA);
  });
  const started = performance.now();
  for (let i = 0; i < appends; i++) append.immediate(`route-${i % STREAMS}`);
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return (appends * batch) / seconds;
}

async function viaTypeorm(dir: string, appends: number, batch: number): Promise<number> {
  const ds = new DataSource({
    type: 'better-sqlite3',
    database: join(dir, 'typeorm.db'),
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    },
  });
  await ds.initialize();
  await ds.query(SCHEMA);
  const started = performance.now();
  for (let i = 0; i < appends; i++) {
    const stream = `route-${i % STREAMS}`;
    await ds.transaction(async (m) => {
      const rows = await m.query<{ revision: number | null }[]>(REVISION, [stream]);
      let r = rows[0]?.revision ?? -1;
      for (let j = 0; j < batch; j++)
        await m.query(INSERT, [uuidv7(), stream, ++r, 'RouteChanged', DATA]);
    });
  }
  const seconds = (performance.now() - started) / 1000;
  await ds.destroy();
  return (appends * batch) / seconds;
}

export async function runDriversBench(options: BenchOptions): Promise<BenchReport> {
  const appends = options.quick ? 4_000 : 20_000;
  const figures: Figure[] = [];
  for (const batch of [1, 100]) {
    const n = batch === 1 ? appends : appends / 10;
    // Alternating rounds, median of three: this machine's disk and cores are shared.
    const ds: number[] = [];
    const ts: number[] = [];
    for (let round = 0; round < 3; round++) {
      ds.push(await withTempDir('direct', (dir) => direct(dir, n, batch)));
      ts.push(await withTempDir('typeorm', (dir) => viaTypeorm(dir, n, batch)));
    }
    const d = median(ds);
    const t = median(ts);
    const label = batch === 1 ? '1 event/append' : '100 events/append';
    figures.push(
      {
        key: `drivers.direct.${batch}`,
        label: `better-sqlite3, ${label}`,
        value: d,
        unit: 'events/s',
      },
      {
        key: `drivers.typeorm.${batch}`,
        label: `TypeORM (better-sqlite3 driver), ${label}`,
        value: t,
        unit: 'events/s',
        ratio: { value: t / d, to: 'better-sqlite3' },
      },
    );
  }
  return {
    name: 'drivers',
    title:
      'SQLite access for the event store: better-sqlite3 directly against TypeORM (bench/drivers.bench.ts)',
    quick: options.quick,
    method: [
      `${appends.toLocaleString('en-US')} appends over ${STREAMS} streams (batches: ${(appends / 10).toLocaleString('en-US')} appends of 100), each in its own transaction: read the stream's last revision, insert the next event(s)`,
      'synchronous=NORMAL for both, so the figures compare the CPU cost of each path, not the disk flush; three alternating rounds each, the median reported',
      'TypeORM: DataSource.transaction + manager.query with the same SQL (its fastest path; the query builder and repositories cost more)',
    ],
    sections: [{ title: 'Appends with a revision check', figures }],
    findings: [],
  };
}
