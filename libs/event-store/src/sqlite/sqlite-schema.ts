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

/**
 * Page size of a new events file. 8 KiB instead of SQLite's 4 KiB: a replay reads every page
 * once, one pread per page, and at ~1.1 KB per event half the pages is a tenth of the replay's
 * time; a commit writes its handful of pages no slower (decision 0021). A file created with
 * another page size keeps it: WAL mode cannot change it.
 */
export const PAGE_SIZE = 8192;

export function applyPragmas(db: Database.Database, synchronous: Synchronous): void {
  // Only takes effect while the file is still empty; a no-op on an existing file.
  db.pragma(`page_size = ${PAGE_SIZE}`);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('busy_timeout = 10000');
}

export function ensureSchema(db: Database.Database): void {
  db.transaction(() => {
    for (const sql of STATEMENTS) db.exec(sql);
  }).immediate();
}
