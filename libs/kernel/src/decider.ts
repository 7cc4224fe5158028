/** An event as the domain sees it: a type name and its data. Ids and metadata are added when it is stored. */
export interface DomainEvent<T extends string = string, D = unknown> {
  type: T;
  data: D;
}

/**
 * The pure core of a stream: fold its events into state, decide what a command produces.
 * `decide` gets everything it needs as arguments (state, the time, facts from outside the
 * stream), so it can be tested with no clock and no I/O.
 */
export interface Decider<Command, Event extends DomainEvent, State, Context = void> {
  initialState: () => State;
  evolve: (state: State, event: Event) => State;
  decide: (command: Command, state: State, context: Context) => Event[];
}

export function fold<Event extends DomainEvent, State>(
  decider: Pick<Decider<never, Event, State, never>, 'initialState' | 'evolve'>,
  events: Iterable<Event>,
): State {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
