import type { StreamState } from './event-store.port';

export function describeStreamState(state: StreamState | bigint | 'no_stream'): string {
  return typeof state === 'bigint' ? `revision ${state}` : state;
}

/** The stream was not in the state the append expected; nothing was written. */
export class WrongExpectedVersion extends Error {
  readonly code = 'WRONG_EXPECTED_VERSION';
  constructor(
    readonly stream: string,
    readonly expected: StreamState,
    /** Last revision actually in the stream, or `no_stream`. */
    readonly actual: bigint | 'no_stream',
  ) {
    super(
      `stream "${stream}" expected ${describeStreamState(expected)} but is at ${describeStreamState(actual)}`,
    );
    this.name = 'WrongExpectedVersion';
  }
}

/** An appended event did not match its JSON Schema (or its type has none); nothing was written. */
export class EventSchemaViolation extends Error {
  readonly code = 'EVENT_SCHEMA_VIOLATION';
  constructor(
    readonly eventType: string,
    readonly schemaVersion: number,
    readonly problems: readonly string[],
  ) {
    super(`event ${eventType} v${schemaVersion} is invalid: ${problems.join('; ')}`);
    this.name = 'EventSchemaViolation';
  }
}

/** An event id that is already stored elsewhere (another stream or another position) was appended again. */
export class DuplicateEventId extends Error {
  readonly code = 'DUPLICATE_EVENT_ID';
  constructor(
    readonly eventId: string,
    readonly stream: string,
  ) {
    super(`event id ${eventId} is already stored and cannot be appended to "${stream}" again`);
    this.name = 'DuplicateEventId';
  }
}

export class EventStoreClosed extends Error {
  readonly code = 'EVENT_STORE_CLOSED';
  constructor() {
    super('the event store is closed');
    this.name = 'EventStoreClosed';
  }
}
