import { EventLogFile } from './event-log-file';

export interface HeadHash {
  headPosition: number;
  headHash: string;
}

/** The newest event's position and hash, read from the file (no chain walk: cheap at any size). */
export function readHeadHash(eventsFile: string): HeadHash {
  const log = EventLogFile.open(eventsFile);
  try {
    const head = log.head();
    return { headPosition: head.position, headHash: head.hash };
  } finally {
    log.close();
  }
}

/**
 * What the gateway logs at shutdown and every hour, so that a head hash recorded outside the
 * data dir always exists to compare with (`nekzus audit verify --expect-head HASH` catches a
 * truncated or rewritten log against it). Returns the log fields and the message, e.g.
 * `logger.info(line.fields, line.msg)`.
 */
export function headHashLine(eventsFile: string): { msg: string; fields: HeadHash } {
  const fields = readHeadHash(eventsFile);
  return {
    msg: `event log head: position ${fields.headPosition}, hash ${fields.headHash} (check later with: nekzus audit verify --expect-head ${fields.headHash})`,
    fields,
  };
}
