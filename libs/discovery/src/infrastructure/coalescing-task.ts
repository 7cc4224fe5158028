/**
 * Runs `task` shortly after it is requested: requests within `delayMs` fold into one run,
 * runs never overlap, and requests during a run fold into exactly one more. What every
 * discovery source needs between "something changed" and "report a snapshot".
 */
export class CoalescingTask {
  private timer: NodeJS.Timeout | undefined;
  private queued = false;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly delayMs: number,
  ) {}

  request(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.queued) return;
      this.queued = true;
      this.chain = this.chain.then(async () => {
        this.queued = false;
        await this.task();
      });
    }, this.delayMs);
  }

  /** Resolves after the runs requested so far have finished. */
  settled(): Promise<void> {
    return this.chain;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
