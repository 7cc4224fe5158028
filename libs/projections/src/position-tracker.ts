/** A position that only moves forward, with waiters for "at least N". */
export class PositionTracker {
  private current = 0n;
  private readonly waiters = new Set<{ target: bigint; resolve: (reached: boolean) => void }>();

  get position(): bigint {
    return this.current;
  }

  advance(position: bigint): void {
    if (position <= this.current) return;
    this.current = position;
    for (const waiter of [...this.waiters]) {
      if (waiter.target <= position) {
        this.waiters.delete(waiter);
        waiter.resolve(true);
      }
    }
  }

  /** Resolves true once the position reaches `target`, false after `timeoutMs`. */
  waitFor(target: bigint, timeoutMs: number): Promise<boolean> {
    if (this.current >= target) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        target,
        resolve: (reached: boolean) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.waiters.add(waiter);
    });
  }
}
