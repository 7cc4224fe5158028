import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SqliteEventStore } from '#libs/event-store';
import { loadSchemas, paths } from '../../gateway/src/composition';
import { CliError } from './output';

export function resolveDataDir(option: string | undefined): string {
  return resolve(option ?? process.env['NEKZUS_DATA_DIR'] ?? './data');
}

/** The events file of a data dir; a clear error when there is none. */
export function existingEventsFile(dataDir: string): string {
  const file = paths(dataDir).events;
  if (!existsSync(file))
    throw new CliError(
      `no event store at ${file}: start the gateway once, or point --data-dir (NEKZUS_DATA_DIR) at its data directory`,
    );
  return file;
}

/** The event store of a data dir, read-only, safe next to a running gateway. */
export function openStoreReadOnly(dataDir: string): SqliteEventStore {
  return SqliteEventStore.open({
    path: existingEventsFile(dataDir),
    schemas: loadSchemas(),
    readonly: true,
  });
}
