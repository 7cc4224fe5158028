import {
  describeEvent,
  entryJson,
  hasSecrets,
  maskSecrets,
  MemoryNameBook,
  type AuditEntry,
} from '../domain/audit-entry';
import { splitQualified, type AuditFilter } from '../domain/audit-filter';
import type { EventLogFile } from './event-log-file';
import type { LogRow } from './log-row';

export interface ReplayedEntry {
  entry: AuditEntry;
  row: LogRow;
}

function matches(entry: AuditEntry, filter: AuditFilter): boolean {
  if (filter.action !== undefined && entry.action !== filter.action) return false;
  if (filter.target !== undefined) {
    const { qualifier, id } = splitQualified(filter.target);
    const t = entry.target;
    if (t.id !== filter.target && !(qualifier === t.type && id === t.id)) return false;
  }
  return true;
}

/**
 * The audit entries of the events after `after` up to `to`, in log order, as `audit replay`
 * shows them. Names of devices and keys are learnt from every naming event before each entry,
 * also from those the filter leaves out; pass the same `names` to a later call (`--follow`)
 * with a finite `to` to go on from there.
 */
export function* replayEntries(
  log: EventLogFile,
  filter: AuditFilter,
  after = 0,
  to = Number.MAX_SAFE_INTEGER,
  names = new MemoryNameBook(),
): Generator<ReplayedEntry> {
  const naming = log.namingEvents(names.position, to);
  let next = 0;
  for (const row of log.scan(filter, after, to)) {
    while (next < naming.length && naming[next]!.position <= row.position) {
      const n = naming[next++]!;
      names.learn(n.type, n.data);
    }
    const entry = describeEvent(row, names);
    if (matches(entry, filter)) yield { entry, row };
  }
  for (; next < naming.length; next++) names.learn(naming[next]!.type, naming[next]!.data);
  names.position = Math.max(names.position, to);
}

/** Naming events read at a time when catching up (all at once, a long log's would be tens of MB). */
const NAMING_WINDOW = 50_000;

/** Learns the names given after `names.position` up to `to`, and leaves the book at `to`. */
export function catchUpNames(log: EventLogFile, names: MemoryNameBook, to: number): void {
  for (let from = names.position; from < to; from += NAMING_WINDOW)
    for (const row of log.namingEvents(from, Math.min(to, from + NAMING_WINDOW)))
      names.learn(row.type, row.data);
  names.position = Math.max(names.position, to);
}

/** The event's data for display: secrets masked; otherwise the stored JSON text as it is (not parsed). */
export function detailsJson(row: LogRow): string {
  return hasSecrets(row.type) || row.needsUpcast
    ? JSON.stringify(maskSecrets(row.type, row.data()) ?? null)
    : row.dataText;
}

/** The entry as JSON without its closing brace, for `withDetails` to finish. */
export function entryHead(entry: AuditEntry): string {
  return entryJson(entry).slice(0, -1);
}

export function withDetails(head: string, details: string): string {
  return `${head},"details":${details}}`;
}

/** One NDJSON line: the entry and its masked details. */
export function entryLine({ entry, row }: ReplayedEntry): string {
  return withDetails(entryHead(entry), detailsJson(row));
}
