import type Database from 'better-sqlite3';

/** Hash that precedes the first event of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

const STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS events (
     position       INTEGER PRIMARY KEY AUTOINCREMENT,
     id             TEXT    NOT NULL,
     stream         TEXT    NOT NULL,
     revision       INTEGER NOT NULL,
     type           TEXT    NOT NULL,
     schema_version INTEGER NOT NULL,
     data           TEXT    NOT NULL,
     metadata       TEXT    NOT NULL,
     recorded_at    TEXT    NOT NULL,
     prev_hash      TEXT    NOT NULL,
     hash           TEXT    NOT NULL
   )`,
  `CREATE UNIQUE INDEX IF NOT EXISTS events_id ON events(id)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS events_stream_revision ON events(stream, revision)`,
  `CREATE INDEX IF NOT EXISTS events_type_position ON events(type, position)`,
  `CREATE TRIGGER IF NOT EXISTS events_refuse_update BEFORE UPDATE ON events
   BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END`,
  `CREATE TRIGGER IF NOT EXISTS events_refuse_delete BEFORE DELETE ON events
   BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END`,
];

export type Synchronous = 'FULL' | 'NORMAL';

export function applyPragmas(db: Database.Database, synchronous: Synchronous): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 10000');
}

export function ensureSchema(db: Database.Database): void {
  db.transaction(() => {
    for (const sql of STATEMENTS) db.exec(sql);
  }).immediate();
}
