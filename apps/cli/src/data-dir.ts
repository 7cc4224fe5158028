import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SqliteEventStore } from '../../../libs/event-store/src/sqlite/sqlite-event-store';
import { paths } from '../../gateway/src/data-paths';
import { CliError } from './output';

export function resolveDataDir(option: string | undefined): string {
  return resolve(option ?? process.env['NEKZUS_DATA_DIR'] ?? './data');
}

/**
 * The files the gateway uses for this data dir: NEKZUS_EVENTS_PATH and NEKZUS_READ_MODELS_PATH
 * (storage.events_path / read_models_path) move them, as they do for the gateway's replicas.
 */
export function dataDirFiles(dataDir: string): { events: string; readModels: string } {
  const events = process.env['NEKZUS_EVENTS_PATH'];
  const readModels = process.env['NEKZUS_READ_MODELS_PATH'];
  return paths(dataDir, {
    ...(events ? { eventsPath: resolve(dataDir, events) } : {}),
    ...(readModels ? { readModelsPath: resolve(dataDir, readModels) } : {}),
  });
}

/** The events file of a data dir; a clear error when there is none. */
export function existingEventsFile(dataDir: string): string {
  const file = dataDirFiles(dataDir).events;
  if (!existsSync(file))
    throw new CliError(
      `no event store at ${file}: start the gateway once, or point --data-dir (NEKZUS_DATA_DIR) at its data directory`,
    );
  return file;
}

/** The event store of a data dir, read-only, safe next to a running gateway. */
export async function openStoreReadOnly(dataDir: string): Promise<SqliteEventStore> {
  const path = existingEventsFile(dataDir);
  const { SqliteEventStore, loadSchemas } = await import('./log-tools.js');
  return SqliteEventStore.open({ path, schemas: loadSchemas(), readonly: true });
}
