import type { TokenClaims } from '../infrastructure/jwt-tokens';

interface Entry {
  readonly claims: TokenClaims;
  /** Read since it was inserted or last given its second chance. */
  used: boolean;
}

/**
 * Tokens whose signature was already checked, keyed by the whole token string, bounded, with
 * second-chance eviction: a hit only sets a flag, and when the cache is full the oldest entry
 * that was not read since its last chance goes.
 *
 * A hit must not move its entry (delete, then set again). The map outlives every young
 * generation, and V8 allocates the new table of an old map that deleted entries made it rehash
 * in old space, so a re-insert on every proxied request filled the old generation with dead
 * tables and brought a major GC every few seconds under load; with thousands of tokens cached,
 * each hit paid for rehashing the whole table (docs/decisions/0020).
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The claims of a cached token that has not expired at `nowMs`; an expired one is dropped. */
  get(token: string, nowMs: number): TokenClaims | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.claims.exp * 1000 <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    entry.used = true;
    return entry.claims;
  }

  set(token: string, claims: TokenClaims): void {
    this.entries.delete(token);
    while (this.entries.size >= this.capacity) this.evictOne();
    this.entries.set(token, { claims, used: false });
  }

  /**
   * Walks from the oldest entry: one read since its last chance goes to the back with its flag
   * cleared, the first one that was not read is dropped. Ends within one lap, since a lap clears
   * every flag; each entry moved is paid for by a hit before it.
   */
  private evictOne(): void {
    for (const [token, entry] of this.entries) {
      this.entries.delete(token);
      if (!entry.used) return;
      entry.used = false;
      this.entries.set(token, entry);
    }
  }
}
