import { createHash } from 'node:crypto';

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
 */
export function chainHash(prevHash: string, row: ChainedRow): string {
  const hash = createHash('sha256');
  hash.update(prevHash);
  for (const field of [
    String(row.position),
    row.id,
    row.stream,
    String(row.revision),
    row.type,
    String(row.schemaVersion),
    row.recordedAt,
    row.metadata,
    row.data,
  ]) {
    hash.update(`\n${field.length}:`);
    hash.update(field);
  }
  return hash.digest('hex');
}
