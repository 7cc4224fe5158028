import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json';

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

/** SHA-256 over the previous hash and the event's canonical form; any edit, insertion, deletion or reordering breaks the chain. */
export function chainHash(prevHash: string, row: ChainedRow): string {
  const canonical = canonicalJson({
    position: String(row.position),
    id: row.id,
    stream: row.stream,
    revision: String(row.revision),
    type: row.type,
    schemaVersion: row.schemaVersion,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recordedAt,
  });
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}
