import { createHash } from 'node:crypto';
import { GENESIS_HASH } from '../sqlite/sqlite-schema';

/** The fields of one event that its per-stream chain link covers. */
export interface StreamLinkInput {
  stream: string;
  revision: bigint;
  id: string;
  type: string;
  schemaVersion: number;
  /** JSON text of the event's metadata as the port defines it (correlation, causation, actor, source). */
  metadata: string;
  /** JSON text of the event's data. */
  data: string;
}

/**
 * SHA-256 over the previous event's link in the same stream and every field of this event,
 * each length-prefixed (as the SQLite chain does). The global position is not covered: KurrentDB
 * assigns it at commit, after the link is computed, so a chain can only run through a stream.
 */
export function streamLinkHash(prevHash: string, event: StreamLinkInput): string {
  const hash = createHash('sha256');
  hash.update(prevHash);
  for (const field of [
    event.stream,
    String(event.revision),
    event.id,
    event.type,
    String(event.schemaVersion),
    event.metadata,
    event.data,
  ]) {
    hash.update(`\n${field.length}:`);
    hash.update(field);
  }
  return hash.digest('hex');
}

/** What each event carries in its KurrentDB metadata besides the port's own fields. */
export interface ChainMetadata {
  schemaVersion: number;
  prevHash: string;
  hash: string;
}

/** Links for events appended after `prev` (revision and hash of the stream's last event, or none). */
export function linkEvents(
  stream: string,
  prev: { revision: bigint; hash: string } | undefined,
  events: readonly Omit<StreamLinkInput, 'stream' | 'revision'>[],
): ChainMetadata[] {
  let revision = prev ? prev.revision : -1n;
  let prevHash = prev?.hash ?? GENESIS_HASH;
  return events.map((event) => {
    revision += 1n;
    const hash = streamLinkHash(prevHash, { ...event, stream, revision });
    const link = { schemaVersion: event.schemaVersion, prevHash, hash };
    prevHash = hash;
    return link;
  });
}

export interface StreamChainReport {
  stream: string;
  intact: boolean;
  events: number;
  headHash: string;
  /** Set when broken: the first revision that does not verify, and why. */
  firstBadRevision?: bigint;
  reason?: string;
}

/** A stored event as read back for verification, its data and metadata as stored. */
export interface StoredLink extends Omit<StreamLinkInput, 'schemaVersion'> {
  chain: Partial<ChainMetadata> | undefined;
}

/**
 * Recomputes the chain of one stream read in revision order: an edited event fails on its own
 * hash; a deleted, inserted or moved one on a revision gap or on the link of the event after
 * it. A stream truncated at its end (`$tb`) or deleted cannot be told apart from a shorter
 * one without a head recorded elsewhere.
 */
export function verifyStreamChain(stream: string, events: Iterable<StoredLink>): StreamChainReport {
  let prevHash = GENESIS_HASH;
  let expected = 0n;
  let checked = 0;
  const broken = (revision: bigint, reason: string): StreamChainReport => ({
    stream,
    intact: false,
    events: checked,
    headHash: prevHash,
    firstBadRevision: revision,
    reason,
  });
  for (const event of events) {
    if (event.revision !== expected)
      return broken(
        expected,
        event.revision > expected
          ? `revision ${expected} is missing (next stored revision is ${event.revision})`
          : `revision ${event.revision} is out of order`,
      );
    const chain = event.chain;
    if (!chain || typeof chain.hash !== 'string' || typeof chain.prevHash !== 'string')
      return broken(event.revision, 'it carries no chain link in its metadata');
    if (chain.prevHash !== prevHash)
      return broken(event.revision, 'its previous-hash link does not match the event before it');
    const recomputed = streamLinkHash(prevHash, {
      ...event,
      schemaVersion: Number(chain.schemaVersion),
    });
    if (recomputed !== chain.hash)
      return broken(event.revision, 'its content does not match its hash');
    prevHash = chain.hash;
    expected += 1n;
    checked += 1;
  }
  return { stream, intact: true, events: checked, headHash: prevHash };
}
