import { randomUUID } from 'node:crypto';
import {
  fold,
  DomainError,
  type CommandContext,
  type Decider,
  type DomainEvent,
} from '#libs/kernel';
import { WrongExpectedVersion } from './errors';
import type { EventStore, NewEvent } from './event-store.port';

export interface StreamCommandResult<E extends DomainEvent> {
  events: E[];
  /** Global position of the last appended event; undefined when the command changed nothing. */
  position: bigint | undefined;
}

export class ConcurrencyConflict extends DomainError {
  constructor(stream: string) {
    super(
      'CONCURRENT_MODIFICATION',
      'conflict',
      `"${stream}" kept changing while this request was applied; try again`,
    );
  }
}

/**
 * The write path of a stream: load, fold, decide, append with the revision that was read.
 * When another writer got there first the whole cycle runs again (bounded), then the caller
 * gets a 409.
 */
export async function executeOnStream<C, E extends DomainEvent, S, X>(
  store: EventStore,
  stream: string,
  decider: Decider<C, E, S, X>,
  command: C,
  context: X,
  ctx: CommandContext,
  options: { maxAttempts?: number; newId?: () => string } = {},
): Promise<StreamCommandResult<E>> {
  const attempts = options.maxAttempts ?? 4;
  const newId = options.newId ?? randomUUID;
  for (let attempt = 1; ; attempt++) {
    const history: E[] = [];
    let revision: bigint | undefined;
    for await (const recorded of store.readStream(stream)) {
      history.push({ type: recorded.type, data: recorded.data } as E);
      revision = recorded.revision;
    }
    const events = decider.decide(command, fold(decider, history), context);
    if (events.length === 0) return { events, position: undefined };
    const metadata = {
      correlationId: ctx.correlationId,
      actor: ctx.actor,
      ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
      ...(ctx.sourceIp ? { sourceIp: ctx.sourceIp } : {}),
    };
    const toAppend: NewEvent[] = events.map((e) => ({
      id: newId(),
      type: e.type,
      data: e.data,
      metadata,
    }));
    try {
      const result = await store.append(stream, toAppend, {
        streamState: revision === undefined ? 'no_stream' : revision,
      });
      return { events, position: result.position };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion)) throw error;
      if (attempt >= attempts) throw new ConcurrencyConflict(stream);
    }
  }
}
