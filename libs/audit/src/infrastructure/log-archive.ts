import {
  createReadStream,
  renameSync,
  rmSync,
  writeSync,
  openSync,
  closeSync,
  fsyncSync,
} from 'node:fs';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
// From the module, not the event store's barrel, which brings the KurrentDB client.
import { GENESIS_HASH } from '../../../event-store/src/sqlite/sqlite-schema';
import { checkLink } from './chain';
import { EventLogFile } from './event-log-file';
import type { RawRow } from './log-row';

/**
 * The backup format: NDJSON, one header line, one line per event with every stored column
 * (data and metadata as JSON, exactly the text that was hashed) and its hashes, one trailer
 * line with the count and the head hash. A file cut short has no trailer and is refused.
 */
export const ARCHIVE_FORMAT = 'nekzus-event-log';

export interface ArchiveSummary {
  events: number;
  headPosition: number;
  headHash: string;
}

export class ArchiveError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}

/** One event as an archive line; the stored JSON text is copied in, not re-encoded. */
export function archiveLine(row: RawRow): string {
  const [position, id, stream, revision, type, schemaVersion, data, metadata, recordedAt] = row;
  return `{"position":${position},"id":${JSON.stringify(id)},"stream":${JSON.stringify(stream)},"revision":${revision},"type":${JSON.stringify(type)},"schemaVersion":${schemaVersion},"recordedAt":${JSON.stringify(recordedAt)},"metadata":${metadata},"data":${data},"prevHash":"${row[9]}","hash":"${row[10]}"}`;
}

/**
 * Writes the whole log (as it is when the export starts; a gateway may keep appending) to
 * `out`, checking every link on the way: a broken chain is not exported. The file appears
 * under its name only once complete.
 */
export function exportLog(
  eventsFile: string,
  out: string,
  onProgress?: (done: number, total: number) => void,
  now: () => Date = () => new Date(),
): ArchiveSummary {
  const log = EventLogFile.open(eventsFile);
  const partial = `${out}.partial`;
  const fd = openSync(partial, 'w', 0o600);
  try {
    const head = log.head();
    const total = head.position;
    let chunk = `${JSON.stringify({ format: ARCHIVE_FORMAT, version: 1, exportedAt: now().toISOString() })}\n`;
    const prev = { position: 0, hash: GENESIS_HASH };
    let events = 0;
    for (const row of log.rawRows(head.position)) {
      const broken = checkLink(row, prev);
      if (broken)
        throw new ArchiveError(
          `the chain is broken at position ${broken.position} (${broken.reason}); not exported`,
        );
      prev.position = row[0];
      prev.hash = row[10];
      events += 1;
      chunk += `${archiveLine(row)}\n`;
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
        onProgress?.(events, total);
      }
    }
    const summary = { events, headPosition: prev.position, headHash: prev.hash };
    chunk += `${JSON.stringify({ end: true, ...summary })}\n`;
    writeSync(fd, chunk);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(partial, out);
    onProgress?.(events, total);
    return summary;
  } catch (error) {
    closeSync(fd);
    rmSync(partial, { force: true });
    throw error;
  } finally {
    log.close();
  }
}

interface ArchivedEvent {
  position: number;
  id: string;
  stream: string;
  revision: number;
  type: string;
  schemaVersion: number;
  recordedAt: string;
  metadata: unknown;
  data: unknown;
  prevHash: string;
  hash: string;
}

const INSERT = `INSERT INTO events (position, id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * Reads an archive into `eventsFile`, which `createEmpty` has just made (the events table
 * with its triggers, nothing in it). Every line is checked against the chain before it is
 * written; everything is one transaction, so a refused archive leaves an empty log.
 */
export async function importLog(
  archive: string,
  eventsFile: string,
  onProgress?: (events: number) => void,
): Promise<ArchiveSummary> {
  const db = new Database(eventsFile, { fileMustExist: true });
  try {
    db.pragma('journal_mode = WAL');
    const existing = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
    if (existing > 0) throw new ArchiveError(`${eventsFile} already holds ${existing} events`);
    const insert = db.prepare(INSERT);
    const prev = { position: 0, hash: GENESIS_HASH };
    let events = 0;
    let lineNo = 0;
    let header = false;
    let trailer: ArchiveSummary | undefined;
    db.exec('BEGIN IMMEDIATE');
    const lines = createInterface({
      input: createReadStream(archive, { highWaterMark: 1 << 20 }),
      crlfDelay: Infinity,
    });
    for await (const line of lines) {
      lineNo += 1;
      if (line.trim() === '') continue;
      if (trailer) throw new ArchiveError('content after the end line', lineNo);
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new ArchiveError('not JSON', lineNo);
      }
      const record = value as Record<string, unknown>;
      if (!header) {
        if (record['format'] !== ARCHIVE_FORMAT || record['version'] !== 1)
          throw new ArchiveError(`not a ${ARCHIVE_FORMAT} version 1 export`, lineNo);
        header = true;
        continue;
      }
      if (record['end'] === true) {
        trailer = {
          events: Number(record['events']),
          headPosition: Number(record['headPosition']),
          headHash: String(record['headHash']),
        };
        continue;
      }
      const e = record as unknown as ArchivedEvent;
      const row: RawRow = [
        e.position,
        e.id,
        e.stream,
        e.revision,
        e.type,
        e.schemaVersion,
        JSON.stringify(e.data),
        JSON.stringify(e.metadata),
        e.recordedAt,
        e.prevHash,
        e.hash,
      ];
      const broken = checkLink(row, prev);
      if (broken)
        throw new ArchiveError(
          `the chain breaks at position ${broken.position}: ${broken.reason}`,
          lineNo,
        );
      insert.run(...row);
      prev.position = row[0];
      prev.hash = row[10];
      events += 1;
      if (events % 10_000 === 0) onProgress?.(events);
    }
    if (!header) throw new ArchiveError('the file is empty');
    if (!trailer)
      throw new ArchiveError(
        `the export is incomplete: no end line after ${events} events (cut short?)`,
      );
    if (
      trailer.events !== events ||
      trailer.headPosition !== prev.position ||
      trailer.headHash !== prev.hash
    )
      throw new ArchiveError(
        `the end line promises ${trailer.events} events up to ${trailer.headHash} at position ${trailer.headPosition}; the file holds ${events} up to ${prev.hash} at position ${prev.position}`,
      );
    db.exec('COMMIT');
    onProgress?.(events);
    return { events, headPosition: prev.position, headHash: prev.hash };
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  }
}
