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
  /** UTF-8 text (moved, not copied, to the main thread) and holes, in log order. */
  parts: (Uint8Array | ReplayHole)[];
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
const encoder = new TextEncoder();

// Runs until the main thread terminates it, which also closes the read-only connection.
port.on('message', (task: { seq: number; from: number; to: number }) => {
  const parts: (Uint8Array | ReplayHole)[] = [];
  const moved: ArrayBuffer[] = [];
  let text = '';
  const cut = () => {
    // Encoded here rather than on the main thread, into a buffer of its own, handed over whole.
    const bytes = encoder.encode(text);
    parts.push(bytes);
    moved.push(bytes.buffer);
    text = '';
  };
  let entries = 0;
  for (const { entry, row } of replayEntries(log, input.filter, task.from - 1, task.to, names)) {
    entries += 1;
    if (row.needsUpcast) {
      cut();
      parts.push({ head: entryHead(entry), raw: row.raw });
    } else {
      text += `${input.prefix}${withDetails(entryHead(entry), detailsJson(row))}${input.suffix}`;
      // Text leaves the heap every ~256 KiB, so a block of large events fits a small heap.
      if (text.length >= 1 << 18) cut();
    }
  }
  cut();
  port.postMessage({ seq: task.seq, parts, entries } satisfies ReplayWorkerBlock, moved);
});
