import { randomFillSync } from 'node:crypto';

/** Random bytes are drawn in blocks: one call per id costs ~8 µs, a share of a block almost nothing. */
const POOL = Buffer.alloc(16 * 256);
let offset = POOL.length;

/**
 * A version 7 UUID (RFC 9562): 48 bits of milliseconds, then randomness. Ids made in time order
 * land next to each other in the events file's unique id index instead of on a random page,
 * which keeps appends cheap as the log grows.
 */
export function uuidv7(now: number = Date.now()): string {
  if (offset === POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const b = Buffer.from(POOL.subarray(offset, offset + 16));
  offset += 16;
  b.writeUIntBE(now, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
