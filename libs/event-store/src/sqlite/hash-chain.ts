import { hash } from 'node:crypto';

export interface ChainedRow {
  position: number | bigint;
  id: string;
  stream: string;
  revision: number | bigint;
  type: string;
  schemaVersion: number;
  /** The stored JSON text of the event's data. */
  data: string;
  /** The stored JSON text of the event's metadata. */
  metadata: string;
  recordedAt: string;
}

/**
 * SHA-256 over the previous hash and every stored column of the event; any edit, insertion,
 * deletion or reordering breaks the chain. Each field is length-prefixed, so no two different
 * events share an input, and the stored JSON text is hashed as it is (no re-encoding, which
 * would cost more than the hash itself).
 *
 * The input is one string handed to one `crypto.hash` call: the same bytes as feeding the
 * pieces to a `Hash` one by one, for a fraction of the calls into native code.
 */
export function chainHash(prevHash: string, row: ChainedRow): string {
  const position = String(row.position);
  const revision = String(row.revision);
  const schemaVersion = String(row.schemaVersion);
  return hash(
    'sha256',
    `${prevHash}\n${position.length}:${position}\n${row.id.length}:${row.id}\n${row.stream.length}:${row.stream}\n${revision.length}:${revision}\n${row.type.length}:${row.type}\n${schemaVersion.length}:${schemaVersion}\n${row.recordedAt.length}:${row.recordedAt}\n${row.metadata.length}:${row.metadata}\n${row.data.length}:${row.data}`,
    'hex',
  );
}

/** A stored row as `SELECT position, id, stream, revision, type, schema_version, data, metadata, recorded_at, …` returns it raw. */
export type StoredRowTuple = readonly [
  position: number,
  id: string,
  stream: string,
  revision: number,
  type: string,
  schemaVersion: number,
  data: string,
  metadata: string,
  recordedAt: string,
  ...rest: unknown[],
];

/** `chainHash` of a row read raw in the stored column order (what the verifiers read). */
export function rowChainHash(prevHash: string, row: StoredRowTuple): string {
  const [position, id, stream, revision, type, schemaVersion, data, metadata, recordedAt] = row;
  return chainHash(prevHash, {
    position,
    id,
    stream,
    revision,
    type,
    schemaVersion,
    data,
    metadata,
    recordedAt,
  });
}
