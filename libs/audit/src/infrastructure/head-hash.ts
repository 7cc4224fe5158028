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

export interface StreamHeadsFields {
  /** The commit position of the last event this replica has applied. */
  headPosition: number;
  streams: number;
  /** SHA-256 over every stream's head (`streamHeadsDigest`). */
  streamHeadsDigest: string;
}

/**
 * The same line on KurrentDB, which has no global chain and so no head hash: the last commit
 * position and the digest of every stream's head. `GET /api/v1/audit/verify` answers the digest
 * of the heads it walked as `headHash`; equal digests at one position mean no stream was
 * deleted or cut short in between.
 */
export function streamHeadsLine(heads: { position: bigint; streams: number; digest: string }): {
  msg: string;
  fields: StreamHeadsFields;
} {
  const fields = {
    headPosition: Number(heads.position),
    streams: heads.streams,
    streamHeadsDigest: heads.digest,
  };
  return {
    msg: `event log head (KurrentDB, per-stream chains): commit position ${fields.headPosition}, ${fields.streams} streams, stream heads digest ${fields.streamHeadsDigest} (compare later with headHash of GET /api/v1/audit/verify at the same position)`,
    fields,
  };
}
