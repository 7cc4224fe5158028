import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { verifyRange, type RangeResult } from './chain-range';

/** Verifies one stretch of an events file off the main thread (see `verifyLog`). */
export interface RangeTask {
  path: string;
  from: number;
  to: number;
  expectHead?: string;
  pageSize?: number;
}

export type RangeMessage =
  { kind: 'progress'; checked: number } | { kind: 'done'; result: RangeResult };

const port = parentPort;
if (!port) throw new Error('chain.worker must run in a worker thread');
const task = workerData as RangeTask;
const db = new Database(task.path, { readonly: true, fileMustExist: true });
try {
  db.pragma('busy_timeout = 10000');
  const result = verifyRange(db, task.from, task.to, {
    ...(task.expectHead !== undefined ? { expectHead: task.expectHead } : {}),
    ...(task.pageSize !== undefined ? { pageSize: task.pageSize } : {}),
    onProgress: (checked) => port.postMessage({ kind: 'progress', checked } satisfies RangeMessage),
  });
  port.postMessage({ kind: 'done', result } satisfies RangeMessage);
} finally {
  db.close();
}
