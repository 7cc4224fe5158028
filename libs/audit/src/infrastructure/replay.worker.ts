import { parentPort, workerData } from 'node:worker_threads';
import { MemoryNameBook, type NameBookSnapshot } from '../domain/audit-entry';
import type { AuditFilter } from '../domain/audit-filter';
import { detailsJson, entryHead, replayEntries, withDetails } from './audit-replay';
import { EventLogFile } from './event-log-file';
import type { RawRow, Upcasting } from './log-row';

/**
 * Writes stretches of `audit replay` off the main thread (see `replayBlocks`). It loads no
 * upcasters (they live with the gateway's composition, far too much to load in a worker): a
 * row stored at an older schema version than the newest comes back as a hole, its entry
 * written and its details left for the main thread to upcast and fill in.
 */
export interface ReplayWorkerInput {
  path: string;
  filter: AuditFilter;
  /** The newest schema version of every type that has more than one. */
  latest: Record<string, number>;
  names: NameBookSnapshot;
  prefix: string;
  suffix: string;
}

export interface ReplayHole {
  head: string;
  raw: RawRow;
}

export interface ReplayWorkerBlock {
  seq: number;
  parts: (string | ReplayHole)[];
  entries: number;
}

const port = parentPort;
if (!port) throw new Error('replay.worker must run in a worker thread');
const input = workerData as ReplayWorkerInput;
const versions: Upcasting = {
  latestVersion: (type) => input.latest[type],
  upcast: (type) => {
    throw new Error(`replay worker asked to upcast ${type}: describing it must not read its data`);
  },
};
const log = EventLogFile.open(input.path, versions);
const names = MemoryNameBook.from(input.names);

// Runs until the main thread terminates it, which also closes the read-only connection.
port.on('message', (task: { seq: number; from: number; to: number }) => {
  const parts: (string | ReplayHole)[] = [];
  let text = '';
  let entries = 0;
  for (const { entry, row } of replayEntries(log, input.filter, task.from - 1, task.to, names)) {
    entries += 1;
    if (row.needsUpcast) {
      parts.push(text, { head: entryHead(entry), raw: row.raw });
      text = '';
    } else
      text += `${input.prefix}${withDetails(entryHead(entry), detailsJson(row))}${input.suffix}`;
  }
  parts.push(text);
  port.postMessage({ seq: task.seq, parts, entries } satisfies ReplayWorkerBlock);
});
