import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SQLITE_CAPABILITIES, type EventStoreCapabilities } from '../capabilities';
import { DuplicateEventId, EventStoreClosed, WrongExpectedVersion } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventFilter,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamState,
  SubscribeOptions,
  Subscription,
} from '../event-store.port';
import type { SchemaRegistry } from '../schema-registry';
import { validateNewEvent } from '../validate-event';
import { HeadWatcher } from './head-watcher';
import { StoredEvent } from './stored-event';
import { applyPragmas, ensureSchema, type Synchronous } from './sqlite-schema';
import {
  SqliteEventWriter,
  type AppendFailure,
  type AppendOutcome,
  type AppendRequest,
} from './sqlite-writer';
import { decodeOutcomes, encodeBatch, encodeRequest, type OutcomesMessage } from './wire';
import type { WriterWorkerData } from './writer.worker';

export interface SqliteEventStoreOptions {
  /** Path of the events file, e.g. `<data dir>/events.db`. */
  path: string;
  schemas: SchemaRegistry;
  /** `FULL` (default) fsyncs every commit: an approval or a revocation survives a power cut. */
  synchronous?: Synchronous;
  /** `worker` (default) keeps the writer and its fsync off the main thread. */
  writer?: 'worker' | 'inline';
  /**
   * How long each side of the worker writer stays awake instead of sleeping until the other
   * wakes it, in microseconds: this thread's event loop keeps turning while appends are in
   * flight (`WorkerWriter.stayAwake`), the writer thread watches for the next append after a
   * commit (writer.worker.ts). Default 300 on a machine with two cores or more, 0 (never) on
   * one core, where either would take the core from the other.
   */
  stayAwakeUs?: number;
  /** Open without creating or writing anything (inspection tools). */
  readonly?: boolean;
  pageSize?: number;
  pollMs?: number;
}

type Row = [number, string, string, number, string, number, string, string, string];
const COLUMNS = 'position, id, stream, revision, type, schema_version, data, metadata, recorded_at';
/** Indexes of the paging keys in a Row. */
const POSITION = 0;
const REVISION = 3;

interface Writer {
  append(request: AppendRequest): Promise<AppendOutcome>;
  close(): Promise<void>;
}

export class SqliteEventStore implements EventStore {
  readonly capabilities: EventStoreCapabilities = SQLITE_CAPABILITIES;
  private readonly db: Database.Database;
  private readonly schemas: SchemaRegistry;
  private readonly pageSize: number;
  private readonly watcher: HeadWatcher;
  private readonly headStmt: Database.Statement<[], { head: number | null }>;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly subscriptions = new Set<SqliteSubscription>();
  private writer: Writer | undefined;
  private closed = false;
  private appendObserver: ((seconds: number, outcome: 'ok' | 'refused') => void) | undefined;

  private constructor(
    private readonly options: SqliteEventStoreOptions,
    db: Database.Database,
  ) {
    this.db = db;
    this.schemas = options.schemas;
    this.pageSize = options.pageSize ?? 1000;
    this.headStmt = db.prepare('SELECT max(position) AS head FROM events');
    this.watcher = new HeadWatcher(() => this.headStmt.get()?.head ?? 0, options.pollMs ?? 100);
  }

  static open(options: SqliteEventStoreOptions): SqliteEventStore {
    const db = new Database(options.path, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
    if (!options.readonly) {
      applyPragmas(db, options.synchronous ?? 'FULL');
      ensureSchema(db);
    } else {
      db.pragma('busy_timeout = 10000');
    }
    return new SqliteEventStore(options, db);
  }

  /**
   * Told how long each append took, from the call to the durable commit (validation, the
   * writer's queue and the group commit included), and whether it was stored or refused.
   */
  observeAppends(observer: (seconds: number, outcome: 'ok' | 'refused') => void): void {
    this.appendObserver = observer;
  }

  async append(
    stream: string,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const observer = this.appendObserver;
    if (!observer) return this.appendNow(stream, events, options);
    const started = performance.now();
    try {
      const result = await this.appendNow(stream, events, options);
      observer((performance.now() - started) / 1000, 'ok');
      return result;
    } catch (error) {
      observer((performance.now() - started) / 1000, 'refused');
      throw error;
    }
  }

  private async appendNow(
    stream: string,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    if (this.closed) throw new EventStoreClosed();
    if (this.options.readonly) throw new Error('the event store was opened read-only');
    if (!stream) throw new Error('a stream name is required');
    if (events.length === 0) throw new Error('an append needs at least one event');
    const request: AppendRequest = {
      stream,
      expected: encodeState(options.streamState),
      events: events.map((e) => this.prepare(e)),
    };
    const outcome = await this.ensureWriter().append(request);
    if (!outcome.ok) throw toError(outcome.error, options.streamState);
    this.watcher.notify(outcome.position);
    return {
      nextExpectedRevision: BigInt(outcome.nextExpectedRevision),
      position: BigInt(outcome.position),
    };
  }

  readStream(
    stream: string,
    options: ReadStreamOptions = {},
  ): AsyncIterableIterator<RecordedEvent> {
    const stmt = this.statement(
      options.direction === 'backwards'
        ? `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`
        : `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
    );
    return this.paged(
      options,
      REVISION,
      (cursor, limit) => stmt.all(stream, cursor, limit) as Row[],
    );
  }

  readAll(options: ReadAllOptions = {}): AsyncIterableIterator<RecordedEvent> {
    const page = this.pageQuery(
      options.direction === 'backwards' ? 'backwards' : 'forwards',
      options.filter,
    );
    return this.paged(options, POSITION, page);
  }

  /** Pages through rows keyed by `key` (revision or position) from `from`, up to `maxCount`. */
  private paged(
    options: ReadStreamOptions,
    key: typeof REVISION | typeof POSITION,
    page: (cursor: number, limit: number) => Row[],
  ): AsyncIterableIterator<RecordedEvent> {
    const backwards = options.direction === 'backwards';
    const from = options.from ?? (backwards ? 'end' : 'start');
    return new PagedRead(
      from === 'start' ? 0 : from === 'end' ? Number.MAX_SAFE_INTEGER : Number(from),
      options.maxCount ?? Number.POSITIVE_INFINITY,
      this.pageSize,
      backwards,
      key,
      page,
      (row) => this.toRecorded(row),
      () => this.assertOpen(),
    );
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    if (this.closed) throw new EventStoreClosed();
    const from = options.from ?? 'start';
    const after = from === 'start' ? 0 : from === 'end' ? this.currentHead() : Number(from);
    const subscription = new SqliteSubscription(
      after,
      this.pageQuery('forwards', options.filter),
      (row) => this.toRecorded(row),
      this.watcher,
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<bigint> {
    return BigInt(this.currentHead());
  }

  /** Synchronous head read, for callers that must not yield (metrics, readiness). */
  currentHead(): number {
    return this.headStmt.get()?.head ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of [...this.subscriptions]) subscription.unsubscribe();
    this.watcher.close();
    await this.writer?.close();
    this.db.close();
  }

  private prepare(event: NewEvent): AppendRequest['events'][number] {
    const version = validateNewEvent(this.schemas, event);
    return {
      id: event.id.toLowerCase(),
      type: event.type,
      schemaVersion: version,
      // The stored text is what the chain hashes; it needs no canonical key order.
      data: JSON.stringify(event.data),
      metadata: JSON.stringify(event.metadata),
    };
  }

  private ensureWriter(): Writer {
    if (!this.writer) {
      const synchronous = this.options.synchronous ?? 'FULL';
      this.writer =
        (this.options.writer ?? 'worker') === 'worker'
          ? new WorkerWriter(
              this.options.path,
              synchronous,
              this.options.stayAwakeUs ?? defaultStayAwakeUs(),
            )
          : new InlineWriter(this.options.path, synchronous);
    }
    return this.writer;
  }

  private pageQuery(
    direction: 'forwards' | 'backwards',
    filter: EventFilter | undefined,
  ): (cursor: number, limit: number) => Row[] {
    const where: string[] = [direction === 'forwards' ? 'position >= ?' : 'position <= ?'];
    const params: unknown[] = [];
    const types = filter?.eventTypes;
    if (types && types.length > 0) {
      where.push(`type IN (${types.map(() => '?').join(', ')})`);
      params.push(...types);
    }
    const prefixes = filter?.streamPrefixes;
    if (prefixes && prefixes.length > 0) {
      // A range on the (stream, revision) index instead of LIKE, which would treat _ and % as wildcards.
      where.push(`(${prefixes.map(() => '(stream >= ? AND stream < ?)').join(' OR ')})`);
      for (const p of prefixes) params.push(p, `${p}\uffff`);
    }
    const order = direction === 'forwards' ? 'ASC' : 'DESC';
    const stmt = this.statement(
      `SELECT ${COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY position ${order} LIMIT ?`,
    );
    return (cursor, limit) => stmt.all(cursor, ...params, limit) as Row[];
  }

  private statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql).raw(true);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private toRecorded(row: Row): RecordedEvent {
    const [position, id, stream, revision, type, schemaVersion, data, metadata, recordedAt] = row;
    return new StoredEvent(
      id,
      stream,
      BigInt(revision),
      BigInt(position),
      type,
      schemaVersion,
      data,
      metadata,
      recordedAt,
      this.schemas,
    );
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosed();
  }
}

/**
 * Pages are read synchronously; between pages the reader gives the event loop a turn, so a
 * long catch-up or replay never stops the process from serving requests.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });
const NO_ROWS: Row[] = [];

/**
 * The iterator of `readAll` and `readStream`. It does what an async generator over the pages
 * would (nothing runs before the first `next()`, one page read synchronously at a time, the
 * event loop gets a turn between pages, `return()` ends it), without the generator's
 * machinery per event: an event of a page already read costs one resolved promise.
 */
class PagedRead implements AsyncIterableIterator<RecordedEvent> {
  private rows: Row[] = NO_ROWS;
  private index = 0;
  private finished = false;
  private started = false;
  private waiting: Promise<void> | undefined;

  constructor(
    private cursor: number,
    private remaining: number,
    private readonly pageSize: number,
    private readonly backwards: boolean,
    private readonly key: typeof REVISION | typeof POSITION,
    private readonly page: (cursor: number, limit: number) => Row[],
    private readonly map: (row: Row) => RecordedEvent,
    private readonly assertOpen: () => void,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<RecordedEvent>> {
    // A `next()` made while the next page is awaited (not by for-await, which waits) queues
    // behind it, as it would on a generator.
    if (this.waiting) return this.waiting.then(() => this.next());
    if (this.index < this.rows.length) {
      try {
        return Promise.resolve({ value: this.map(this.rows[this.index++]!), done: false });
      } catch (error) {
        this.finish();
        return Promise.reject(asError(error));
      }
    }
    if (this.finished) return Promise.resolve(DONE);
    if (!this.started) {
      this.started = true;
      return this.read();
    }
    // The page just delivered was full: more may follow, after the event loop had a turn. The
    // page is let go first: a young-generation GC in that turn would otherwise copy all of it.
    this.rows = NO_ROWS;
    this.index = 0;
    const turn = nextTurn().then(() => {
      this.waiting = undefined;
    });
    this.waiting = turn;
    return turn.then(() => (this.finished ? DONE : this.read()));
  }

  return(): Promise<IteratorResult<RecordedEvent>> {
    this.finish();
    return Promise.resolve(DONE);
  }

  private read(): Promise<IteratorResult<RecordedEvent>> {
    try {
      if (this.remaining <= 0) return Promise.resolve(this.finish());
      this.assertOpen();
      const limit = Math.min(this.pageSize, this.remaining);
      const rows = this.page(this.cursor, limit);
      this.remaining -= rows.length;
      if (rows.length < limit) this.finished = true;
      else {
        const last = rows[rows.length - 1]!;
        this.cursor = this.backwards ? last[this.key] - 1 : last[this.key] + 1;
      }
      this.rows = rows;
      this.index = 0;
      if (rows.length === 0) return Promise.resolve(this.finish());
      return this.next();
    } catch (error) {
      this.finish();
      return Promise.reject(asError(error));
    }
  }

  private finish(): IteratorReturnResult<undefined> {
    this.finished = true;
    this.rows = NO_ROWS;
    this.index = 0;
    return DONE;
  }
}

class SqliteSubscription implements Subscription {
  private closed = false;
  private cancelWait: (() => void) | undefined;

  constructor(
    private position: number,
    private readonly page: (cursor: number, limit: number) => Row[],
    private readonly map: (row: Row) => RecordedEvent,
    private readonly watcher: HeadWatcher,
    private readonly onClose: () => void,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<RecordedEvent> {
    try {
      while (!this.closed) {
        // Catch-up and live delivery are the same query by position, so nothing is missed or
        // repeated at the switch. `seen` is read before the query: everything up to it is
        // committed, so an empty (filtered) page proves nothing matching lies at or below it.
        const seen = this.watcher.known;
        let rows = this.page(this.position + 1, 500);
        for (const row of rows) {
          if (this.closed) return;
          this.position = row[0];
          yield this.map(row);
        }
        if (rows.length > 0) {
          // Let the page go before the turn (see PagedRead.next).
          rows = NO_ROWS;
          await nextTurn();
          continue;
        }
        if (seen > this.position) {
          this.position = seen;
          continue;
        }
        const wait = this.watcher.waitBeyond(this.position);
        this.cancelWait = wait.cancel;
        await wait.promise;
        this.cancelWait = undefined;
      }
    } finally {
      this.unsubscribe();
    }
  }

  unsubscribe(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelWait?.();
    this.onClose();
  }
}

function encodeState(state: StreamState): string {
  if (typeof state === 'bigint') {
    if (state < 0n) throw new Error('an expected revision cannot be negative');
    return state.toString();
  }
  return state;
}

function toError(failure: AppendFailure, expected: StreamState): Error {
  switch (failure.name) {
    case 'WrongExpectedVersion':
      return new WrongExpectedVersion(
        failure.stream,
        expected,
        failure.actual === 'no_stream' ? 'no_stream' : BigInt(failure.actual),
      );
    case 'DuplicateEventId':
      return new DuplicateEventId(failure.eventId, failure.stream);
    default:
      return new Error(`event store write failed: ${failure.message}`);
  }
}

class InlineWriter implements Writer {
  private readonly writer: SqliteEventWriter;
  private queue: { request: AppendRequest; resolve: (o: AppendOutcome) => void }[] = [];

  constructor(path: string, synchronous: Synchronous) {
    this.writer = new SqliteEventWriter(path, { synchronous });
  }

  append(request: AppendRequest): Promise<AppendOutcome> {
    return new Promise((resolve) => {
      if (this.queue.push({ request, resolve }) === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    let outcomes: AppendOutcome[];
    try {
      outcomes = this.writer.appendBatch(batch.map((b) => b.request));
    } catch (error) {
      // The transaction itself failed (busy, disk full, damaged file): every append of the
      // batch is refused, as the worker writer does, instead of an uncaught exception here
      // and appends that never settle.
      const message = error instanceof Error ? error.message : String(error);
      outcomes = batch.map(() => ({ ok: false, error: { name: 'Error', message } }));
    }
    batch.forEach((b, i) => b.resolve(outcomes[i]!));
  }

  async close(): Promise<void> {
    if (this.queue.length > 0) this.flush();
    this.writer.close();
  }
}

/** `SqliteEventStoreOptions.stayAwakeUs` when not given, on this machine. */
export function defaultStayAwakeUs(): number {
  return availableParallelism() > 1 ? 300 : 0;
}

/** Appends per message to the writer thread within one group commit (see `WorkerWriter.append`). */
const CHUNK = 16;

class WorkerWriter implements Writer {
  private readonly worker: Worker;
  private readonly ready: Promise<void>;
  /** Appends sent or about to be sent, oldest first: the worker answers them in that order. */
  private pending: ((o: AppendOutcome) => void)[] = [];
  private settled = 0;
  /** Requests of this turn of the event loop not sent yet, encoded (`wire.ts`), and how many. */
  private outgoing = '';
  private outgoingCount = 0;
  private sendScheduled = false;
  private isReady = false;
  private failure: Error | undefined;
  /** Bumped after every message posted: the writer thread watches it (writer.worker.ts). */
  private readonly doorbell = new Int32Array(new SharedArrayBuffer(4));
  /** `stayAwake`: whether the loop is kept turning, and until when (performance.now()). */
  private awake = false;
  private awakeUntil = 0;

  constructor(
    path: string,
    synchronous: Synchronous,
    private readonly stayAwakeUs: number,
  ) {
    const workerData: WriterWorkerData = {
      path,
      synchronous,
      stayAwakeUs,
      doorbell: this.doorbell,
    };
    this.worker = new Worker(workerScript(), { workerData });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.once('message', () => {
        this.isReady = true;
        resolve();
      });
    });
    this.ready.catch(() => undefined);
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => {
      if (this.inFlight() > 0) this.fail(new Error(`event writer exited with code ${code}`));
    });
    this.worker.on('message', (message: OutcomesMessage | { kind: string }) => {
      if (message.kind !== 'results') return;
      decodeOutcomes(message as OutcomesMessage, (outcome) => {
        const resolve = this.pending[this.settled];
        this.pending[this.settled++] = settledSlot;
        resolve?.(outcome);
      });
      if (this.settled === this.pending.length) {
        this.pending = [];
        this.settled = 0;
      } else if (this.settled >= 4096) {
        this.pending = this.pending.slice(this.settled);
        this.settled = 0;
      }
    });
  }

  append(request: AppendRequest): Promise<AppendOutcome> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.outgoing += encodeRequest(request);
      this.outgoingCount += 1;
      // Appends made in the same turn of the event loop are one group commit. Every CHUNK of
      // them crosses at once, so the writer thread writes them while this thread prepares the
      // rest; the turn's last message lets the group commit.
      if (this.outgoingCount >= CHUNK && this.isReady) this.post(false);
      if (!this.sendScheduled) {
        this.sendScheduled = true;
        setImmediate(() => void this.send());
      }
    });
  }

  private post(last: boolean): void {
    const batch = this.outgoing;
    this.outgoing = '';
    this.outgoingCount = 0;
    this.worker.postMessage(encodeBatch(batch, last));
    Atomics.add(this.doorbell, 0, 1);
    if (last && this.stayAwakeUs > 0) this.stayAwake();
  }

  /**
   * Keeps this thread's event loop turning while appends are in flight, for up to `stayAwakeUs`
   * after the last hand-off: one setImmediate per turn, so every turn still polls for I/O and
   * nothing waits on it, but the loop does not sleep. The writer thread's answer is then taken
   * at the next turn; a sleeping thread would first have to be woken, which on a virtual
   * machine costs tens of microseconds per append (decision 0021).
   */
  private stayAwake(): void {
    this.awakeUntil = performance.now() + this.stayAwakeUs / 1000;
    if (this.awake) return;
    this.awake = true;
    const turn = (): void => {
      if (this.inFlight() === 0 || performance.now() > this.awakeUntil) {
        this.awake = false;
        return;
      }
      setImmediate(turn);
    };
    setImmediate(turn);
  }

  private inFlight(): number {
    return this.pending.length - this.settled;
  }

  private async send(): Promise<void> {
    this.sendScheduled = false;
    try {
      await this.ready;
      this.post(true);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private fail(error: Error): void {
    this.failure = error;
    const waiting = this.pending.slice(this.settled);
    this.pending = [];
    this.settled = 0;
    this.outgoing = '';
    this.outgoingCount = 0;
    for (const resolve of waiting)
      resolve({ ok: false, error: { name: 'Error', message: error.message } });
  }

  async close(): Promise<void> {
    if (this.sendScheduled) await this.send();
    await this.drain();
    try {
      await this.ready;
    } catch {
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      this.worker.on('message', (m: { kind: string }) => {
        if (m.kind === 'closed') {
          clearTimeout(timer);
          resolve();
        }
      });
      this.worker.postMessage({ kind: 'close' });
    });
    await this.worker.terminate();
  }

  private async drain(): Promise<void> {
    while (this.inFlight() > 0 && !this.failure) await new Promise((r) => setTimeout(r, 5));
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Marks a settled place in WorkerWriter's queue (the resolver is dropped for the GC). */
function settledSlot(): void {}

/** The compiled worker next to this file; from TypeScript sources (tests), the build's copy. */
function workerScript(): string {
  const here = join(__dirname, 'writer.worker.js');
  if (existsSync(here)) return here;
  const built = resolve(__dirname, '../../../../dist/libs/event-store/src/sqlite/writer.worker.js');
  if (existsSync(built)) return built;
  throw new Error(`event writer worker not found at ${here} or ${built}: run "npm run build"`);
}
