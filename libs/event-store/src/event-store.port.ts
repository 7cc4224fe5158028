import type { EventStoreCapabilities } from './capabilities';

/**
 * The event store port. Semantics follow KurrentDB (EventStoreDB) so that its adapter is a
 * thin mapping: stream revisions start at 0, the global log orders every event by a strictly
 * increasing position, appends are atomic and checked against an expected stream state.
 */

export type ActorKind =
  'admin' | 'device' | 'apikey' | 'anonymous' | 'system' | 'discovery' | 'config';

export interface Actor {
  kind: ActorKind;
  id: string;
}

export interface EventMetadata {
  correlationId: string;
  causationId?: string;
  actor: Actor;
  sourceIp?: string;
}

/** An event to append. `id` makes retries idempotent; the store validates `data` against the schema of `type`/`schemaVersion`. */
export interface NewEvent<T extends string = string, D = unknown> {
  id: string;
  type: T;
  schemaVersion?: number;
  data: D;
  metadata: EventMetadata;
}

export interface RecordedEvent<T extends string = string, D = unknown> {
  id: string;
  stream: string;
  revision: bigint;
  position: bigint;
  type: T;
  schemaVersion: number;
  data: D;
  metadata: EventMetadata;
  recordedAt: Date;
}

/** `any`: no check; `no_stream`: the stream must not exist; `stream_exists`: it must; a bigint: its last revision must be exactly that. */
export type StreamState = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface AppendOptions {
  streamState: StreamState;
}

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  nextExpectedRevision: bigint;
  /** Global position of the last event of this append. */
  position: bigint;
}

export type Direction = 'forwards' | 'backwards';

export interface ReadStreamOptions {
  /** Inclusive start revision; `start` (default forwards) or `end` (default backwards). */
  from?: bigint | 'start' | 'end';
  direction?: Direction;
  maxCount?: number;
}

/** Events match when their type is listed (if `eventTypes` is given) and their stream starts with one of `streamPrefixes` (if given). */
export interface EventFilter {
  eventTypes?: readonly string[];
  streamPrefixes?: readonly string[];
}

export interface ReadAllOptions {
  /** Inclusive start position. */
  from?: bigint | 'start' | 'end';
  direction?: Direction;
  maxCount?: number;
  filter?: EventFilter;
}

export interface SubscribeOptions {
  /** Exclusive: deliver events strictly after this position. `start` replays everything, `end` only new events. */
  from?: bigint | 'start' | 'end';
  filter?: EventFilter;
}

export interface Subscription extends AsyncIterable<RecordedEvent> {
  /** Ends the iteration; a pending `next()` resolves as done. */
  unsubscribe(): void;
}

export interface EventStore {
  /** What this adapter guarantees beyond the common contract (hash chain, id uniqueness). */
  readonly capabilities: EventStoreCapabilities;
  append(
    stream: string,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult>;
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;
  subscribeToAll(options?: SubscribeOptions): Subscription;
  /** Position of the newest event in the global log, 0n when empty. */
  headPosition(): Promise<bigint>;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EVENT_STORE');

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
