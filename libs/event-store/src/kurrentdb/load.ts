import type * as KurrentDbAdapter from './kurrentdb-event-store';

/**
 * The KurrentDB adapter, loaded on first use: its gRPC client is ~8 MB of heap and ~0.2 s to
 * load here, which a gateway or a CLI command on the embedded SQLite log should not pay.
 */
export function loadKurrentDb(): Promise<typeof KurrentDbAdapter> {
  return import('./kurrentdb-event-store.js');
}
