import type { NekzusConfig } from '../config.schema';

type Listener = (next: NekzusConfig, previous: NekzusConfig) => void;

/**
 * The running config, read through one object: parts that can change without a restart
 * (bootstrap tokens, trust, rate limits) read `current` or subscribe to changes; the
 * config watcher replaces it after a reload validated and applied.
 */
export class LiveConfig {
  private value: NekzusConfig;
  private readonly listeners = new Set<Listener>();

  constructor(initial: NekzusConfig) {
    this.value = initial;
  }

  get current(): NekzusConfig {
    return this.value;
  }

  replace(next: NekzusConfig): void {
    const previous = this.value;
    this.value = next;
    for (const listener of this.listeners) listener(next, previous);
  }

  /** Calls `listener` on every later change; returns the unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
