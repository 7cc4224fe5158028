import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type { EventStore } from '#libs/event-store';
import { GetStateAtQuery } from './audit.queries';
import { stateAtFromStore, type StateAt } from './history';

/** The event store the state at a time is folded from when there is no events file (KurrentDB). */
export const HISTORY_STORE = Symbol('HISTORY_STORE');

/** `GetStateAtQuery` answered through the event store port instead of the SQLite file. */
@QueryHandler(GetStateAtQuery)
export class GetStateAtFromStoreHandler implements IQueryHandler<GetStateAtQuery, StateAt> {
  constructor(@Inject(HISTORY_STORE) private readonly store: EventStore) {}
  execute(q: GetStateAtQuery): Promise<StateAt> {
    return stateAtFromStore(this.store, q.at);
  }
}
