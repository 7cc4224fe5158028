interface Slot<V> {
  value: V;
  /** Read or written since it was inserted or last given its second chance. */
  used: boolean;
}

/**
 * A bounded map for caches read on hot paths, with second-chance eviction (the CLOCK
 * approximation of least-recently-used): a read only sets a flag, and when the map is full
 * the oldest entry not used since its last chance goes.
 *
 * A read must not move its entry (delete, then set again), as a plain `Map` kept in LRU order
 * does. A cache outlives every young generation, and V8 puts the new table of an old map that
 * deleted entries made it rehash in old space: a re-insert per request filled the old
 * generation with dead tables, a major GC every few seconds under load, and with thousands of
 * entries each read paid for rehashing all of them (docs/decisions/0020). Here only inserting
 * a new key can rehash.
 */
export class SecondChanceMap<K, V> {
  private readonly slots = new Map<K, Slot<V>>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`a SecondChanceMap holds at least one entry, not ${capacity}`);
  }

  get size(): number {
    return this.slots.size;
  }

  get(key: K): V | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    slot.used = true;
    return slot.value;
  }

  /** Replaces a present key's value in place; a new key may first evict one entry. */
  set(key: K, value: V): void {
    const slot = this.slots.get(key);
    if (slot !== undefined) {
      slot.value = value;
      slot.used = true;
      return;
    }
    while (this.slots.size >= this.capacity) this.evictOne();
    this.slots.set(key, { value, used: false });
  }

  delete(key: K): boolean {
    return this.slots.delete(key);
  }

  /**
   * Walks from the oldest entry: one used since its last chance goes to the back with its flag
   * cleared, and the first one unused is dropped. Ends within one lap, since a lap clears every
   * flag; each entry moved was paid for by a use before it.
   */
  private evictOne(): void {
    for (const [key, slot] of this.slots) {
      this.slots.delete(key);
      if (!slot.used) return;
      slot.used = false;
      this.slots.set(key, slot);
    }
  }
}
