import {
  DomainError,
  SecondChanceMap,
  type CommandContext,
  type Decider,
  type DomainEvent,
} from '#libs/kernel';
import { WrongExpectedVersion } from './errors';
import type { EventStore, NewEvent } from './event-store.port';
import { uuidv7 } from './uuid';

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
 * Folded states of recently used streams, so a command reads only the events appended since
 * (from the cached revision on), not the whole stream. Entries are prefixes of the stream and
 * never wrong, only possibly behind; when full, one not used lately goes (second chance).
 */
export class StreamStateCache<S> {
  private readonly entries: SecondChanceMap<string, { revision: bigint; state: S }>;

  constructor(capacity = 10_000) {
    this.entries = new SecondChanceMap(capacity);
  }

  get(stream: string): { revision: bigint; state: S } | undefined {
    return this.entries.get(stream);
  }

  set(stream: string, revision: bigint, state: S): void {
    this.entries.set(stream, { revision, state });
  }
}

/** Folds a stream into state, starting from the cached state when there is one. */
export async function loadStream<E extends DomainEvent, S>(
  store: EventStore,
  stream: string,
  decider: Pick<Decider<never, E, S, never>, 'initialState' | 'evolve'>,
  cache?: StreamStateCache<S>,
): Promise<{ state: S; revision: bigint | undefined }> {
  const cached = cache?.get(stream);
  let state = cached ? cached.state : decider.initialState();
  let revision = cached?.revision;
  const from = revision === undefined ? 'start' : revision + 1n;
  for await (const recorded of store.readStream(stream, { from })) {
    state = decider.evolve(state, { type: recorded.type, data: recorded.data } as E);
    revision = recorded.revision;
  }
  if (cache && revision !== undefined && revision !== cached?.revision)
    cache.set(stream, revision, state);
  return { state, revision };
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
  options: { maxAttempts?: number; newId?: () => string; cache?: StreamStateCache<S> } = {},
): Promise<StreamCommandResult<E>> {
  const attempts = options.maxAttempts ?? 4;
  const newId = options.newId ?? (() => uuidv7());
  for (let attempt = 1; ; attempt++) {
    const { state, revision } = await loadStream(store, stream, decider, options.cache);
    const events = decider.decide(command, state, context);
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
      if (options.cache) {
        let next = state;
        for (const e of events) next = decider.evolve(next, e);
        options.cache.set(stream, result.nextExpectedRevision, next);
      }
      return { events, position: result.position };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion)) throw error;
      if (attempt >= attempts) throw new ConcurrencyConflict(stream);
    }
  }
}
