import { describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../sqlite/sqlite-schema';
import { linkEvents, streamLinkHash, verifyStreamChain, type StoredLink } from './stream-chain';

const event = (n: number) => ({
  id: `0190a0b0-0000-7000-8000-00000000000${n}`,
  type: 'ThingHappened',
  schemaVersion: 1,
  metadata: JSON.stringify({ correlationId: `c-${n}`, actor: { kind: 'system', id: 't' } }),
  data: JSON.stringify({ n }),
});

/** Events 0..count-1 of `stream` with their links, as the adapter would store them. */
function stored(stream: string, count: number): StoredLink[] {
  const events = Array.from({ length: count }, (_, i) => event(i));
  const links = linkEvents(stream, undefined, events);
  return events.map((e, i) => ({ ...e, stream, revision: BigInt(i), chain: links[i] }));
}

describe('per-stream chain links (KurrentDB metadata)', () => {
  it('links start at the genesis hash and each covers the one before it', () => {
    const links = linkEvents('route-a', undefined, [event(0), event(1)]);
    expect(links[0]!.prevHash).toBe(GENESIS_HASH);
    expect(links[0]!.hash).toBe(
      streamLinkHash(GENESIS_HASH, { ...event(0), stream: 'route-a', revision: 0n }),
    );
    expect(links[1]!.prevHash).toBe(links[0]!.hash);
    expect(links[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('an append after existing events continues from their head', () => {
    const first = linkEvents('route-a', undefined, [event(0), event(1)]);
    const whole = linkEvents('route-a', undefined, [event(0), event(1), event(2)]);
    const next = linkEvents('route-a', { revision: 1n, hash: first[1]!.hash }, [event(2)]);
    expect(next[0]).toEqual(whole[2]);
  });

  it('the link covers the stream and the revision: the same event elsewhere hashes differently', () => {
    const here = streamLinkHash(GENESIS_HASH, { ...event(0), stream: 'a', revision: 0n });
    expect(streamLinkHash(GENESIS_HASH, { ...event(0), stream: 'b', revision: 0n })).not.toBe(here);
    expect(streamLinkHash(GENESIS_HASH, { ...event(0), stream: 'a', revision: 1n })).not.toBe(here);
    // Length prefixes: moving a character between fields changes the hash.
    expect(
      streamLinkHash(GENESIS_HASH, { ...event(0), stream: 'ab', type: 'c', revision: 0n }),
    ).not.toBe(
      streamLinkHash(GENESIS_HASH, { ...event(0), stream: 'a', type: 'bc', revision: 0n }),
    );
  });

  it('verifies an untouched stream and names the first event that was edited, removed or moved', () => {
    expect(verifyStreamChain('s', stored('s', 4))).toMatchObject({ intact: true, events: 4 });

    const edited = stored('s', 4);
    edited[2] = { ...edited[2]!, data: JSON.stringify({ n: 99 }) };
    expect(verifyStreamChain('s', edited)).toMatchObject({
      intact: false,
      firstBadRevision: 2n,
      reason: 'its content does not match its hash',
      events: 2,
    });

    const removed = stored('s', 4).filter((e) => e.revision !== 1n);
    expect(verifyStreamChain('s', removed)).toMatchObject({
      intact: false,
      firstBadRevision: 1n,
      reason: expect.stringMatching(/revision 1 is missing/),
    });

    // Swapping two events' content while keeping revisions breaks the link after the first.
    const swapped = stored('s', 3);
    const [e1, e2] = [swapped[1]!, swapped[2]!];
    swapped[1] = { ...e2, revision: 1n };
    swapped[2] = { ...e1, revision: 2n };
    expect(verifyStreamChain('s', swapped)).toMatchObject({ intact: false, firstBadRevision: 1n });

    const unlinked = stored('s', 2);
    unlinked[1] = { ...unlinked[1]!, chain: undefined };
    expect(verifyStreamChain('s', unlinked)).toMatchObject({
      firstBadRevision: 1n,
      reason: 'it carries no chain link in its metadata',
    });
  });
});
