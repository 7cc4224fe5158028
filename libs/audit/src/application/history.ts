import {
  diffHistory,
  foldHistory,
  historyView,
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
