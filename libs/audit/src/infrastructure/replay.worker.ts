import { parentPort, workerData } from 'node:worker_threads';
import { describeEvent, MemoryNameBook, type NameBookSnapshot } from '../domain/audit-entry';
import type { AuditFilter } from '../domain/audit-filter';
import {
  detailsJson,
  entryHead,
  replayEntries,
  withDetails,
  type ReplayedEntry,
} from './audit-replay';
import type { ColumnLineSpec } from './column-lines';
import { EventLogFile } from './event-log-file';
import type { LogRow, RawRow, Upcasting } from './log-row';

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
  /**
   * When given, SQLite writes the lines of the events it can describe (`columnLineSql`), in
   * runs between the others, which are described here as before. Not given for filters on
   * action or target, which are checked on the entry.
   */
  columns?: ColumnLineSpec;
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

/** A name given at a position (what `namingOf` finds), as plain data. */
export type Naming = [position: number, kind: 'device' | 'apikey', id: string, name: string];

/** A stretch of positions to write. */
export interface ReplayWorkerTask {
  seq: number;
  from: number;
  to: number;
  /** With `columns`: the names given since this worker's last stretch, up to `to`, in order. */
  names?: Naming[];
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
/** Bytes of lines SQLite writes per statement, about (the positions per statement follow the events' size). */
const LINE_BYTES = 1 << 16;
/** Positions per statement, at most. */
const MAX_STRETCH = 256;

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
const columns = input.columns && log.columnLines(input.filter, input.columns);
// The names SQLite's lines read are the book's, set as the book learns them.
const names = MemoryNameBook.from(input.names, columns && ((key, name) => columns.name(key, name)));
const encoder = new TextEncoder();
/** Buffers handed back by the main thread once written out: reused, so spent text does not pile up there. */
const free: ArrayBuffer[] = [];
/** Positions SQLite writes per statement: starts small, then follows the events' size. */
let stretch = 16;

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
  const push = (bytes: Uint8Array) => {
    parts.push(bytes);
    moved.push(bytes.buffer as ArrayBuffer);
  };
  // With SQLite writing lines, every line (SQLite's runs and the rows described here) is
  // encoded straight into text buffers filled one after the other.
  let lines: Uint8Array | undefined;
  let filled = 0;
  const flush = () => {
    if (lines && filled > 0) push(lines.subarray(0, filled));
    lines = undefined;
  };
  const room = (bytes: number): Uint8Array => {
    if (lines && filled + bytes > lines.length) flush();
    if (!lines) {
      let buffer = free.pop() ?? new ArrayBuffer(input.textBytes ?? BUFFER_BYTES);
      if (buffer.byteLength < bytes) {
        free.push(buffer);
        buffer = new ArrayBuffer(bytes);
      }
      lines = new Uint8Array(buffer);
      filled = 0;
    }
    return lines.subarray(filled);
  };
  const encode = (line: string) => {
    // Whole if it fits where the last line ended, else from a fresh buffer, else sized for it.
    for (const bytes of [line.length, line.length * 3]) {
      const { read, written } = encoder.encodeInto(line, room(bytes));
      if (read === line.length) {
        filled += written;
        return;
      }
      flush();
    }
  };
  const cut = () => {
    flush();
    if (text.length === 0) return;
    // Encoded here rather than on the main thread, into a buffer of its own, handed over whole.
    push(encoded(text));
    text = '';
  };
  let entries = 0;
  const write = ({ entry, row }: ReplayedEntry) => {
    entries += 1;
    if (row.needsUpcast) {
      cut();
      parts.push({ head: entryHead(entry), raw: row.raw });
      return;
    }
    const line = `${input.prefix}${withDetails(entryHead(entry), detailsJson(row))}${input.suffix}`;
    if (columns) encode(line);
    else {
      text += line;
      // Text leaves the heap every ~256 KiB, so a block of large events fits a small heap.
      if (text.length >= TEXT_CUT) cut();
    }
  };
  if (columns) {
    const naming = task.names ?? [];
    let next = 0;
    // The names given up to `position` (the row there included), as `replayEntries` learns them.
    const learnTo = (position: number) => {
      for (; next < naming.length && naming[next]![0] <= position; next++) {
        const [, kind, id, name] = naming[next]!;
        names.learnNaming({ kind, id, name });
      }
    };
    // Runs of rows SQLite describes; the rows it does not (`specials`, in order) described here.
    const writeRange = (after: number, to: number, specials: LogRow[], checked: boolean) => {
      let from = after;
      let s = 0;
      while (from < to) {
        const special = specials[s];
        if (special?.position === from + 1) {
          learnTo(special.position);
          // What replayEntries yields for it (a filter on action or target never comes here).
          write({ entry: describeEvent(special, names), row: special });
          from = special.position;
          s += 1;
          continue;
        }
        // A run sees the names as they stand at its start: it ends at the next naming event,
        // even one the filter leaves out (which is not written, but renames all the same).
        learnTo(from);
        let end = Math.min(to, from + stretch, (special?.position ?? Infinity) - 1);
        if (next < naming.length) end = Math.min(end, naming[next]![0]);
        const run = columns.lines(from, end);
        if (run.missing > 0) {
          // Rows no spec foresaw (a type without a schema here, an older version): the long way.
          if (checked) throw new Error(`replay: rows after ${from} up to ${end} not described`);
          writeRange(from, end, columns.undescribed(from, end), true);
        } else {
          if (run.text) encode(run.text);
          entries += run.entries;
          // About LINE_BYTES a statement, whatever the size of the events.
          const perRow = (run.text?.length ?? 0) / (end - from);
          stretch = Math.max(
            1,
            Math.min(MAX_STRETCH, Math.floor(LINE_BYTES / Math.max(perRow, 1))),
          );
        }
        from = end;
      }
    };
    writeRange(task.from - 1, task.to, columns.others(task.from - 1, task.to), false);
    learnTo(task.to);
    names.position = Math.max(names.position, task.to);
  } else
    for (const replayed of replayEntries(log, input.filter, task.from - 1, task.to, names))
      write(replayed);
  cut();
  port.postMessage({ seq: task.seq, parts, entries } satisfies ReplayWorkerBlock, moved);
});
