import Database from 'better-sqlite3';
import { rowChainHash, STORED_COLUMNS, type StoredRowTuple } from './hash-chain';
import { GENESIS_HASH } from './sqlite-schema';

export interface ChainReport {
  intact: boolean;
  /** Events checked. */
  events: number;
  /** Hash of the last event that verified (the genesis hash for an empty log). */
  headHash: string;
  /** Position of the last event that verified. */
  headPosition: number;
  /** Set when the chain is broken: the first position that does not verify, and why. */
  firstBadPosition?: number;
  reason?: string;
}

/**
 * Walks the events file in position order and recomputes every link: an edited event changes
 * its own hash, a deleted, inserted or moved one breaks the link of the event after it, and a
 * deleted tail leaves SQLite's AUTOINCREMENT counter ahead of the last position.
 */
export function verifyChain(
  path: string,
  onProgress?: (checked: number, total: number) => void,
): ChainReport {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const total = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    const rows = db
      .prepare(`SELECT ${STORED_COLUMNS} FROM events ORDER BY position ASC`)
      .raw(true)
      .iterate() as IterableIterator<StoredRowTuple>;
    let prevHash = GENESIS_HASH;
    let prevPosition = 0;
    let checked = 0;
    const broken = (position: number, reason: string): ChainReport => ({
      intact: false,
      events: checked,
      headHash: prevHash,
      headPosition: prevPosition,
      firstBadPosition: position,
      reason,
    });
    for (const row of rows) {
      const [position, , , , , , , , , storedPrev, storedHash] = row;
      if (position !== prevPosition + 1) {
        return broken(
          prevPosition + 1,
          position > prevPosition + 1
            ? `event at position ${prevPosition + 1} is missing (next stored position is ${position})`
            : `position ${position} is out of order`,
        );
      }
      if (storedPrev !== prevHash)
        return broken(position, 'its previous-hash link does not match the event before it');
      if (rowChainHash(prevHash, row) !== storedHash)
        return broken(position, 'its content does not match its hash');
      prevHash = storedHash;
      prevPosition = position;
      checked += 1;
      if (onProgress && checked % 10_000 === 0) onProgress(checked, total);
    }
    const sequence = db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`).get() as
      { seq: number } | undefined;
    if (sequence && sequence.seq > prevPosition) {
      return broken(
        prevPosition + 1,
        `events after position ${prevPosition} were removed (the log had reached ${sequence.seq})`,
      );
    }
    onProgress?.(checked, total);
    return { intact: true, events: checked, headHash: prevHash, headPosition: prevPosition };
  } finally {
    db.close();
  }
}
