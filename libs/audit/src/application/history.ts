import type { EventStore } from '#libs/event-store';
import {
  diffHistory,
  evolveHistory,
  foldHistory,
  FULL_HISTORY_STREAMS,
  historyView,
  initialHistoryState,
  SNAPSHOT_STREAMS,
  type HistoryChange,
  type HistoryEvent,
  type HistoryView,
} from '../domain/history-state';

/** Where the state at a time is folded from: an events file (`EventLogFile`) or a test's list. */
export interface HistorySource {
  head(): { position: number; hash: string };
  /** The position of the last event recorded at or before `time`. */
  positionAt(time: string): number;
  /** The events `foldHistory` needs for the state at `position`, in log order. */
  stateEvents(position: number): HistoryEvent[];
}

export interface StateAt extends HistoryView {
  /** The time asked about (ISO 8601, UTC). */
  at: string;
}

/** The apps, routes, devices, administrators and keys as they stood at `at`, folded from the log. */
export function stateAt(source: HistorySource, at: string): StateAt {
  const position = source.positionAt(at);
  const view = historyView(foldHistory(source.stateEvents(position)));
  return { at, ...view, position };
}

/**
 * The same state folded from an event store through its port, for a backend with no file to
 * query (KurrentDB): the log is read forwards up to the last event recorded at or before `at`
 * (that event's position is the answer's), folding the app, route, device, key and
 * administrator streams. It reads through a catch-up subscription, not `readAll`: the KurrentDB
 * client's reads (its Rust bridge) give `recordedAt` in whole seconds, its subscriptions in
 * milliseconds, and `at` is compared to the millisecond. The read stops at the head as it was
 * when the call began.
 */
export async function stateAtFromStore(store: EventStore, at: string): Promise<StateAt> {
  const until = Date.parse(at);
  const head = await store.headPosition();
  const state = initialHistoryState();
  const folded = [...SNAPSHOT_STREAMS, ...FULL_HISTORY_STREAMS];
  let position = 0n;
  if (head > 0n) {
    const subscription = store.subscribeToAll({ from: 'start' });
    try {
      for await (const event of subscription) {
        if (event.recordedAt.getTime() > until) break;
        position = event.position;
        if (folded.some((prefix) => event.stream.startsWith(prefix)))
          evolveHistory(state, {
            position: Number(event.position),
            stream: event.stream,
            type: event.type,
            recordedAt: event.recordedAt.toISOString(),
            data: () => event.data,
          });
        if (event.position >= head) break;
      }
    } finally {
      subscription.unsubscribe();
    }
  }
  return { at, ...historyView(state), position: Number(position) };
}

export interface HistoryDiff {
  from: { at: string; position: number };
  to: { at: string; position: number };
  changes: HistoryChange[];
}

/** What changed between two times, per app, route, device, administrator and key. */
export function diffBetween(source: HistorySource, from: string, to: string): HistoryDiff {
  const a = stateAt(source, from);
  const b = stateAt(source, to);
  return {
    from: { at: a.at, position: a.position },
    to: { at: b.at, position: b.position },
    changes: diffHistory(a, b),
  };
}
