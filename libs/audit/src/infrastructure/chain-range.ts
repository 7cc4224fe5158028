import type Database from 'better-sqlite3';
// From the module, not the event store's barrel: verify workers load this file and must stay
// small (the barrel brings the KurrentDB client).
import { hash } from 'node:crypto';
import {
  CHAIN_INPUT_SQL,
  isExactChainInput,
  rowChainHash,
} from '../../../event-store/src/sqlite/hash-chain';
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
 * verifies. Used by `events import`, which checks each row as it arrives.
 */
export function checkLink(row: RawRow, prev: Link): ChainBreak | undefined {
  return (
    checkPlace({ position: row[0], prevHash: row[9] }, prev) ??
    (contentMatches(row) ? undefined : { position: row[0], reason: CONTENT_MISMATCH })
  );
}

/** What the row says: its stored hash is the hash of its columns after its stored link. */
function contentMatches(row: RawRow): boolean {
  return linkHash(row[9], row) === row[10];
}

const CONTENT_MISMATCH = 'its content does not match its hash';

/** Where a row sits: its position and the link it stores to the row before it. */
export interface Place {
  position: number;
  prevHash: string;
}

/** Where the row sits: right after `prev`, and linked to it. */
function checkPlace(row: Place, prev: Link): ChainBreak | undefined {
  const position = row.position;
  if (position > prev.position + 1)
    return {
      position: prev.position + 1,
      reason: `event at position ${prev.position + 1} is missing (next stored position is ${position})`,
    };
  if (position !== prev.position + 1)
    return { position, reason: `position ${position} is out of order` };
  if (row.prevHash !== prev.hash)
    return { position, reason: 'its previous-hash link does not match the event before it' };
  return undefined;
}

/**
 * One stretch of the log, verified on its own: every link inside it, and the content of every
 * row against its own stored previous hash. How the stretch joins the one before it (its first
 * row's position and link) is left to whoever puts the stretches together (`joinRanges`), so
 * stretches can be checked side by side in worker threads.
 */
export interface RangeResult {
  /** The first row of the stretch, if it has any: where it must join the stretch before. */
  first?: Place;
  /** The last row that verified (undefined: none did). */
  last?: Link;
  /** Rows that verified. */
  checked: number;
  /** The first row inside the stretch that does not verify. */
  broken?: ChainBreak;
  /** Position of the row whose hash is the expected head, among the rows that verified. */
  expectedAt?: number;
}

/** A page of rows as `verifyRange` reads them: SQLite builds each row's hash input. */
type InputRow = [position: number, prevHash: string, hash: string, input: string | null];

const PAGE = 1_000;
/** Pages read column by column after a page where more than a tenth of the rows were not ASCII. */
const COLUMN_PAGES = 16;

/**
 * Positions `from` to `to` (both inclusive) of an open events file.
 *
 * Rows are read in pages (`PAGE` by default) with SQLite building each row's hash input
 * (`CHAIN_INPUT_SQL`): four values per row instead of eleven, and no string joined here, which
 * takes a row from ~8.1 to ~4.6 µs on this project's VM (decision 0016). A row that is not
 * ASCII, where that input is not `chainHash`'s, is read again whole and hashed from its
 * columns. Where such rows are common (more than a tenth of a page), the next `COLUMN_PAGES`
 * pages are read column by column, as every row was before: a log written by an administrator
 * named José verifies no slower than it used to.
 */
export function verifyRange(
  db: Database.Database,
  from: number,
  to: number,
  options: { expectHead?: string; pageSize?: number; onProgress?: (checked: number) => void } = {},
): RangeResult {
  const pageSize = options.pageSize ?? PAGE;
  const range = `FROM events WHERE position >= ? AND position <= ? ORDER BY position LIMIT ${pageSize}`;
  const inputPage = db.prepare(`SELECT position, prev_hash, hash, ${CHAIN_INPUT_SQL} ${range}`);
  const columnPage = db.prepare(`SELECT ${ROW_COLUMNS} ${range}`);
  inputPage.raw(true);
  columnPage.raw(true);
  let whole: Database.Statement | undefined;
  let fallbacks = 0;
  const inputMatches = (row: InputRow): boolean => {
    const input = row[3];
    if (input !== null && isExactChainInput(input)) return hash('sha256', input, 'hex') === row[2];
    fallbacks += 1;
    whole ??= db.prepare(`SELECT ${ROW_COLUMNS} FROM events WHERE position = ?`).raw(true);
    const stored = whole.get(row[0]) as RawRow | undefined;
    return stored !== undefined && contentMatches(stored);
  };
  const result: RangeResult = { checked: 0 };
  let prev: Link | undefined;
  let columnPagesLeft = 0;
  /** Records one row; false once the stretch is broken (then `result` says where and why). */
  const check = (position: number, prevHash: string, rowHash: string, content: boolean) => {
    // The first row's place is the caller's to check (`joinRanges`); its content is checked here.
    if (prev === undefined) result.first = { position, prevHash };
    const broken =
      (prev === undefined ? undefined : checkPlace({ position, prevHash }, prev)) ??
      (content ? undefined : { position, reason: CONTENT_MISMATCH });
    if (broken) {
      result.broken = broken;
      return false;
    }
    prev = { position, hash: rowHash };
    if (rowHash === options.expectHead) result.expectedAt = position;
    result.checked += 1;
    if (options.onProgress && result.checked % 10_000 === 0) options.onProgress(result.checked);
    return true;
  };
  for (let next = from; next <= to; next = prev!.position + 1) {
    let count: number;
    if (columnPagesLeft > 0) {
      columnPagesLeft -= 1;
      const rows = columnPage.all(next, to) as RawRow[];
      count = rows.length;
      for (const row of rows) if (!check(row[0], row[9], row[10], contentMatches(row))) break;
    } else {
      fallbacks = 0;
      const rows = inputPage.all(next, to) as InputRow[];
      count = rows.length;
      for (const row of rows) if (!check(row[0], row[1], row[2], inputMatches(row))) break;
      if (fallbacks * 10 > count) columnPagesLeft = COLUMN_PAGES;
    }
    if (result.broken || count < pageSize) break;
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
