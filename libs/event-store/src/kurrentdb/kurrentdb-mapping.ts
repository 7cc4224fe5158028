import {
  ANY,
  END,
  eventTypeFilter,
  excludeSystemEvents,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  streamNameFilter,
  WrongExpectedVersionError,
  type AppendStreamState,
  type Filter,
  type ReadPosition,
} from '@kurrent/kurrentdb-client';
import { WrongExpectedVersion } from '../errors';
import type { EventFilter, EventMetadata, StreamState } from '../event-store.port';
import type { ChainMetadata } from './stream-chain';

/*
 * The pure half of the KurrentDB adapter: how the port's stream states, positions, filters,
 * metadata and errors map onto the client's. Kept apart so it is tested without a server.
 */

/** The port's expected stream state as the client's `streamState`. */
export function toKurrentStreamState(state: StreamState): AppendStreamState {
  if (typeof state === 'bigint') {
    if (state < 0n) throw new Error('an expected revision cannot be negative');
    return state;
  }
  switch (state) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
  }
}

/**
 * A port position is the event's commit position in the transaction log: strictly increasing
 * through `$all` (since KurrentDB 20 every event of an append is its own committed record, so
 * commit and prepare positions coincide), though not consecutive like SQLite's.
 */
export function toPortPosition(position: { commit: bigint } | undefined): bigint {
  if (!position) throw new Error('KurrentDB returned an event without a position');
  return position.commit;
}

/**
 * The port's 0n means "before any event" (an empty log's head, a fresh checkpoint): that is the
 * start of `$all`, not commit position 0, which a subscription would treat as already seen.
 */
export function toReadPosition(from: bigint | 'start' | 'end'): ReadPosition {
  if (from === 'start' || from === 0n) return START;
  if (from === 'end') return END;
  if (from < 0n) throw new Error('a position cannot be negative');
  return { commit: from, prepare: from };
}

/** Streams and event types that start with `$` are KurrentDB's own (metadata, statistics, links). */
export function isSystemEvent(stream: string, type: string): boolean {
  return stream.startsWith('$') || type.startsWith('$');
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface FilterPlan {
  /** What the server filters (it filters on event type or on stream name, not both). */
  server: Filter;
  /** What is checked here on every event the server sends. */
  matches(stream: string, type: string): boolean;
}

/**
 * Event types go to the server as an anchored regex; stream prefixes go to the server when
 * they are the only criterion, else they are checked here. Without a filter the server still
 * drops system events.
 */
export function planFilter(filter: EventFilter | undefined, checkpointInterval = 32): FilterPlan {
  const types = filter?.eventTypes?.length ? filter.eventTypes : undefined;
  const prefixes = filter?.streamPrefixes?.length ? filter.streamPrefixes : undefined;
  const typeSet = types ? new Set(types) : undefined;
  const matches = (stream: string, type: string) =>
    !isSystemEvent(stream, type) &&
    (!typeSet || typeSet.has(type)) &&
    (!prefixes || prefixes.some((p) => stream.startsWith(p)));
  if (types)
    return {
      server: eventTypeFilter({
        regex: `^(?:${types.map(escapeRegex).join('|')})$`,
        checkpointInterval,
      }),
      matches,
    };
  if (prefixes)
    return { server: streamNameFilter({ prefixes: [...prefixes], checkpointInterval }), matches };
  return { server: excludeSystemEvents({ checkpointInterval }), matches };
}

/** The metadata object stored with each event: the port's fields, KurrentDB's own, the chain link. */
export interface StoredMetadata extends EventMetadata {
  /** KurrentDB's system projections ($by_correlation_id) read these two. */
  $correlationId: string;
  $causationId?: string;
  nekzus: ChainMetadata;
}

export function encodeMetadata(metadata: EventMetadata, chain: ChainMetadata): StoredMetadata {
  return {
    ...portMetadata(metadata),
    $correlationId: metadata.correlationId,
    ...(metadata.causationId ? { $causationId: metadata.causationId } : {}),
    nekzus: chain,
  };
}

/** Only the port's fields, in a fixed order: what the chain link hashes and what readers get. */
export function portMetadata(stored: EventMetadata): EventMetadata {
  return {
    correlationId: stored.correlationId,
    ...(stored.causationId !== undefined ? { causationId: stored.causationId } : {}),
    actor: { kind: stored.actor.kind, id: stored.actor.id },
    ...(stored.sourceIp !== undefined ? { sourceIp: stored.sourceIp } : {}),
  };
}

export function decodeMetadata(stored: unknown): {
  metadata: EventMetadata;
  chain: Partial<ChainMetadata> | undefined;
} {
  const record = (stored ?? {}) as Partial<StoredMetadata>;
  const metadata = portMetadata({
    correlationId: String(record.correlationId ?? record.$correlationId ?? ''),
    ...(record.causationId !== undefined ? { causationId: record.causationId } : {}),
    actor: record.actor ?? { kind: 'system', id: 'unknown' },
    ...(record.sourceIp !== undefined ? { sourceIp: record.sourceIp } : {}),
  });
  return { metadata, chain: record.nekzus };
}

/** The client's errors as the port's; anything else passes through. */
export function toPortError(error: unknown, stream: string, expected: StreamState): unknown {
  if (error instanceof WrongExpectedVersionError) {
    const actual = error.actualState;
    return new WrongExpectedVersion(
      stream,
      expected,
      typeof actual === 'bigint' && actual >= 0n ? actual : 'no_stream',
    );
  }
  return error;
}
