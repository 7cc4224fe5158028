import { closeSync, openSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';
// The audit tools straight from their modules, not through the library's barrel (which brings
// the gateway's NestJS modules): the child's RSS is what the tools use.
import { loadSchemas } from '../apps/gateway/src/event-schemas';
import { stateAt } from '../libs/audit/src/application/history';
import { verifyLog } from '../libs/audit/src/infrastructure/chain';
import { EventLogFile } from '../libs/audit/src/infrastructure/event-log-file';
import { replayBlocks } from '../libs/audit/src/infrastructure/replay-blocks';
import { rssMB, runMeasuredChild } from './support/child';

/**
 * One audit measurement over an events file, in a process of its own (so its peak RSS is its
 * own): `bare` pages through the rows and JSON.parses every event's data and metadata (the
 * floor a reader that looks at every event pays), `replay` writes every audit entry as NDJSON
 * to `out`, `verify` walks the hash chain, `at` folds the state at `at`.
 */
export interface AuditTask {
  mode: 'bare' | 'replay' | 'verify' | 'at';
  eventsPath: string;
  schemasDir: string;
  out?: string;
  at?: string;
}

export interface AuditResult {
  events: number;
  seconds: number;
  bytes: number;
  rssBeforeMB: number;
  peakRssMB: number;
  longestBlockMs: number;
  detail: string;
}

const PAGE = 1000;

function bare(task: AuditTask): { events: number; bytes: number; detail: string } {
  const db = new Database(task.eventsPath, { readonly: true, fileMustExist: true });
  let events = 0;
  let actors = 0;
  try {
    const page = db
      .prepare(
        'SELECT position, id, stream, revision, type, schema_version, data, metadata, recorded_at FROM events WHERE position >= ? ORDER BY position ASC LIMIT ?',
      )
      .raw(true);
    for (let cursor = 0; ;) {
      const rows = page.all(cursor, PAGE) as [
        number,
        string,
        string,
        number,
        string,
        number,
        string,
        string,
        string,
      ][];
      for (const row of rows) {
        const data = JSON.parse(row[6]) as unknown;
        const metadata = JSON.parse(row[7]) as { actor?: unknown };
        if (data !== null && metadata.actor) actors += 1;
      }
      events += rows.length;
      if (rows.length < PAGE) break;
      cursor = rows[rows.length - 1]![0] + 1;
    }
  } finally {
    db.close();
  }
  return { events, bytes: 0, detail: `${actors} actors read` };
}

async function replay(task: AuditTask): Promise<{ events: number; bytes: number; detail: string }> {
  const log = EventLogFile.open(task.eventsPath, loadSchemas());
  const fd = openSync(task.out!, 'w');
  let events = 0;
  let bytes = 0;
  try {
    for await (const block of replayBlocks(log, {}, { to: log.head().position, style: 'ndjson' })) {
      events += block.entries;
      for (const chunk of block.chunks) bytes += writeSync(fd, chunk);
      block.release();
    }
  } finally {
    closeSync(fd);
    log.close();
  }
  return { events, bytes, detail: '' };
}

let rssBeforeMB = 0;
runMeasuredChild<
  AuditTask,
  { events: number; bytes: number; detail: string; seconds: number },
  AuditResult
>(
  async (task) => {
    rssBeforeMB = rssMB();
    const started = performance.now();
    let result: { events: number; bytes: number; detail: string };
    switch (task.mode) {
      case 'bare':
        result = bare(task);
        break;
      case 'replay':
        result = await replay(task);
        break;
      case 'verify': {
        const status = await verifyLog(task.eventsPath);
        if (!status.intact) throw new Error(`chain broken: ${status.reason}`);
        result = { events: status.events, bytes: 0, detail: status.headHash };
        break;
      }
      case 'at': {
        const log = EventLogFile.open(task.eventsPath, loadSchemas());
        try {
          const state = stateAt(log, task.at!);
          result = {
            events: state.position,
            bytes: 0,
            detail: `position ${state.position}: ${state.apps.length} apps, ${state.routes.length} routes, ${state.devices.length} devices`,
          };
        } finally {
          log.close();
        }
        break;
      }
    }
    return { ...result, seconds: (performance.now() - started) / 1000 };
  },
  (_task, r, measured) => ({
    events: r.events,
    seconds: r.seconds,
    bytes: r.bytes,
    detail: r.detail,
    rssBeforeMB,
    ...measured,
  }),
);
