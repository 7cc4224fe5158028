import { join } from 'node:path';

/**
 * The files of a data dir; storage.events_path / read_models_path move them elsewhere (replicas).
 * A module of its own so that the CLI can find them without loading the composition.
 */
export const paths = (
  dataDir: string,
  files: { eventsPath?: string; readModelsPath?: string } = {},
) => ({
  events: files.eventsPath ?? join(dataDir, 'events.db'),
  readModels: files.readModelsPath ?? join(dataDir, 'read-models.db'),
});
