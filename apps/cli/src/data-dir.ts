import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SqliteEventStore } from '#libs/event-store';
import { loadSchemas, paths } from '../../gateway/src/composition';
import { CliError } from './output';

export function resolveDataDir(option: string | undefined): string {
  return resolve(option ?? process.env['NEKZUS_DATA_DIR'] ?? './data');
}

/** The event store of a data dir, read-only, safe next to a running gateway. */
export function openStoreReadOnly(dataDir: string): SqliteEventStore {
  const file = paths(dataDir).events;
  if (!existsSync(file))
    throw new CliError(
      `no event store at ${file}: start the gateway once, or point --data-dir (NEKZUS_DATA_DIR) at its data directory`,
    );
  return SqliteEventStore.open({ path: file, schemas: loadSchemas(), readonly: true });
}
