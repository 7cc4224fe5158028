import {
  BACKWARDS,
  END,
  FORWARDS,
  jsonEvent,
  KurrentDBClient,
  START,
  StreamNotFoundError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { KURRENTDB_CAPABILITIES, type EventStoreCapabilities } from '../capabilities';
import { EventStoreClosed, WrongExpectedVersion } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from '../event-store.port';
import type { SchemaRegistry } from '../schema-registry';
import { validateNewEvent } from '../validate-event';
import {
  decodeMetadata,
  encodeMetadata,
  planFilter,
  portMetadata,
  toKurrentStreamState,
  toPortError,
  toPortPosition,
  toReadPosition,
} from './kurrentdb-mapping';
import {
  linkEvents,
  verifyStreamChain,
  type StoredLink,
  type StreamChainReport,
} from './stream-chain';

export interface KurrentDbEventStoreOptions {
  /** A kurrentdb:// or kurrentdb+discover:// connection string (storage.kurrentdb.connection_string). */
  connectionString: string;
  schemas: SchemaRegistry;
  /**
   * Prefix of every stream this store writes and reads, so that several installations (or the
   * contract suite's tests) share a cluster without seeing each other's events. Default none.
   */
  namespace?: string;
}

/** Appends with `any` or `stream_exists` re-read the head and try again this often before giving up. */
const MAX_HEAD_RACES = 8;

/**
 * The event store on a KurrentDB cluster. Streams, revisions, expected states and idempotent
 * retries are KurrentDB's own; `$all` positions are commit positions. What differs from the
 * SQLite file: each event carries a chain link through its stream (not through `$all`) in its
 * metadata, and event ids are unique per stream only (docs/decisions/0008).
 */
export class KurrentDbEventStore implements EventStore {
  readonly capabilities: EventStoreCapabilities = KURRENTDB_CAPABILITIES;
  private readonly client: KurrentDBClient;
  private readonly subscriptions = new Set<KurrentSubscription>();
  private closed = false;
  private readonly namespace: string;

  constructor(private readonly options: KurrentDbEventStoreOptions) {
    this.client = KurrentDBClient.connectionString(options.connectionString);
    this.namespace = options.namespace ?? '';
  }

  /** The filter as the server sees streams: inside the namespace. */
  private plan(filter: ReadAllOptions['filter']) {
    if (!this.namespace) return planFilter(filter);
    const prefixes = filter?.streamPrefixes?.length ? filter.streamPrefixes : [''];
    return planFilter({
      ...(filter?.eventTypes ? { eventTypes: filter.eventTypes } : {}),
      streamPrefixes: prefixes.map((p) => `${this.namespace}${p}`),
    });
  }

  async append(
    stream: string,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    this.assertOpen();
    if (!stream) throw new Error('a stream name is required');
    if (stream.startsWith('$')) throw new Error('streams starting with "$" belong to KurrentDB');
    if (events.length === 0) throw new Error('an append needs at least one event');
    const prepared = events.map((event) => ({
      event,
      schemaVersion: validateNewEvent(this.options.schemas, event),
      id: event.id.toLowerCase(),
      metadata: portMetadata(event.metadata),
    }));
    const expected = options.streamState;
    toKurrentStreamState(expected);
    const name = `${this.namespace}${stream}`;
    for (let race = 0; ; race++) {
      // The link needs the hash of the event the append follows, so the revision it lands at
      // must be known: `any` and `stream_exists` become the revision just read.
      const prev =
        typeof expected === 'bigint'
          ? await this.eventAt(stream, expected)
          : expected === 'no_stream'
            ? undefined
            : await this.lastEvent(stream);
      if (typeof expected !== 'bigint' && expected !== 'no_stream') {
        const retried = await this.retryOf(
          stream,
          prepared.map((p) => p.id),
        );
        if (retried) return retried;
        if (expected === 'stream_exists' && !prev)
          throw new WrongExpectedVersion(stream, expected, 'no_stream');
      }
      const links = linkEvents(
        stream,
        prev,
        prepared.map((p) => ({
          id: p.id,
          type: p.event.type,
          schemaVersion: p.schemaVersion,
          metadata: JSON.stringify(p.metadata),
          data: JSON.stringify(p.event.data),
        })),
      );
      const sent =
        typeof expected === 'bigint' || expected === 'no_stream'
          ? toKurrentStreamState(expected)
          : (prev?.revision ?? toKurrentStreamState('no_stream'));
      try {
        const result = await this.client.appendToStream(
          name,
          prepared.map((p, i) =>
            jsonEvent({
              id: p.id,
              type: p.event.type,
              data: p.event.data as Record<string, unknown>,
              metadata: encodeMetadata(p.metadata, links[i]!) as unknown as Record<string, unknown>,
            }),
          ),
          { streamState: sent },
        );
        return {
          nextExpectedRevision: result.nextExpectedRevision,
          position: toPortPosition(result.position),
        };
      } catch (error) {
        const mapped = toPortError(error, stream, expected);
        // Another writer moved the stream between the read and the append: for `any` and
        // `stream_exists` that is no conflict, only a new head to link to.
        const raced =
          mapped instanceof WrongExpectedVersion &&
          typeof expected !== 'bigint' &&
          expected !== 'no_stream';
        if (!raced || race >= MAX_HEAD_RACES) throw mapped;
      }
    }
  }

  async *readStream(
    stream: string,
    options: ReadStreamOptions = {},
  ): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    const direction = options.direction === 'backwards' ? BACKWARDS : FORWARDS;
    const from = options.from ?? (direction === BACKWARDS ? 'end' : 'start');
    const read = this.client.readStream(`${this.namespace}${stream}`, {
      direction,
      fromRevision: from === 'start' ? START : from === 'end' ? END : from,
      ...(options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
    });
    try {
      for await (const resolved of read) {
        const recorded = this.toRecorded(resolved);
        if (recorded) yield recorded;
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return;
      throw error;
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    this.assertOpen();
    const direction = options.direction === 'backwards' ? BACKWARDS : FORWARDS;
    const plan = this.plan(options.filter);
    let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (remaining <= 0) return;
    const read = this.client.readAll({
      direction,
      fromPosition: toReadPosition(options.from ?? (direction === BACKWARDS ? 'end' : 'start')),
      filter: plan.server,
      // Events that only the client-side half of the filter drops still count against the
      // server's maxCount, so the limit is applied here.
    });
    for await (const resolved of read) {
      const event = resolved.event;
      if (!event || !plan.matches(event.streamId, event.type)) continue;
      const recorded = this.toRecorded(resolved);
      if (!recorded) continue;
      yield recorded;
      if (--remaining <= 0) return;
    }
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const plan = this.plan(options.filter);
    const from = options.from ?? 'start';
    const subscription = new KurrentSubscription(
      this.client.subscribeToAll({ fromPosition: toReadPosition(from), filter: plan.server }),
      (resolved) =>
        resolved.event && plan.matches(resolved.event.streamId, resolved.event.type)
          ? this.toRecorded(resolved)
          : undefined,
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<bigint> {
    for await (const event of this.readAll({ direction: 'backwards', maxCount: 1 }))
      return event.position;
    return 0n;
  }

  /** The chain link (hash) an event read through this adapter carried in its metadata, if any. */
  static chainHashOf(this: void, event: RecordedEvent): string | undefined {
    const hash = (event as unknown as Record<symbol, unknown>)[CHAIN_HASH];
    return typeof hash === 'string' ? hash : undefined;
  }

  /** Walks one stream's chain links (what `audit verify` can check on this backend). */
  async verifyStream(stream: string): Promise<StreamChainReport> {
    const links: StoredLink[] = [];
    try {
      for await (const resolved of this.client.readStream(`${this.namespace}${stream}`)) {
        const event = resolved.event;
        if (!event || !event.isJson) continue;
        const { metadata, chain } = decodeMetadata(event.metadata);
        links.push({
          stream,
          revision: event.revision,
          id: event.id,
          type: event.type,
          metadata: JSON.stringify(metadata),
          data: JSON.stringify(event.data),
          chain,
        });
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return verifyStreamChain(stream, links);
  }

  /** Every stream the log holds, once each (in order of first appearance in `$all`). */
  async *streams(): AsyncGenerator<string> {
    const seen = new Set<string>();
    for await (const event of this.readAll())
      if (!seen.has(event.stream)) {
        seen.add(event.stream);
        yield event.stream;
      }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of [...this.subscriptions]) subscription.unsubscribe();
    await this.client.dispose();
  }

  private async eventAt(
    stream: string,
    revision: bigint,
  ): Promise<{ revision: bigint; hash: string } | undefined> {
    for await (const event of this.readStream(stream, { from: revision, maxCount: 1 }))
      return { revision: event.revision, hash: linkOf(event) };
    return undefined;
  }

  private async lastEvent(stream: string): Promise<{ revision: bigint; hash: string } | undefined> {
    for await (const event of this.readStream(stream, { direction: 'backwards', maxCount: 1 }))
      return { revision: event.revision, hash: linkOf(event) };
    return undefined;
  }

  /**
   * With `any` or `stream_exists` the server cannot recognise a retry (the append carries the
   * revision just read, after the first attempt's events): a retry is an append whose ids are
   * the stream's last events, in order.
   */
  private async retryOf(stream: string, ids: readonly string[]): Promise<AppendResult | undefined> {
    const tail: RecordedEvent[] = [];
    for await (const event of this.readStream(stream, {
      direction: 'backwards',
      maxCount: ids.length,
    }))
      tail.unshift(event);
    if (tail.length !== ids.length || tail.some((e, i) => e.id !== ids[i])) return undefined;
    const last = tail[tail.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  private toRecorded(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
    const event = resolved.event;
    if (!event || !event.isJson) return undefined;
    const { metadata, chain } = decodeMetadata(event.metadata);
    const schemas = this.options.schemas;
    const stored = Number(chain?.schemaVersion ?? 1);
    const latest = schemas.latestVersion(event.type) ?? stored;
    const lifted =
      stored < latest
        ? schemas.upcast(event.type, stored, event.data)
        : { version: stored, data: event.data as unknown };
    const recorded: RecordedEvent & { chainHash?: string } = {
      id: event.id,
      stream: event.streamId.slice(this.namespace.length),
      revision: event.revision,
      position: toPortPosition(event.position ?? positionOf(resolved)),
      type: event.type,
      schemaVersion: lifted.version,
      data: lifted.data,
      metadata,
      recordedAt: event.created,
    };
    Object.defineProperty(recorded, CHAIN_HASH, { value: chain?.hash, enumerable: false });
    return recorded;
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreClosed();
  }
}

const CHAIN_HASH = Symbol('chainHash');

function linkOf(event: RecordedEvent): string {
  const hash = KurrentDbEventStore.chainHashOf(event);
  if (hash === undefined)
    throw new Error(
      `event ${event.stream}@${event.revision} carries no chain link: the stream was not written through this adapter`,
    );
  return hash;
}

function positionOf(resolved: ResolvedEvent | AllStreamResolvedEvent) {
  return resolved.commitPosition === undefined
    ? undefined
    : { commit: resolved.commitPosition, prepare: resolved.commitPosition };
}

/** The client's subscription stream as the port's async iterable, ended by `unsubscribe`. */
class KurrentSubscription implements Subscription {
  private readonly queue: RecordedEvent[] = [];
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private ended = false;

  constructor(
    private readonly source: AllStreamSubscription,
    map: (resolved: AllStreamResolvedEvent) => RecordedEvent | undefined,
    private readonly onClose: () => void,
  ) {
    source.on('data', (resolved: AllStreamResolvedEvent) => {
      const event = map(resolved);
      if (!event) return;
      this.queue.push(event);
      this.notify();
    });
    source.on('error', (error: Error) => {
      if (!this.ended) this.failure = error;
      this.finish();
    });
    source.on('end', () => this.finish());
    source.on('close', () => this.finish());
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RecordedEvent> {
    try {
      for (;;) {
        const next = this.queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.unsubscribe();
    }
  }

  unsubscribe(): void {
    if (this.ended && this.queue.length === 0) return;
    this.queue.length = 0;
    this.finish();
    this.source.unsubscribe().catch(() => undefined);
  }

  private finish(): void {
    if (!this.ended) {
      this.ended = true;
      this.onClose();
    }
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
