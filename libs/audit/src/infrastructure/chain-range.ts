import type Database from 'better-sqlite3';
// From the module, not the event store's barrel: verify workers load this file and must stay
// small (the barrel brings the KurrentDB client).
import { rowChainHash } from '../../../event-store/src/sqlite/hash-chain';
import { ROW_COLUMNS, type RawRow } from './log-row';

/** The event store's chain link (`chainHash`) of a stored row, as the audit tools read rows. */
export const linkHash: (prevHash: string, row: RawRow) => string = rowChainHash;

export interface Link {
  position: number;
  hash: string;
}

export interface ChainBreak {
  position: number;
  reason: string;
}

/**
 * Checks a row against the link before it. Returns the reason it fails, or undefined when it
 * verifies. Shared by `verify` and by `events import`, which checks each row as it arrives.
 */
export function checkLink(row: RawRow, prev: Link): ChainBreak | undefined {
  return checkPlace(row, prev) ?? checkContent(row);
}

/** Where the row sits: right after `prev`, and linked to it. */
function checkPlace(row: RawRow, prev: Link): ChainBreak | undefined {
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
  return undefined;
}

/** What the row says: its stored hash is the hash of its content after its stored link. */
function checkContent(row: RawRow): ChainBreak | undefined {
  return linkHash(row[9], row) === row[10]
    ? undefined
    : { position: row[0], reason: 'its content does not match its hash' };
}

/**
 * One stretch of the log, verified on its own: every link inside it, and the content of every
 * row against its own stored previous hash. How the stretch joins the one before it (its first
 * row's position and link) is left to whoever puts the stretches together (`joinRanges`), so
 * stretches can be checked side by side in worker threads.
 */
export interface RangeResult {
  /** The first row of the stretch, if it has any: where it must join the stretch before. */
  first?: RawRow;
  /** The last row that verified (undefined: none did). */
  last?: Link;
  /** Rows that verified. */
  checked: number;
  /** The first row inside the stretch that does not verify. */
  broken?: ChainBreak;
  /** Position of the row whose hash is the expected head, among the rows that verified. */
  expectedAt?: number;
}

/** Positions `from` to `to` (both inclusive) of an open events file. */
export function verifyRange(
  db: Database.Database,
  from: number,
  to: number,
  options: { expectHead?: string; onProgress?: (checked: number) => void } = {},
): RangeResult {
  const rows = db
    .prepare(
      `SELECT ${ROW_COLUMNS} FROM events WHERE position >= ? AND position <= ? ORDER BY position`,
    )
    .raw(true)
    .iterate(from, to) as IterableIterator<RawRow>;
  const result: RangeResult = { checked: 0 };
  let prev: Link | undefined;
  for (const row of rows) {
    if (prev === undefined) {
      // The first row's place is the caller's to check; its content is checked here.
      result.first = row;
      const broken = checkContent(row);
      if (broken) {
        result.broken = broken;
        rows.return?.();
        break;
      }
    } else {
      const broken = checkLink(row, prev);
      if (broken) {
        result.broken = broken;
        rows.return?.();
        break;
      }
    }
    prev = { position: row[0], hash: row[10] };
    if (row[10] === options.expectHead) result.expectedAt = row[0];
    result.checked += 1;
    if (options.onProgress && result.checked % 10_000 === 0) options.onProgress(result.checked);
  }
  if (prev) result.last = prev;
  return result;
}

/** The outcome of stretches put together in log order, as if they had been walked as one. */
export interface Joined {
  head: Link;
  checked: number;
  broken?: ChainBreak;
  expectedAt?: number;
}

/**
 * Puts verified stretches together in order: each stretch's first row must sit right after the
 * last row of the one before and link to it. The first break found this way is the first break
 * of the whole log, with the same position and reason a single walk would give.
 */
export function joinRanges(start: Link, ranges: readonly RangeResult[]): Joined {
  const joined: Joined = { head: { ...start }, checked: 0 };
  for (const range of ranges) {
    if (range.first) {
      const place = checkPlace(range.first, joined.head);
      if (place) return { ...joined, broken: place };
    }
    joined.checked += range.checked;
    if (range.expectedAt !== undefined) joined.expectedAt = range.expectedAt;
    if (range.last) joined.head = { ...range.last };
    if (range.broken) return { ...joined, broken: range.broken };
  }
  return joined;
}
