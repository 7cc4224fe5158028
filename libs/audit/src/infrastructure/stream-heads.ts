import { createHash } from 'node:crypto';
import type { RecordedEvent } from '#libs/event-store';
import type { InMemoryProjection } from '#libs/projections';

export interface StreamHead {
  stream: string;
  revision: bigint;
  /** The chain link (hash) of the stream's last event. */
  hash: string;
}

/**
 * One SHA-256 over every stream's head (name, last revision, last link), streams in code-unit
 * order: on a backend with per-stream chains (KurrentDB) this stands where the global head hash
 * stands on the SQLite file. Recorded outside the cluster, it shows later whether a stream was
 * deleted or cut short, which no per-stream chain can show by itself.
 */
export function streamHeadsDigest(heads: Iterable<StreamHead>): string {
  const sorted = [...heads].sort((a, b) =>
    a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0,
  );
  const hash = createHash('sha256');
  for (const head of sorted) hash.update(`${head.stream}\n${head.revision}\n${head.hash}\n`);
  return hash.digest('hex');
}

/**
 * Each stream's newest chain link, kept in memory from the log (an in-memory projection fed by
 * the runner's subscription), so the gateway can log the heads' digest at any time without
 * reading the whole of `$all`. `linkOf` reads the link an event carried (the adapter's own).
 */
export class StreamHeads implements InMemoryProjection {
  readonly name = 'stream-heads';
  private readonly heads = new Map<string, StreamHead>();
  private position = 0n;

  constructor(private readonly linkOf: (event: RecordedEvent) => string | undefined) {}

  apply(event: RecordedEvent): void {
    this.position = event.position;
    const hash = this.linkOf(event);
    // An event written without a link (not through this adapter) leaves no head to vouch for.
    if (hash === undefined) return;
    this.heads.set(event.stream, { stream: event.stream, revision: event.revision, hash });
  }

  /** The position of the last event applied, the number of streams and their digest. */
  snapshot(): { position: bigint; streams: number; digest: string } {
    return {
      position: this.position,
      streams: this.heads.size,
      digest: streamHeadsDigest(this.heads.values()),
    };
  }
}
