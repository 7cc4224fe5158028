import { EventSchemaViolation } from './errors';
import type { NewEvent } from './event-store.port';
import type { SchemaRegistry } from './schema-registry';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The checks every adapter makes before anything is written: data and metadata against the
 * schema of the event's type and version, and a UUID id. Returns the schema version stored.
 */
export function validateNewEvent(schemas: SchemaRegistry, event: NewEvent): number {
  const version = event.schemaVersion ?? schemas.latestVersion(event.type) ?? 1;
  schemas.validate(event.type, version, event.data, event.metadata);
  if (typeof event.id !== 'string' || !UUID.test(event.id))
    throw new EventSchemaViolation(event.type, version, [
      `id: "${String(event.id)}" is not a UUID`,
    ]);
  return version;
}
