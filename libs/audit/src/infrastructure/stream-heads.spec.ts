import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '#libs/event-store';
import { StreamHeads, streamHeadsDigest } from './stream-heads';

const event = (stream: string, revision: bigint, position: bigint, link?: string) =>
  ({ stream, revision, position, link }) as unknown as RecordedEvent;
const linkOf = (e: RecordedEvent) => (e as unknown as { link?: string }).link;

describe('stream heads (the head line on a per-stream chain backend)', () => {
  it("keeps each stream's last link and digests them in stream order, whatever the arrival order", () => {
    const heads = new StreamHeads(linkOf);
    heads.apply(event('route-a', 0n, 100n, 'a0'));
    heads.apply(event('app-b', 0n, 180n, 'b0'));
    heads.apply(event('route-a', 1n, 260n, 'a1'));
    heads.apply(event('$stats', 0n, 300n));
    const snapshot = heads.snapshot();
    expect(snapshot).toMatchObject({ position: 300n, streams: 2 });
    expect(snapshot.digest).toBe(
      streamHeadsDigest([
        { stream: 'route-a', revision: 1n, hash: 'a1' },
        { stream: 'app-b', revision: 0n, hash: 'b0' },
      ]),
    );
    expect(snapshot.digest).not.toBe(
      streamHeadsDigest([
        { stream: 'route-a', revision: 0n, hash: 'a0' },
        { stream: 'app-b', revision: 0n, hash: 'b0' },
      ]),
    );
  });
});
