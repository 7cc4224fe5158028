import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { builtWorker } from './built-worker';
import Database from 'better-sqlite3';
import type { ChainStatus } from '../application/audit.ports';
import { GENESIS_HASH } from '../../../event-store/src/sqlite/sqlite-schema';
import { joinRanges, verifyRange, type Joined, type Link, type RangeResult } from './chain-range';
import type { RangeMessage, RangeTask } from './chain.worker';

export { checkLink, linkHash } from './chain-range';

export interface VerifyOptions {
  /** A head hash recorded earlier (gateway log, backup note): it must be in the chain. */
  expectHead?: string;
  onProgress?: (checked: number, total: number) => void;
  /** Positions between turns of the event loop when verifying on the calling thread (0: never yield, for the CLI). */
  yieldEvery?: number;
  /** Worker threads for a long log (default: one per core, at most 8; 1: always on the calling thread). */
  workers?: number;
  /** Logs with at least this many events are verified in worker threads (default 100,000). */
  parallelFrom?: number;
  /** Rows read per query (default 1,000; the tests use small pages to cross their edges). */
  pageSize?: number;
}

/** Logs shorter than this are walked on the calling thread: starting workers would cost more. */
const PARALLEL_FROM = 100_000;

/**
 * Walks the events file in position order and recomputes every link. An edited event fails on
 * its own content, a deleted, inserted or moved one on the link of the event after it, a
 * deleted tail on SQLite's AUTOINCREMENT counter and, when the counter was reset too, on the
 * expected head hash.
 *
 * The head, the count and the counter are read in one read transaction, and only events up to
 * that head are checked: a gateway appending meanwhile is neither seen half-way nor mistaken
 * for a truncation (stored events never change, the store refuses UPDATE and DELETE). A long
 * log is split into stretches verified side by side in worker threads (`verifyRange`) and
 * joined in order (`joinRanges`), which reports the same first break a single walk would.
 */
export async function verifyLog(path: string, options: VerifyOptions = {}): Promise<ChainStatus> {
  const expected = options.expectHead?.toLowerCase();
  const db = new Database(path, { readonly: true, fileMustExist: true });
  let joined: Joined;
  let sequence: number;
  let total: number;
  try {
    db.pragma('busy_timeout = 10000');
    db.exec('BEGIN');
    const bounds = db.prepare('SELECT count(*) AS n, max(position) AS last FROM events').get() as {
      n: number;
      last: number | null;
    };
    total = bounds.n;
    const last = bounds.last ?? 0;
    sequence =
      (
        db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`).get() as
          { seq: number } | undefined
      )?.seq ?? 0;
    const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), 8));
    const parallel = workers > 1 && total >= (options.parallelFrom ?? PARALLEL_FROM);
    const script = parallel
      ? builtWorker('chain.worker.js', options.workers !== undefined)
      : undefined;
    if (script) {
      db.exec('COMMIT');
      joined = await verifyInWorkers(script, path, last, workers, total, expected, options);
    } else {
      joined = await verifyHere(db, last, total, expected, options);
      db.exec('COMMIT');
    }
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  }
  const { head, checked } = joined;
  let broken = joined.broken;
  if (!broken && sequence > head.position)
    broken = {
      position: head.position + 1,
      reason: `events after position ${head.position} were removed (the log had reached ${sequence})`,
    };
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
    const expectedAt = expected === GENESIS_HASH ? 0 : joined.expectedAt;
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
}

const GENESIS: Link = { position: 0, hash: GENESIS_HASH };

/** On this thread, inside the caller's read transaction; turns the event loop every `yieldEvery` positions. */
async function verifyHere(
  db: Database.Database,
  last: number,
  total: number,
  expectHead: string | undefined,
  options: VerifyOptions,
): Promise<Joined> {
  const step = options.yieldEvery && options.yieldEvery > 0 ? options.yieldEvery : last + 1;
  const ranges: RangeResult[] = [];
  let done = 0;
  for (let from = 1; from <= last; from += step) {
    const range = verifyRange(db, from, Math.min(last, from + step - 1), {
      ...(expectHead !== undefined ? { expectHead } : {}),
      ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
      onProgress: (checked) => options.onProgress?.(done + checked, total),
    });
    ranges.push(range);
    done += range.checked;
    if (range.broken) break;
    if (from + step <= last) await new Promise((resolve) => setImmediate(resolve));
  }
  return joinRanges(GENESIS, ranges);
}

/** Positions 1..last in `workers` equal stretches, each verified by a worker thread of its own. */
async function verifyInWorkers(
  script: string,
  path: string,
  last: number,
  workers: number,
  total: number,
  expectHead: string | undefined,
  { onProgress, pageSize }: VerifyOptions,
): Promise<Joined> {
  const span = Math.ceil(last / workers);
  const progress = new Array<number>(workers).fill(0);
  const ranges = await Promise.all(
    Array.from({ length: workers }, (_, i) => {
      const task: RangeTask = {
        path,
        from: i * span + 1,
        to: Math.min(last, (i + 1) * span),
        ...(expectHead !== undefined ? { expectHead } : {}),
        ...(pageSize !== undefined ? { pageSize } : {}),
      };
      return new Promise<RangeResult>((resolve, reject) => {
        // A small heap: each row's strings are garbage once hashed.
        const worker = new Worker(script, {
          workerData: task,
          resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
        });
        let result: RangeResult | undefined;
        worker.on('message', (message: RangeMessage) => {
          if (message.kind === 'done') {
            result = message.result;
            return;
          }
          progress[i] = message.checked;
          onProgress?.(
            progress.reduce((a, b) => a + b, 0),
            total,
          );
        });
        worker.once('error', reject);
        worker.once('exit', (code) =>
          result
            ? resolve(result)
            : reject(new Error(`chain verification worker exited with code ${code}`)),
        );
      });
    }),
  );
  return joinRanges(GENESIS, ranges);
}
