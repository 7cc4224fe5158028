import { signal, type Signal } from '@angular/core';
import { messageOf } from '../api/client';

export interface Loader<T> {
  readonly value: Signal<T | undefined>;
  readonly loading: Signal<boolean>;
  /** The API's message when the last load failed. */
  readonly error: Signal<string | undefined>;
  /** Loads again; concurrent calls share one request, a late answer never overwrites a newer one. */
  reload(): Promise<void>;
  /** Replaces the value locally (after a change whose result is known). */
  set(value: T): void;
}

/** Loading, error and value of one read, as signals, for the loading/empty/error states. */
export function loader<T>(load: () => Promise<T>): Loader<T> {
  const value = signal<T | undefined>(undefined);
  const loading = signal(false);
  const error = signal<string | undefined>(undefined);
  let generation = 0;
  return {
    value: value.asReadonly(),
    loading: loading.asReadonly(),
    error: error.asReadonly(),
    set: (v) => value.set(v),
    async reload() {
      const mine = ++generation;
      loading.set(true);
      try {
        const result = await load();
        if (mine !== generation) return;
        value.set(result);
        error.set(undefined);
      } catch (e) {
        if (mine !== generation) return;
        error.set(messageOf(e));
      } finally {
        if (mine === generation) loading.set(false);
      }
    },
  };
}
