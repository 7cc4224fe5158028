import type { EventStore, RecordedEvent, Subscription } from '#libs/event-store';
import type { EntityManager } from 'typeorm';
import { PositionTracker } from './position-tracker';
import type { ReadModelDatabase } from './read-model-database';
import type { ReadModelProjection } from './read-model';

/** An in-memory projection (route table, revocation set): rebuilt from the log at every start. */
export interface InMemoryProjection {
  readonly name: string;
  apply(event: RecordedEvent): void;
}

export type ProjectionState = 'starting' | 'catching-up' | 'live' | 'failed' | 'stopped';

export interface ProjectionStatus {
  name: string;
  kind: 'read-model' | 'in-memory';
  state: ProjectionState;
  position: bigint;
  head: bigint;
  lag: bigint;
  lastError?: string;
}

export interface RunnerLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const BATCH = 500;

/** Where positions are not consecutive, lag is counted by reading the log, up to this many events. */
export const LAG_COUNT_LIMIT = 10_000;

export interface ProjectionRunnerOptions {
  /**
   * Positions number the events 1, 2, 3… (the SQLite log), so lag is `head - position`. False for
   * KurrentDB, whose commit positions are byte offsets: lag is then counted from the log.
   */
  consecutivePositions?: boolean;
}

abstract class Consumer {
  readonly tracker = new PositionTracker();
  state: ProjectionState = 'starting';
  lastError: string | undefined;
  protected subscription: Subscription | undefined;
  private stopped = false;
  private readyTarget = 0n;
  private readyResolve: (() => void) | undefined;
  readonly ready: Promise<void>;

  constructor(
    readonly name: string,
    readonly kind: 'read-model' | 'in-memory',
    protected readonly store: EventStore,
    protected readonly logger: RunnerLogger,
  ) {
    this.ready = new Promise((resolve) => (this.readyResolve = resolve));
  }

  protected abstract loadCheckpoint(): Promise<bigint>;
  protected abstract applyBatch(events: RecordedEvent[]): Promise<void>;

  async run(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      try {
        const from = await this.loadCheckpoint();
        this.tracker.advance(from);
        this.readyTarget = await this.store.headPosition();
        this.noteProgress();
        await this.consume(from);
        return;
      } catch (error) {
        if (this.stopped) return;
        this.state = 'failed';
        this.lastError = error instanceof Error ? error.message : String(error);
        this.logger.error('projection failed; retrying', {
          projection: this.name,
          error: this.lastError,
          retryInMs: backoff,
        });
        await new Promise((r) => setTimeout(r, backoff).unref());
        backoff = Math.min(backoff * 2, 30_000);
      }
    }
  }

  private async consume(from: bigint): Promise<void> {
    const subscription = this.store.subscribeToAll({ from });
    this.subscription = subscription;
    let batch: RecordedEvent[] = [];
    let chain: Promise<void> = Promise.resolve();
    let failure: unknown;
    const flush = (): Promise<void> => {
      chain = chain.then(async () => {
        if (batch.length === 0 || failure) return;
        const events = batch;
        batch = [];
        try {
          await this.applyBatch(events);
          this.tracker.advance(events[events.length - 1]!.position);
          this.lastError = undefined;
          this.noteProgress();
        } catch (error) {
          failure = error;
          subscription.unsubscribe();
        }
      });
      return chain;
    };
    let idleFlushScheduled = false;
    for await (const event of subscription) {
      batch.push(event);
      if (batch.length >= BATCH) {
        await flush();
      } else if (!idleFlushScheduled) {
        // Runs once the subscription has nothing more ready (it is waiting for new events).
        idleFlushScheduled = true;
        setImmediate(() => {
          idleFlushScheduled = false;
          void flush();
        });
      }
      if (failure) break;
    }
    await flush();
    if (failure) throw failure instanceof Error ? failure : new Error('projection batch failed');
  }

  /** Live (and ready) once the head seen at start is reached; catching up before. */
  private noteProgress(): void {
    if (this.tracker.position < this.readyTarget) {
      this.state = 'catching-up';
      return;
    }
    this.state = 'live';
    this.readyResolve?.();
    this.readyResolve = undefined;
  }

  stop(): void {
    this.stopped = true;
    this.state = 'stopped';
    this.subscription?.unsubscribe();
  }
}

class ReadModelConsumer extends Consumer {
  constructor(
    readonly projection: ReadModelProjection,
    store: EventStore,
    private readonly db: ReadModelDatabase,
    logger: RunnerLogger,
  ) {
    super(projection.name, 'read-model', store, logger);
  }

  protected loadCheckpoint(): Promise<bigint> {
    return readCheckpoint(this.db.manager, this.name);
  }

  protected async applyBatch(events: RecordedEvent[]): Promise<void> {
    await this.db.write(async (manager) => {
      // Another process (`nekzus projections rebuild`) may have moved the checkpoint: never apply twice.
      const stored = await readCheckpoint(manager, this.name);
      for (const event of events)
        if (event.position > stored) await this.projection.apply(event, manager);
      const last = events[events.length - 1]!.position;
      if (last > stored) await writeCheckpoint(manager, this.name, last);
    });
  }
}

class InMemoryConsumer extends Consumer {
  constructor(
    readonly projection: InMemoryProjection,
    store: EventStore,
    logger: RunnerLogger,
  ) {
    super(projection.name, 'in-memory', store, logger);
  }

  protected async loadCheckpoint(): Promise<bigint> {
    return this.tracker.position;
  }

  protected async applyBatch(events: RecordedEvent[]): Promise<void> {
    for (const event of events) this.projection.apply(event);
  }
}

/**
 * Feeds every projection from the event store: durable read models (checkpoint and rows in
 * one transaction) and in-memory ones. Each catches up, then follows live.
 */
export class ProjectionRunner {
  private readonly consumers: Consumer[];
  private running: Promise<void>[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly db: ReadModelDatabase,
    readModels: readonly ReadModelProjection[],
    inMemory: readonly InMemoryProjection[],
    private readonly logger: RunnerLogger,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    this.consumers = [
      ...inMemory.map((p) => new InMemoryConsumer(p, store, logger)),
      ...readModels.map((p) => new ReadModelConsumer(p, store, db, logger)),
    ];
  }

  start(): void {
    this.running = this.consumers.map((c) => c.run());
  }

  /** Resolves when every projection has reached the head of the log as it was at start. */
  async ready(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.ready));
  }

  /** Read-your-writes: true once every projection has applied `position` (false after the timeout). */
  async waitFor(position: bigint, timeoutMs = 5000): Promise<boolean> {
    const results = await Promise.all(
      this.consumers.map((c) => c.tracker.waitFor(position, timeoutMs)),
    );
    return results.every(Boolean);
  }

  async status(): Promise<ProjectionStatus[]> {
    const head = await this.store.headPosition();
    const lags = new Map<bigint, Promise<bigint>>();
    const lagOf = (position: bigint): Promise<bigint> => {
      if (head <= position) return Promise.resolve(0n);
      if (this.options.consecutivePositions !== false) return Promise.resolve(head - position);
      let lag = lags.get(position);
      if (!lag) lags.set(position, (lag = this.eventsBetween(position, head)));
      return lag;
    };
    return Promise.all(
      this.consumers.map(async (c) => {
        const position = c.tracker.position;
        return {
          name: c.name,
          kind: c.kind,
          state: c.state,
          position,
          head,
          lag: await lagOf(position),
          ...(c.lastError ? { lastError: c.lastError } : {}),
        };
      }),
    );
  }

  /** Events after `position` up to `head`, counted from the log (at most LAG_COUNT_LIMIT). */
  private async eventsBetween(position: bigint, head: bigint): Promise<bigint> {
    let count = 0n;
    for await (const event of this.store.readAll({ from: position })) {
      if (event.position <= position) continue;
      if (event.position > head || count >= BigInt(LAG_COUNT_LIMIT)) break;
      count += 1n;
    }
    return count;
  }

  async stop(): Promise<void> {
    for (const c of this.consumers) c.stop();
    await Promise.allSettled(this.running);
  }
}

export async function readCheckpoint(manager: EntityManager, name: string): Promise<bigint> {
  const rows = await manager.query<{ position: number }[]>(
    'SELECT position FROM projection_checkpoints WHERE name = ?',
    [name],
  );
  return BigInt(rows[0]?.position ?? 0);
}

export async function writeCheckpoint(
  manager: EntityManager,
  name: string,
  position: bigint,
): Promise<void> {
  await manager.query(
    `INSERT INTO projection_checkpoints (name, position, updated_at) VALUES (?, ?, ?)
     ON CONFLICT(name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
    [name, Number(position), new Date().toISOString()],
  );
}

/**
 * Empties a read model and replays the whole log into it, in one transaction: readers see
 * the old model until the new one is complete, and a crash leaves the old one in place.
 */
export async function rebuildProjection(
  store: EventStore,
  db: ReadModelDatabase,
  projection: ReadModelProjection,
  onProgress?: (applied: number, head: bigint) => void,
): Promise<{ events: number; position: bigint }> {
  const head = await store.headPosition();
  return db.write(async (manager) => {
    for (const table of projection.tables) await manager.query(`DELETE FROM "${table}"`);
    let events = 0;
    let position = 0n;
    async function* upToHead(): AsyncGenerator<RecordedEvent> {
      for await (const event of store.readAll({ from: 'start' })) {
        if (event.position > head) return;
        position = event.position;
        events += 1;
        if (onProgress && events % 5000 === 0) onProgress(events, head);
        yield event;
      }
    }
    if (projection.rebuild) await projection.rebuild(upToHead(), manager);
    else for await (const event of upToHead()) await projection.apply(event, manager);
    await writeCheckpoint(manager, projection.name, position);
    onProgress?.(events, head);
    return { events, position };
  });
}
