/**
 * What an adapter guarantees beyond the port's common contract. The SQLite file can chain every
 * event of the global log and enforce one global index of event ids; a KurrentDB cluster orders
 * `$all` itself, so the adapter can only chain each stream (see docs/decisions/0008).
 */
export interface EventStoreCapabilities {
  /** Which hash chain `audit verify` can check: one through `$all`, or one per stream. */
  hashChain: 'global' | 'per-stream';
  /** An event id already stored in another stream is refused (DuplicateEventId). */
  globalEventIdUniqueness: boolean;
}

export const SQLITE_CAPABILITIES: EventStoreCapabilities = {
  hashChain: 'global',
  globalEventIdUniqueness: true,
};

export const KURRENTDB_CAPABILITIES: EventStoreCapabilities = {
  hashChain: 'per-stream',
  globalEventIdUniqueness: false,
};
