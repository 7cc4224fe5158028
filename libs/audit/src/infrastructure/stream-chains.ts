import type { EventStoreCapabilities, StreamChainReport } from '#libs/event-store';
import { streamHeadsDigest, type StreamHead } from './stream-heads';

/** A backend whose events carry per-stream chain links (KurrentDB): each stream verifies alone. */
export interface StreamChainSource {
  readonly capabilities: EventStoreCapabilities;
  streams(): AsyncIterable<string>;
  verifyStream(stream: string): Promise<StreamChainReport>;
}

export interface StreamChainsStatus {
  intact: boolean;
  /** What this backend lets `verify` prove: every stream's own chain, not one through the log. */
  chain: 'per-stream';
  streams: number;
  events: number;
  /**
   * SHA-256 over every stream's head (name, last revision, last link), as the gateway logs it
   * (`streamHeadsDigest`): equal to a digest logged earlier when nothing was appended since.
   */
  headsDigest: string;
  /** The streams that do not verify, each with its first bad revision and why. */
  broken: { stream: string; revision: string; reason: string }[];
  /** What a per-stream chain cannot show, said every time so nobody reads more into "intact". */
  limits: string;
}

/**
 * Verifies every stream's chain. A per-stream chain catches an edited, removed, inserted or
 * reordered event inside a stream; it cannot catch a whole stream deleted, or events cut from a
 * stream's end, and it says nothing about the order of `$all` (which KurrentDB keeps itself).
 */
export async function verifyStreamChains(
  source: StreamChainSource,
  onProgress?: (streams: number) => void,
): Promise<StreamChainsStatus> {
  if (source.capabilities.hashChain !== 'per-stream')
    throw new Error('this backend keeps one chain through the log: verify its file instead');
  let streams = 0;
  let events = 0;
  const broken: StreamChainsStatus['broken'] = [];
  const heads: StreamHead[] = [];
  for await (const stream of source.streams()) {
    const report = await source.verifyStream(stream);
    streams += 1;
    events += report.events;
    if (report.events > 0)
      heads.push({ stream, revision: BigInt(report.events - 1), hash: report.headHash });
    if (!report.intact)
      broken.push({
        stream,
        revision: String(report.firstBadRevision),
        reason: report.reason ?? 'does not verify',
      });
    if (streams % 100 === 0) onProgress?.(streams);
  }
  return {
    intact: broken.length === 0,
    chain: 'per-stream',
    streams,
    events,
    headsDigest: streamHeadsDigest(heads),
    broken,
    limits:
      'per-stream chains (KurrentDB): a deleted stream or events cut from the end of a stream are not detected, and the order of $all is not covered',
  };
}
