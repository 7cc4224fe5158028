import Database from 'better-sqlite3';
import { chainHash } from './hash-chain';
import { applyPragmas, ensureSchema, GENESIS_HASH, type Synchronous } from './sqlite-schema';

/** WAL size at which a commit checkpoints it into the file. */
const WAL_CHECKPOINT_BYTES = 40 * 1024 * 1024;

/** An event already validated and serialised on the caller's side. */
export interface PreparedEvent {
  id: string;
  type: string;
  schemaVersion: number;
  data: string;
  metadata: string;
}

export interface AppendRequest {
  stream: string;
  /** `any`, `no_stream`, `stream_exists`, or a revision as a decimal string (bigints do not cross postMessage cheaply). */
  expected: string;
  events: PreparedEvent[];
}

export type AppendFailure =
  | { name: 'WrongExpectedVersion'; stream: string; expected: string; actual: string }
  | { name: 'DuplicateEventId'; stream: string; eventId: string }
  | { name: 'Error'; message: string };

/** Revisions and positions travel as numbers: both stay far below 2^53. */
export type AppendOutcome =
  | { ok: true; nextExpectedRevision: number; position: number }
  | { ok: false; error: AppendFailure };

class AppendRejected extends Error {
  constructor(readonly failure: AppendFailure) {
    super(failure.name);
  }
}

/**
 * The single writer of an events file. `appendBatch` commits every request it is given in one
 * transaction (one fsync: group commit); each request sits in its own savepoint, so one
 * rejected request leaves the others intact.
 */
export class SqliteEventWriter {
  private readonly db: Database.Database;
  private readonly stmt: {
    head: Database.Statement<[], { position: number; hash: string }>;
    issued: Database.Statement<[], { seq: number }>;
    streamRevision: Database.Statement<[string], { revision: number | null }>;
    findId: Database.Statement<[string], { stream: string; revision: number; position: number }>;
    insert: Database.Statement<unknown[]>;
    savepoint: Database.Statement;
    release: Database.Statement;
    rollbackTo: Database.Statement;
    begin: Database.Statement;
    commit: Database.Statement;
    rollback: Database.Statement;
  };
  private readonly now: () => Date;
  /** The group commit being filled (`add`), committed by `commitGroup`. */
  private group: Group | undefined;

  constructor(path: string, options: { synchronous?: Synchronous; now?: () => Date } = {}) {
    this.db = new Database(path);
    applyPragmas(this.db, options.synchronous ?? 'FULL');
    // Checkpoint less often than SQLite's default 1,000 pages: the checkpoint runs inside a
    // commit, and at 1,000 pages it lands in every few group commits under load. ~40 MB of WAL
    // whatever the file's page size.
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    this.db.pragma(`wal_autocheckpoint = ${Math.round(WAL_CHECKPOINT_BYTES / pageSize)}`);
    ensureSchema(this.db);
    this.now = options.now ?? (() => new Date());
    this.stmt = {
      head: this.db.prepare('SELECT position, hash FROM events ORDER BY position DESC LIMIT 1'),
      issued: this.db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`),
      streamRevision: this.db.prepare(
        'SELECT max(revision) AS revision FROM events WHERE stream = ?',
      ),
      findId: this.db.prepare('SELECT stream, revision, position FROM events WHERE id = ?'),
      savepoint: this.db.prepare('SAVEPOINT request'),
      release: this.db.prepare('RELEASE request'),
      rollbackTo: this.db.prepare('ROLLBACK TO request'),
      begin: this.db.prepare('BEGIN IMMEDIATE'),
      commit: this.db.prepare('COMMIT'),
      rollback: this.db.prepare('ROLLBACK'),
      insert: this.db.prepare(
        `INSERT INTO events (position, id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /** Every request in one transaction, committed before it returns (one fsync). */
  appendBatch(requests: readonly AppendRequest[]): AppendOutcome[] {
    this.add(requests);
    return this.commitGroup();
  }

  /**
   * Writes `requests` into the group commit, opening it (BEGIN IMMEDIATE) if none is open. Nothing
   * is durable, and no outcome is known, until `commitGroup`: the writer thread fills a group
   * while the main thread is still preparing the rest of it.
   */
  add(requests: readonly AppendRequest[]): void {
    const group = this.group ?? this.open();
    for (const request of requests) {
      group.requests += 1;
      if (group.failure) continue;
      try {
        group.outcomes.push(this.attempt(request, group));
      } catch (error) {
        // SQLite rolled the whole transaction back (I/O error, disk full): the group fails,
        // the requests written before this one included.
        group.failure = error;
      }
    }
  }

  /** One request inside the open group: its outcome, or a throw when the group itself failed. */
  private attempt(request: AppendRequest, group: Group): AppendOutcome {
    const { head } = group;
    const position = head.position;
    const hash = head.hash;
    // A request of one event needs no savepoint: its only write is one INSERT, and a failed
    // statement is undone by SQLite itself while the transaction stays open.
    const savepoint = request.events.length > 1;
    if (savepoint) this.stmt.savepoint.run();
    try {
      const outcome = this.appendOne(request, head, group.recordedAt);
      if (savepoint) this.stmt.release.run();
      return outcome;
    } catch (error) {
      if (savepoint) {
        this.stmt.rollbackTo.run();
        this.stmt.release.run();
      } else if (!this.db.inTransaction) throw error;
      head.position = position;
      head.hash = hash;
      return this.refused(request, error);
    }
  }

  /** Commits the open group: the outcome of every request added since it opened, in order. */
  commitGroup(): AppendOutcome[] {
    const group = this.group;
    this.group = undefined;
    if (!group) return [];
    if (!group.failure)
      try {
        this.stmt.commit.run();
        return group.outcomes;
      } catch (error) {
        group.failure = error;
      }
    if (this.db.inTransaction) this.stmt.rollback.run();
    const message = group.failure instanceof Error ? group.failure.message : String(group.failure);
    return Array.from({ length: group.requests }, () => ({
      ok: false as const,
      error: { name: 'Error' as const, message },
    }));
  }

  private open(): Group {
    const group: Group = {
      head: { position: 0, hash: GENESIS_HASH },
      recordedAt: '',
      outcomes: [],
      requests: 0,
      failure: undefined,
    };
    this.group = group;
    try {
      this.stmt.begin.run();
      const headRow = this.stmt.head.get();
      // Positions continue from the highest one ever issued (AUTOINCREMENT's counter), not from
      // the last stored row: a deleted tail must stay a visible gap for verifyChain, and a
      // position once delivered to a subscriber is never given to another event.
      const issued = this.stmt.issued.get()?.seq ?? 0;
      group.head = {
        position: Math.max(issued, headRow?.position ?? 0),
        hash: headRow?.hash ?? GENESIS_HASH,
      };
      group.recordedAt = this.now().toISOString();
    } catch (error) {
      // Busy past busy_timeout, or a damaged file: every request of the group is refused.
      group.failure = error;
    }
    return group;
  }

  private appendOne(
    request: AppendRequest,
    head: { position: number; hash: string },
    recordedAt: string,
  ): AppendOutcome {
    const { stream, expected, events } = request;
    const current = this.stmt.streamRevision.get(stream)?.revision ?? null;
    const actual = current === null ? 'no_stream' : String(current);
    const mismatch =
      (expected === 'no_stream' && current !== null) ||
      (expected === 'stream_exists' && current === null) ||
      (expected !== 'any' &&
        expected !== 'no_stream' &&
        expected !== 'stream_exists' &&
        (current === null || String(current) !== expected));
    if (mismatch)
      throw new AppendRejected({ name: 'WrongExpectedVersion', stream, expected, actual });

    let revision = current === null ? -1 : current;
    for (const event of events) {
      revision += 1;
      const position = head.position + 1;
      const hash = chainHash(head.hash, {
        position,
        id: event.id,
        stream,
        revision,
        type: event.type,
        schemaVersion: event.schemaVersion,
        data: event.data,
        metadata: event.metadata,
        recordedAt,
      });
      try {
        this.stmt.insert.run(
          position,
          event.id,
          stream,
          revision,
          event.type,
          event.schemaVersion,
          event.data,
          event.metadata,
          recordedAt,
          head.hash,
          hash,
        );
      } catch (error) {
        if (isUniqueViolation(error, 'events.id'))
          throw new AppendRejected({ name: 'DuplicateEventId', stream, eventId: event.id });
        throw error;
      }
      head.position = position;
      head.hash = hash;
    }
    return { ok: true, nextExpectedRevision: revision, position: head.position };
  }

  /**
   * A refused append may be the retry of one that already succeeded (same event ids): that is
   * checked only here, after the cheap path failed, so a normal append pays no id lookups.
   */
  private refused(request: AppendRequest, error: unknown): AppendOutcome {
    if (error instanceof AppendRejected && error.failure.name !== 'Error') {
      try {
        const current = this.stmt.streamRevision.get(request.stream)?.revision ?? null;
        const retry = this.findRetry(request, current);
        if (retry) return retry;
      } catch (retryError) {
        if (retryError instanceof AppendRejected) return { ok: false, error: retryError.failure };
        throw retryError;
      }
      return { ok: false, error: error.failure };
    }
    return {
      ok: false,
      error: { name: 'Error', message: error instanceof Error ? error.message : String(error) },
    };
  }

  /**
   * A retry of an append that already succeeded is acknowledged without writing: every id is
   * already in this stream, consecutively, where the expected state says it should start.
   */
  private findRetry(request: AppendRequest, current: number | null): AppendOutcome | undefined {
    const first = request.events[0];
    if (!first || current === null) return undefined;
    const found = this.stmt.findId.get(first.id);
    if (!found) return undefined;
    const { stream, expected, events } = request;
    let last = found;
    for (let i = 0; i < events.length; i++) {
      const row = i === 0 ? found : this.stmt.findId.get(events[i]!.id);
      if (!row || row.stream !== stream || row.revision !== found.revision + i)
        throw new AppendRejected({ name: 'DuplicateEventId', stream, eventId: events[i]!.id });
      last = row;
    }
    const startOk =
      expected === 'any' ||
      expected === 'stream_exists' ||
      (expected === 'no_stream' && found.revision === 0) ||
      expected === String(found.revision - 1);
    if (!startOk)
      throw new AppendRejected({
        name: 'WrongExpectedVersion',
        stream,
        expected,
        actual: String(current),
      });
    return { ok: true, nextExpectedRevision: last.revision, position: last.position };
  }

  close(): void {
    if (this.group) this.commitGroup();
    this.db.close();
  }
}

interface Group {
  head: { position: number; hash: string };
  recordedAt: string;
  outcomes: AppendOutcome[];
  /** Requests added, refused or not (the count of outcomes a failed group reports). */
  requests: number;
  /** Set when the group can no longer commit: every request in it is refused. */
  failure: unknown;
}

function isUniqueViolation(error: unknown, column: string): boolean {
  return (
    error instanceof Error &&
    (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    error.message.includes(column)
  );
}
