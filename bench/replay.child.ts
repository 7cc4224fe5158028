import Database from 'better-sqlite3';
import { SchemaRegistry, SqliteEventStore } from '#libs/event-store';
import { rssMB, runMeasuredChild } from './support/child';

/**
 * Replays a whole events file in a process of its own: `store` through SqliteEventStore.readAll
 * (paging, JSON parsing, upcasting check, RecordedEvent objects), `bare` as the same pages of
 * raw better-sqlite3 rows with no parsing: the floor any replay of this file pays; `bare-parse`
 * the same rows with `JSON.parse` of every data and metadata column: the floor of a replay that
 * reads every event's data.
 */
export interface ReplayTask {
  /** `store-data` also reads every event's data and metadata, as a projection applying every event does. */
  mode: 'store' | 'store-data' | 'bare' | 'bare-parse';
  eventsPath: string;
  schemasDir: string;
}

/** SqliteEventStore's default page size. */
const PAGE = 1000;

export interface ReplayResult {
  events: number;
  seconds: number;
  rssBeforeMB: number;
  peakRssMB: number;
  /** Longest time the event loop could not run a timer during the replay. */
  longestBlockMs: number;
  /**
   * Loading and compiling the event schemas, before the timed replay (store modes): a cost of
   * opening the store once per process, not of reading events.
   */
  schemaLoadSeconds: number;
}

async function replayStore(task: ReplayTask, schemas: SchemaRegistry): Promise<number> {
  const store = SqliteEventStore.open({ path: task.eventsPath, schemas, readonly: true });
  let events = 0;
  let last = 0n;
  try {
    for await (const event of store.readAll()) {
      if (event.position <= last) throw new Error(`position ${event.position} out of order`);
      last = event.position;
      events += 1;
      if (
        task.mode === 'store-data' &&
        (event.data === undefined || event.metadata.actor === undefined)
      )
        throw new Error(`event ${event.position} has no data or actor`);
    }
  } finally {
    await store.close();
  }
  return events;
}

/**
 * The query readAll pages with (same columns, same page size), rows left as they come, or
 * (`bare-parse`) with the data and metadata JSON of each parsed and checked as `store-data` does.
 */
function replayBare(task: ReplayTask): number {
  const parse = task.mode === 'bare-parse';
  const db = new Database(task.eventsPath, { readonly: true, fileMustExist: true });
  let events = 0;
  try {
    const page = db
      .prepare(
        'SELECT position, id, stream, revision, type, schema_version, data, metadata, recorded_at FROM events WHERE position >= ? ORDER BY position ASC LIMIT ?',
      )
      .raw(true);
    for (let cursor = 0; ;) {
      const rows = page.all(cursor, PAGE) as Row[];
      events += rows.length;
      if (parse)
        for (const row of rows) {
          const data: unknown = JSON.parse(row[6]);
          const metadata = JSON.parse(row[7]) as { actor?: unknown };
          if (data === undefined || metadata.actor === undefined)
            throw new Error(`event ${row[0]} has no data or actor`);
        }
      if (rows.length < PAGE) break;
      cursor = rows[rows.length - 1]![0] + 1;
    }
  } finally {
    db.close();
  }
  return events;
}

type Row = [number, string, string, number, string, number, string, string, string];

let rssBeforeMB = 0;
let schemaLoadSeconds = 0;
runMeasuredChild<ReplayTask, { events: number; seconds: number }, ReplayResult>(
  async (task) => {
    const bare = task.mode === 'bare' || task.mode === 'bare-parse';
    const loading = performance.now();
    const schemas = bare ? undefined : SchemaRegistry.fromDirectory(task.schemasDir);
    schemaLoadSeconds = (performance.now() - loading) / 1000;
    rssBeforeMB = rssMB();
    const started = performance.now();
    const events = schemas ? await replayStore(task, schemas) : replayBare(task);
    return { events, seconds: (performance.now() - started) / 1000 };
  },
  (_task, { events, seconds }, measured) => ({
    events,
    seconds,
    rssBeforeMB,
    schemaLoadSeconds,
    ...measured,
  }),
);
