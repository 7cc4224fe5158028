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
  /** Bytes of a text buffer (default: room for a cut of ASCII text). */
  textBytes?: number;
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

/** A stretch of positions to write. */
export interface ReplayWorkerTask {
  seq: number;
  from: number;
  to: number;
}

/** Buffers the main thread has written out, moved back to be written into again. */
export interface ReplayWorkerRecycle {
  recycle: ArrayBuffer[];
}

/** Text is cut into pieces of about this many characters. */
const TEXT_CUT = 1 << 18;
/** The size of a text buffer: room for a cut of ASCII text (more gets a buffer of its own). */
const BUFFER_BYTES = 1 << 19;
/** Returned buffers kept for reuse, at most (more are in flight only when the reader is slow). */
const KEEP = 32;

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
/** Buffers handed back by the main thread once written out: reused, so spent text does not pile up there. */
const free: ArrayBuffer[] = [];

/** The text in a buffer of its own (reused when one is free), ready to be moved. */
function encoded(text: string): Uint8Array {
  const buffer = free.pop() ?? new ArrayBuffer(input.textBytes ?? BUFFER_BYTES);
  const { read, written } = encoder.encodeInto(text, new Uint8Array(buffer));
  if (read === text.length) return new Uint8Array(buffer, 0, written);
  // Text with many multi-byte characters: a buffer that surely holds it, recycled like the others.
  free.push(buffer);
  const larger = new ArrayBuffer(text.length * 3);
  return new Uint8Array(larger, 0, encoder.encodeInto(text, new Uint8Array(larger)).written);
}

// Runs until the main thread terminates it, which also closes the read-only connection.
port.on('message', (message: ReplayWorkerTask | ReplayWorkerRecycle) => {
  if ('recycle' in message) {
    for (const buffer of message.recycle) if (free.length < KEEP) free.push(buffer);
    return;
  }
  const task = message;
  const parts: (Uint8Array | ReplayHole)[] = [];
  const moved: ArrayBuffer[] = [];
  let text = '';
  const cut = () => {
    if (text.length === 0) return;
    // Encoded here rather than on the main thread, into a buffer of its own, handed over whole.
    const bytes = encoded(text);
    parts.push(bytes);
    moved.push(bytes.buffer as ArrayBuffer);
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
      if (text.length >= TEXT_CUT) cut();
    }
  }
  cut();
  port.postMessage({ seq: task.seq, parts, entries } satisfies ReplayWorkerBlock, moved);
});
