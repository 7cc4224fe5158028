/**
 * Wakes subscribers when the global log grows. Appends made through this process notify it
 * directly; appends by other processes sharing the file (the CLI, a second replica) are
 * noticed by polling the head while anyone is waiting.
 */
export class HeadWatcher {
  private head = 0;
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly readHead: () => number,
    private readonly pollMs: number,
  ) {
    this.head = readHead();
  }

  get known(): number {
    return this.head;
  }

  notify(position: number): void {
    if (position <= this.head) return;
    this.head = position;
    this.wakeAll();
  }

  /** Resolves once the head is beyond `position`, or when `cancel` is called. */
  waitBeyond(position: number): { promise: Promise<void>; cancel: () => void } {
    if (this.head > position) return { promise: Promise.resolve(), cancel: () => undefined };
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => {
      wake = () => {
        this.waiters.delete(wake);
        this.stopPollingIfIdle();
        resolve();
      };
    });
    this.waiters.add(wake);
    this.startPolling();
    return { promise, cancel: wake };
  }

  close(): void {
    this.wakeAll();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private startPolling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.notify(this.readHead());
      } catch {
        // The file may be closing; the next tick or close() ends the wait.
      }
    }, this.pollMs);
    // Not unref'd: a subscriber waiting for events is a reason to keep the process alive (`events tail -f`).
  }

  private stopPollingIfIdle(): void {
    if (this.waiters.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
