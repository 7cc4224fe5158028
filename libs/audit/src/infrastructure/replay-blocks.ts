import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { builtWorker } from './built-worker';
import {
  actionOf,
  describeReadsData,
  describedByColumns,
  MemoryNameBook,
  namingOf,
} from '../domain/audit-entry';
import type { AuditFilter } from '../domain/audit-filter';
import { catchUpNames, detailsJson, entryLine, replayEntries, withDetails } from './audit-replay';
import type { ColumnLineSpec } from './column-lines';
import type { EventLogFile } from './event-log-file';
import { LogRow } from './log-row';
import type {
  Naming,
  ReplayWorkerBlock,
  ReplayWorkerInput,
  ReplayWorkerRecycle,
  ReplayWorkerTask,
} from './replay.worker';

/** Written entries, in log order, ready to go out as they are. */
export interface ReplayBlock {
  /** UTF-8 text, in pieces to write one after the other (not joined: that would copy it all). */
  chunks: Uint8Array[];
  entries: number;
  /** The log position the replay has reached with this block. */
  position: number;
  /**
   * Hands the chunks back to be written into again; call it once they are written out and
   * nothing refers to them any more (they are emptied). Optional: without it the text the
   * workers wrote stays on this thread until its next garbage collection, which with its small
   * heap comes only after some 64 MB of them.
   */
  release(): void;
}

export interface ReplayBlockOptions {
  /** Replay the events after this position (exclusive), up to `to` (inclusive). */
  after?: number;
  to: number;
  /** Names learnt so far; left at `to` afterwards, for a later call (`--follow`). */
  names?: MemoryNameBook;
  /** `ndjson`: each entry on a line of its own; `json`: each entry preceded by `,\n` (the items of an array). */
  style: 'ndjson' | 'json';
  /** Worker threads for a long replay (default: one per core, at most 8; 1: on this thread). */
  workers?: number;
  /** Replays over at least this many positions use workers (default 100,000). */
  parallelFrom?: number;
  /** Positions per block handed to a worker (default 2,000). */
  blockSize?: number;
  /** Bytes of the buffers a worker writes text into (default 512 KiB; text that does not fit gets a larger one). */
  textBytes?: number;
  /** false: workers describe every event themselves, SQLite writes no lines (to compare the two). */
  columns?: boolean;
}

const PARALLEL_FROM = 100_000;
const BLOCK_SIZE = 2_000;
/** Blocks written on this thread are cut at about this many characters. */
const TEXT_BLOCK = 1 << 16;
const nothingToRelease = () => undefined;

/**
 * `audit replay` as NDJSON or JSON text, block by block. A long replay is cut into stretches of
 * positions, written side by side by worker threads and handed out in log order, three blocks
 * per worker ahead of the reader at most, so memory stays bounded however long the log. A
 * worker has SQLite write the lines of the events described by their columns
 * (`columnLineSql`) and describes the others itself; without type lists, or with a filter on
 * action or target, it describes every event. The text is exactly what `entryLine` over
 * `replayEntries` gives, names of devices and keys included: each worker learns every naming
 * event up to each of its stretches (read here once and handed to it, when SQLite writes lines).
 */
export async function* replayBlocks(
  log: EventLogFile,
  filter: AuditFilter,
  options: ReplayBlockOptions,
): AsyncGenerator<ReplayBlock> {
  const after = options.after ?? 0;
  const names = options.names ?? new MemoryNameBook();
  const [prefix, suffix] = separators(options.style);
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), 8));
  const latest = newestVersions(log);
  const script =
    workers > 1 &&
    options.to - after >= (options.parallelFrom ?? PARALLEL_FROM) &&
    latest !== undefined
      ? builtWorker('replay.worker.js', options.workers !== undefined)
      : undefined;
  if (!script || !latest) {
    let text = '';
    let entries = 0;
    for (const replayed of replayEntries(log, filter, after, options.to, names)) {
      text += `${prefix}${entryLine(replayed)}${suffix}`;
      entries += 1;
      if (text.length >= TEXT_BLOCK) {
        yield {
          chunks: [Buffer.from(text)],
          entries,
          position: replayed.row.position,
          release: nothingToRelease,
        };
        text = '';
        entries = 0;
      }
    }
    yield { chunks: [Buffer.from(text)], entries, position: options.to, release: nothingToRelease };
    return;
  }
  const columns = columnLineSpec(log, filter, options.style, latest);
  const input: ReplayWorkerInput = {
    path: log.path,
    filter,
    latest,
    names: names.snapshot(),
    prefix,
    suffix,
    ...(options.textBytes ? { textBytes: options.textBytes } : {}),
    ...(columns && options.columns !== false ? { columns } : {}),
  };
  // A small heap per worker: its text leaves the heap in buffers of ~256 KiB, and an isolate
  // left to grow its heap before collecting would hold tens of MB of old text each.
  const pool = Array.from(
    { length: workers },
    () =>
      new Worker(script, {
        workerData: input,
        resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
      }),
  );
  const size = options.blockSize ?? BLOCK_SIZE;
  const blocks = Math.ceil((options.to - after) / size);
  const done = new Map<number, ReplayWorkerBlock>();
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const settle = () => {
    wake?.();
    wake = undefined;
  };
  for (const worker of pool) {
    worker.on('message', (block: ReplayWorkerBlock) => {
      done.set(block.seq, block);
      settle();
    });
    worker.on('error', (error) => {
      failure ??= error;
      settle();
    });
    worker.on('exit', (code) => {
      failure ??= new Error(`replay worker exited with code ${code}`);
      settle();
    });
  }
  let sent = 0;
  let finished = false;
  // With SQLite writing lines, names are read here, once, and handed to every worker: the
  // naming events since a worker's last stretch (its own and the others' in between).
  const unsent: Naming[][] = pool.map(() => []);
  const send = () => {
    const from = after + sent * size + 1;
    const to = Math.min(options.to, from + size - 1);
    const w = sent % workers;
    const task: ReplayWorkerTask = { seq: sent, from, to };
    if (columns) {
      for (const row of log.namingEvents(names.position, to)) {
        const naming = namingOf(row.type, row.data);
        if (!naming) continue;
        names.learnNaming(naming);
        const item: Naming = [row.position, naming.kind, naming.id, naming.name];
        for (const list of unsent) list.push(item);
      }
      names.position = Math.max(names.position, to);
      task.names = unsent[w]!;
      unsent[w] = [];
    }
    // Block n always goes to worker n mod W: each worker sees its stretches in log order.
    pool[w]!.postMessage(task);
    sent += 1;
  };
  try {
    // Two blocks queued behind the one each worker is on: enough to keep them busy while the
    // blocks come back out of order, little in memory.
    while (sent < Math.min(blocks, 3 * workers)) send();
    for (let seq = 0; seq < blocks; seq++) {
      while (!done.has(seq)) {
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const block = done.get(seq)!;
      done.delete(seq);
      if (sent < blocks) send();
      const parts = block.parts.map((part) =>
        part instanceof Uint8Array
          ? part
          : Buffer.from(
              `${prefix}${withDetails(part.head, detailsJson(new LogRow(part.raw, log.upcasting)))}${suffix}`,
            ),
      );
      const worker = pool[seq % workers]!;
      const written = block.parts.filter((part) => part instanceof Uint8Array);
      let released = false;
      yield {
        chunks: parts,
        entries: block.entries,
        position: Math.min(options.to, after + (seq + 1) * size),
        release: () => {
          if (released || finished) return;
          released = true;
          const buffers = written.map((part) => part.buffer as ArrayBuffer);
          // Moved back, not copied: this thread no longer holds them.
          worker.postMessage({ recycle: buffers } satisfies ReplayWorkerRecycle, buffers);
        },
      };
    }
    // Learn the names the workers learnt (unless learnt above), so a later call goes on from here.
    catchUpNames(log, names, options.to);
  } finally {
    finished = true;
    for (const worker of pool) {
      worker.removeAllListeners('exit');
      void worker.terminate();
    }
  }
}

/**
 * The newest schema version of every type that has older ones, which a worker cannot upcast;
 * undefined when a worker cannot take this log on: the upcasting does not list its types, or a
 * type whose description reads its data has older versions.
 */
function newestVersions(log: EventLogFile): Record<string, number> | undefined {
  const upcasting = log.upcasting;
  if (!upcasting) return {};
  if (!upcasting.types) return undefined;
  const latest: Record<string, number> = {};
  for (const type of upcasting.types()) {
    const version = upcasting.latestVersion(type) ?? 1;
    if (version <= 1) continue;
    if (describeReadsData(type)) return undefined;
    latest[type] = version;
  }
  return latest;
}

/**
 * What the workers need for SQLite to write the lines of the events it can describe: every type
 * the log's schemas know that `describedByColumns` admits, with its action. Undefined when the
 * types are not known, or when the filter asks for an action or a target (checked on the entry).
 */
export function columnLineSpec(
  log: EventLogFile,
  filter: AuditFilter,
  style: ReplayBlockOptions['style'],
  latest = newestVersions(log),
): ColumnLineSpec | undefined {
  const types = log.upcasting?.types?.();
  if (!types || !latest || filter.action !== undefined || filter.target !== undefined)
    return undefined;
  const [prefix, suffix] = separators(style);
  const actions: Record<string, string> = {};
  const others: string[] = [];
  for (const type of types)
    if (describedByColumns(type)) actions[type] = actionOf(type);
    else others.push(type);
  return { actions, latest, others, prefix, suffix };
}

/** What goes before and after each entry. */
function separators(style: ReplayBlockOptions['style']): [prefix: string, suffix: string] {
  return style === 'ndjson' ? ['', '\n'] : [',\n', ''];
}
