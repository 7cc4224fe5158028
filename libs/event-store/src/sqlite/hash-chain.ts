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

/**
 * `chainHash`'s input, built by SQLite from a row of `events`: one string per row instead of
 * nine columns crossing into JavaScript and a template joining them there, which is most of
 * what reading a row costs a verifier.
 *
 * Each length prefix is the column's size in bytes (`octet_length`, which SQLite knows
 * without reading the text) where `chainHash` counts UTF-16 code units; the two agree for
 * ASCII text only. So this input equals `chainHash`'s only when `isExactChainInput` says so
 * (nearly every row); for any other row the caller must hash the row's columns with
 * `rowChainHash`.
 */
const CHAIN_COLUMNS = [
  'position',
  'id',
  'stream',
  'revision',
  'type',
  'schema_version',
  'recorded_at',
  'metadata',
  'data',
];
// One format() call writes the whole string once; the same input joined with `||` copies the
// growing string at every step and costs ~20 % more per row, and `length()`, which counts
// characters by reading the text, another ~15 %.
export const CHAIN_INPUT_SQL = `format('%s${'\n%d:%s'.repeat(CHAIN_COLUMNS.length)}', prev_hash, ${CHAIN_COLUMNS.map((c) => `octet_length(${c}), ${c}`).join(', ')})`;

/**
 * True when an input built by `CHAIN_INPUT_SQL` is the one `chainHash` builds for the same row:
 * it is ASCII, every character one byte in UTF-8 and one code unit in JavaScript.
 */
export function isExactChainInput(input: string): boolean {
  return Buffer.byteLength(input, 'utf8') === input.length;
}

/** Every column of `events`, in the order `StoredRowTuple` holds them. */
export const STORED_COLUMNS =
  'position, id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash';

/** A stored row as `SELECT ${STORED_COLUMNS}` returns it raw. */
export type StoredRowTuple = [
  position: number,
  id: string,
  stream: string,
  revision: number,
  type: string,
  schemaVersion: number,
  data: string,
  metadata: string,
  recordedAt: string,
  prevHash: string,
  hash: string,
];

/** `chainHash` of a row read raw in the stored column order (what the verifiers read). */
export function rowChainHash(prevHash: string, row: Readonly<StoredRowTuple>): string {
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
