import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { GENESIS_HASH } from '#libs/event-store';
import type { ChainStatus } from '../application/audit.ports';
import { ROW_COLUMNS, type RawRow } from './log-row';

/**
 * The event store's chain link (libs/event-store `chainHash`): SHA-256 over the previous hash
 * and every stored column, each length-prefixed. Built as one string and hashed in one call,
 * which is what makes verifying a million events fast; the store's own files are the test
 * that both functions agree.
 */
export function linkHash(prevHash: string, row: RawRow): string {
  const [position, id, stream, revision, type, schemaVersion, data, metadata, recordedAt] = row;
  const p = String(position);
  const r = String(revision);
  const v = String(schemaVersion);
  return createHash('sha256')
    .update(
      `${prevHash}\n${p.length}:${p}\n${id.length}:${id}\n${stream.length}:${stream}\n${r.length}:${r}\n${type.length}:${type}\n${v.length}:${v}\n${recordedAt.length}:${recordedAt}\n${metadata.length}:${metadata}\n${data.length}:${data}`,
    )
    .digest('hex');
}

export interface VerifyOptions {
  /** A head hash recorded earlier (gateway log, backup note): it must be in the chain. */
  expectHead?: string;
  onProgress?: (checked: number, total: number) => void;
  /** Rows between turns of the event loop (0: never yield, for the CLI). */
  yieldEvery?: number;
}

/**
 * Checks a row against the link before it. Returns the reason it fails, or undefined when it
 * verifies. Shared by `verify` and by `events import`, which checks each row as it arrives.
 */
export function checkLink(
  row: RawRow,
  prev: { position: number; hash: string },
): { position: number; reason: string } | undefined {
  const position = row[0];
  if (position > prev.position + 1)
    return {
      position: prev.position + 1,
      reason: `event at position ${prev.position + 1} is missing (next stored position is ${position})`,
    };
  if (position !== prev.position + 1)
    return { position, reason: `position ${position} is out of order` };
  if (row[9] !== prev.hash)
    return { position, reason: 'its previous-hash link does not match the event before it' };
  if (linkHash(prev.hash, row) !== row[10])
    return { position, reason: 'its content does not match its hash' };
  return undefined;
}

/**
 * Walks the events file in position order inside one read transaction (a gateway appending
 * meanwhile is neither seen half-way nor mistaken for a truncation) and recomputes every link.
 * An edited event fails on its own content, a deleted, inserted or moved one on the link of
 * the event after it, a deleted tail on SQLite's AUTOINCREMENT counter and, when the counter
 * was reset too, on the expected head hash.
 */
export async function verifyLog(path: string, options: VerifyOptions = {}): Promise<ChainStatus> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 10000');
  try {
    db.exec('BEGIN');
    const total = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    const rows = db
      .prepare(`SELECT ${ROW_COLUMNS} FROM events ORDER BY position ASC`)
      .raw(true)
      .iterate() as IterableIterator<RawRow>;
    const head = { position: 0, hash: GENESIS_HASH };
    let checked = 0;
    let broken: { position: number; reason: string } | undefined;
    let expectedAt: number | undefined;
    const yieldEvery = options.yieldEvery ?? 0;
    const expected = options.expectHead?.toLowerCase();
    for (const row of rows) {
      broken = checkLink(row, head);
      if (broken) {
        rows.return?.();
        break;
      }
      head.position = row[0];
      head.hash = row[10];
      if (row[10] === expected) expectedAt = row[0];
      checked += 1;
      if (checked % 10_000 === 0) {
        options.onProgress?.(checked, total);
        if (yieldEvery > 0 && checked % yieldEvery === 0)
          await new Promise((resolve) => setImmediate(resolve));
      }
    }
    if (!broken) {
      const sequence = db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`).get() as
        { seq: number } | undefined;
      if (sequence && sequence.seq > head.position)
        broken = {
          position: head.position + 1,
          reason: `events after position ${head.position} were removed (the log had reached ${sequence.seq})`,
        };
    }
    db.exec('COMMIT');
    const status: ChainStatus = {
      intact: broken === undefined,
      events: checked,
      headPosition: head.position,
      headHash: head.hash,
    };
    if (broken) {
      status.firstBadPosition = broken.position;
      status.reason = broken.reason;
      status.failure = 'chain';
    }
    if (expected !== undefined) {
      if (expected === GENESIS_HASH) expectedAt = 0;
      status.expectedHead =
        expectedAt === undefined
          ? { hash: expected }
          : { hash: expected, position: expectedAt, newerEvents: head.position - expectedAt };
      if (expectedAt === undefined && status.intact) {
        status.intact = false;
        status.failure = 'expected-head';
        status.firstBadPosition = head.position + 1;
        status.reason = `the expected head ${expected} is not in the log: events were removed from its end, or it was rewritten (the log ends at position ${head.position} with ${head.hash})`;
      }
    }
    if (status.intact) options.onProgress?.(checked, total);
    return status;
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  }
}
