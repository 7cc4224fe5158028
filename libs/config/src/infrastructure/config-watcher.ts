import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { formatIssue } from '../config-issue';
import { loadEffectiveConfig, type ConfigFlags } from '../load-config';
import type { ApplyOutcome, ConfigApplier } from '../application/config-applier';
import type { LiveConfig } from '../application/live-config';

/**
 * Re-reads the config file when it changes (debounced; the directory is watched so editors
 * that save by renaming a temp file over it are seen) and on SIGHUP, then applies the
 * difference. A file that fails validation leaves the running config in place.
 */
export class ConfigWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly onHup = () => void this.reload('SIGHUP');

  constructor(
    private readonly path: string,
    private readonly applier: ConfigApplier,
    private readonly live: LiveConfig,
    private readonly inputs: {
      flags: ConfigFlags;
      env: Readonly<Record<string, string | undefined>>;
    },
    private readonly onReload: (outcome: ApplyOutcome, trigger: string) => void = () => undefined,
    private readonly debounceMs = 250,
  ) {}

  start(): void {
    const name = basename(this.path);
    this.watcher = watch(dirname(this.path), (_event, file) => {
      if (file !== null && file !== name) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.reload('file change'), this.debounceMs);
    });
    this.watcher.on('error', () => undefined);
    process.on('SIGHUP', this.onHup);
  }

  /** Reads, validates and applies the file now; serialised with any reload in flight. */
  reload(trigger: string): Promise<ApplyOutcome> {
    const next = this.chain.then(async () => {
      const result = loadEffectiveConfig({
        flags: { ...this.inputs.flags, config: this.path },
        env: this.inputs.env,
      });
      const outcome = result.config
        ? await this.applier.apply(result.config, this.path, this.live.current)
        : await this.applier.reject(this.path, result.errors.map(formatIssue));
      if (result.config && outcome.status !== 'rejected') this.live.replace(result.config);
      this.onReload(outcome, trigger);
      return outcome;
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.watcher?.close();
    process.off('SIGHUP', this.onHup);
  }
}
