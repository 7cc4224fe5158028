import Database from 'better-sqlite3';
// From the module, not the event store's barrel: replay workers load this file and must stay
// small (the barrel brings the KurrentDB client).
import { GENESIS_HASH } from '../../../event-store/src/sqlite/sqlite-schema';
import type { AuditFilter } from '../domain/audit-filter';
import { CREATION_TYPES, FULL_HISTORY_STREAMS, SNAPSHOT_STREAMS } from '../domain/history-state';
import { columnLineSql, NAMES_TABLE, type ColumnLineSpec } from './column-lines';
import { filterSql, type FilterColumns } from './filter-sql';
import { LogRow, ROW_COLUMNS, type RawRow, type Upcasting } from './log-row';

const NAMING_TYPES = ['DevicePaired', 'DeviceRenamed', 'ApiKeyCreated'];

/** ROW_COLUMNS with empty strings for the two hashes. */
const UNHASHED_COLUMNS = ROW_COLUMNS.replace('prev_hash, hash', "'' AS prev_hash, '' AS hash");
const REMOVAL_TYPES = ['AppRemoved', 'RouteRemoved'];

/**
 * Reads an events file directly (read-only, next to a running gateway): what the audit tools
 * need beyond the event store port — the stored text and hashes, and queries the port has no
 * words for (the position at a time, the last event of each stream).
 */
export class EventLogFile {
  private readonly db: Database.Database;
  private naming: Database.Statement | undefined;

  private constructor(
    readonly path: string,
    readonly upcasting?: Upcasting,
  ) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
    this.db.pragma('busy_timeout = 10000');
  }

  static open(path: string, upcasting?: Upcasting): EventLogFile {
    return new EventLogFile(path, upcasting);
  }

  close(): void {
    this.db.close();
  }

  private row(raw: RawRow): LogRow {
    return new LogRow(raw, this.upcasting);
  }

  /** The newest event's position and hash: what the gateway logs so truncation can be caught later. */
  head(): { position: number; hash: string } {
    const row = this.db
      .prepare('SELECT position, hash FROM events ORDER BY position DESC LIMIT 1')
      .get() as { position: number; hash: string } | undefined;
    return row ?? { position: 0, hash: GENESIS_HASH };
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  }

  /**
   * The position of the last event recorded at or before `time` (0 when none). Times follow
   * positions (the writer stamps each commit in order), so this is a binary search over the
   * primary key: some twenty lookups, whatever the size of the log.
   */
  positionAt(time: string, head = this.head().position): number {
    const at = this.db.prepare(
      'SELECT position, recorded_at AS t FROM events WHERE position >= ? ORDER BY position LIMIT 1',
    );
    let lo = 0;
    let hi = head;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi + 1) / 2);
      const found = at.get(Math.min(mid, hi)) as { position: number; t: string } | undefined;
      if (found && found.position <= hi && found.t <= time) lo = found.position;
      else hi = Math.min(mid, hi) - 1;
    }
    return lo;
  }

  /**
   * Every event `foldHistory` needs for the state at `position`: the whole history of the
   * device, key and administrator streams, and for each app and route stream only its last
   * creation, last removal and last event (their events carry the whole spec), in log order.
   */
  stateEvents(position: number): LogRow[] {
    const snapshotRange = SNAPSHOT_STREAMS.map(() => '(stream >= ? AND stream < ?)').join(' OR ');
    const fullRange = FULL_HISTORY_STREAMS.map(() => '(stream >= ? AND stream < ?)').join(' OR ');
    const range = (prefixes: readonly string[]) => prefixes.flatMap((p) => [p, `${p}\uffff`]);
    const creation = [...CREATION_TYPES].map(() => '?').join(', ');
    const removal = REMOVAL_TYPES.map(() => '?').join(', ');
    const sql = `
      WITH last AS (
        SELECT max(position) AS a,
               max(CASE WHEN type IN (${creation}) THEN position END) AS c,
               max(CASE WHEN type IN (${removal}) THEN position END) AS r
        FROM events WHERE position <= ? AND (${snapshotRange}) GROUP BY stream
      ), wanted AS (
        SELECT a AS p FROM last UNION SELECT c FROM last WHERE c IS NOT NULL
        UNION SELECT r FROM last WHERE r IS NOT NULL
      )
      SELECT ${ROW_COLUMNS} FROM events WHERE position IN (SELECT p FROM wanted)
      UNION ALL
      SELECT ${ROW_COLUMNS} FROM events WHERE position <= ? AND (${fullRange})
      ORDER BY position`;
    const rows = this.db
      .prepare(sql)
      .raw(true)
      .all(
        ...CREATION_TYPES,
        ...REMOVAL_TYPES,
        position,
        ...range(SNAPSHOT_STREAMS),
        position,
        ...range(FULL_HISTORY_STREAMS),
      ) as RawRow[];
    return rows.map((r) => this.row(r));
  }

  /** Events that name devices and keys, after `after` up to `to`: replay learns names from them even when it shows none. */
  namingEvents(after: number, to: number): LogRow[] {
    // Prepared once: a replay worker asks for every stretch it writes.
    this.naming ??= this.db
      .prepare(
        `SELECT ${ROW_COLUMNS} FROM events WHERE type IN (${NAMING_TYPES.map(() => '?').join(', ')}) AND position > ? AND position <= ? ORDER BY position`,
      )
      .raw(true);
    const rows = this.naming.all(...NAMING_TYPES, after, to) as RawRow[];
    return rows.map((r) => this.row(r));
  }

  /**
   * Events in log order after `after` (exclusive) up to `to` (inclusive), narrowed in SQL by
   * time, stream, type, actor and correlation id. Action and target are checked by the caller
   * on the audit entry. One statement: a consistent snapshot, however long it runs. The rows
   * come without their hashes (`prevHash` and `hash` are empty): replay shows none, and reading
   * two 64-character columns per event is a tenth of what the scan costs.
   */
  *scan(filter: AuditFilter, after = 0, to = Number.MAX_SAFE_INTEGER): Generator<LogRow> {
    const { where, params } = narrowing(filter);
    const rows = this.db
      .prepare(
        `SELECT ${UNHASHED_COLUMNS} FROM events WHERE position > ? AND position <= ? AND ${where} ORDER BY position`,
      )
      .raw(true)
      .iterate(after, to, ...params) as IterableIterator<RawRow>;
    for (const raw of rows) yield this.row(raw);
  }

  /**
   * Replay lines written by SQLite (`columnLineSql`) for the rows `filter` narrows to, on this
   * connection; names come from a temporary table that `name` fills (the connection is
   * read-only, its temporary tables are not).
   */
  columnLines(filter: AuditFilter, spec: ColumnLineSpec): ColumnLines {
    const { where, params } = narrowing(filter);
    const sql = columnLineSql(spec);
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS ${NAMES_TABLE} (key TEXT PRIMARY KEY, name TEXT NOT NULL)`,
    );
    // By the (type, position) index: a few seeks per stretch instead of reading every row's type.
    const others = this.db
      .prepare(
        `SELECT ${UNHASHED_COLUMNS} FROM events WHERE type IN (${spec.others.map(() => '?').join(', ')}) AND position > ? AND position <= ? AND ${where} ORDER BY position`,
      )
      .raw(true);
    const undescribed = this.db
      .prepare(
        `SELECT ${UNHASHED_COLUMNS} FROM events WHERE position > ? AND position <= ? AND ${where} AND NOT ${sql.described} ORDER BY position`,
      )
      .raw(true);
    // The lines joined in log order: the innermost query walks the primary key in order and
    // nothing after it sorts or groups, so group_concat takes them as they come. Text, not a
    // blob: a string dies young in the worker's heap, where a Buffer's memory would wait for a
    // full collection.
    const lines = this.db
      .prepare(
        `SELECT group_concat(line, ''), count(*), count(act) FROM (
           SELECT ${sql.line} AS line, act FROM (
             SELECT ${sql.columns} FROM events
             WHERE position > ? AND position <= ? AND ${where} ORDER BY position))`,
      )
      .raw(true);
    const setName = this.db.prepare(
      `INSERT INTO ${NAMES_TABLE} (key, name) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET name = excluded.name`,
    );
    const rows = (raws: unknown[]) => (raws as RawRow[]).map((r) => this.row(r));
    return {
      others: (after, to) =>
        spec.others.length === 0 ? [] : rows(others.all(...spec.others, after, to, ...params)),
      undescribed: (after, to) => rows(undescribed.all(after, to, ...params)),
      lines: (after, to) => {
        const [text, entries, described] = lines.get(after, to, ...params) as [
          string | null,
          number,
          number,
        ];
        return { text: text ?? undefined, entries, missing: entries - described };
      },
      name: (key, name) => void setName.run(key, name),
    };
  }

  /** The event with this id, if any. */
  byId(id: string): LogRow | undefined {
    const raw = this.db
      .prepare(`SELECT ${ROW_COLUMNS} FROM events WHERE id = ?`)
      .raw(true)
      .get(id.toLowerCase()) as RawRow | undefined;
    return raw && this.row(raw);
  }

  /**
   * What `audit trace` shows for an event id or a correlation id: every event of the
   * correlation(s) involved, the events that caused them and the events they caused, followed
   * until nothing new turns up (bounded, a tampered log could loop).
   */
  related(idOrCorrelation: string): LogRow[] {
    const found = new Map<string, LogRow>();
    const correlations = new Set<string>();
    const start = this.byId(idOrCorrelation);
    if (start) {
      found.set(start.id, start);
      correlations.add(start.correlationId);
    } else correlations.add(idOrCorrelation);
    // One pass over the log per round: the correlations and causes not asked about yet.
    const sweep = this.db
      .prepare(
        `SELECT ${ROW_COLUMNS} FROM events
         WHERE json_extract(metadata, '$.correlationId') IN (SELECT value FROM json_each(?))
            OR json_extract(metadata, '$.causationId') IN (SELECT value FROM json_each(?))`,
      )
      .raw(true);
    const askedCorrelations = new Set<string>();
    const askedCauses = new Set<string>();
    for (let round = 0; round < 8; round++) {
      for (const event of [...found.values()]) {
        const cause = event.causationId;
        if (cause && !found.has(cause)) {
          const parent = this.byId(cause);
          if (parent) {
            found.set(parent.id, parent);
            correlations.add(parent.correlationId);
          }
        }
      }
      const newCorrelations = [...correlations].filter((c) => !askedCorrelations.has(c));
      const newCauses = [...found.keys()].filter((id) => !askedCauses.has(id));
      if (newCorrelations.length === 0 && newCauses.length === 0) break;
      newCorrelations.forEach((c) => askedCorrelations.add(c));
      newCauses.forEach((id) => askedCauses.add(id));
      for (const raw of sweep.all(
        JSON.stringify(newCorrelations),
        JSON.stringify(newCauses),
      ) as RawRow[]) {
        if (found.has(raw[1])) continue;
        const event = this.row(raw);
        found.set(event.id, event);
        correlations.add(event.correlationId);
      }
    }
    return [...found.values()].sort((a, b) => a.position - b.position);
  }

  /** Raw rows in log order, for export: no parsing at all. */
  *rawRows(to = Number.MAX_SAFE_INTEGER): Generator<RawRow> {
    yield* this.db
      .prepare(`SELECT ${ROW_COLUMNS} FROM events WHERE position <= ? ORDER BY position`)
      .raw(true)
      .iterate(to) as IterableIterator<RawRow>;
  }

  /** The highest position SQLite ever issued (a deleted tail leaves it above the last row). */
  issuedPosition(): number {
    const row = this.db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`).get() as
      { seq: number } | undefined;
    return row?.seq ?? 0;
  }
}

/** What a `ColumnLines` offers a replay worker. */
export interface ColumnLines {
  /** The rows of the spec's other types after `after` up to `to` (inclusive) that the filter keeps, in order (without hashes). */
  others(after: number, to: number): LogRow[];
  /** Every row there that SQLite does not describe (other types, older versions, types no schema knows): the long way. */
  undescribed(after: number, to: number): LogRow[];
  /**
   * The lines of the rows after `after` up to `to` that the filter keeps, joined; `missing`
   * counts the rows among them SQLite could not describe (left out of `text`).
   */
  lines(after: number, to: number): { text: string | undefined; entries: number; missing: number };
  /** Sets a name in the table the lines read (`MemoryNameBook`'s key: `device:<id>`, `apikey:<id>`). */
  name(key: string, name: string): void;
}

/** The events table's columns for a filter (action and target are checked on the entry). */
const EVENT_COLUMNS: FilterColumns = {
  time: 'recorded_at',
  stream: 'stream',
  type: 'type',
  actorKind: `json_extract(metadata, '$.actor.kind')`,
  actorId: `json_extract(metadata, '$.actor.id')`,
  correlationId: `json_extract(metadata, '$.correlationId')`,
};

/** The SQL condition of a filter's time, stream, type, actor and correlation id. */
function narrowing(filter: AuditFilter): { where: string; params: unknown[] } {
  const { where, params } = filterSql(filter, EVENT_COLUMNS);
  return { where: ['1', ...where].join(' AND '), params };
}
