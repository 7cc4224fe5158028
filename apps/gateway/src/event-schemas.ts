import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
// Straight from the two modules, not the libraries' barrels, which bring the gateway's NestJS
// modules and the KurrentDB client (~80 MB of a process that only reads the log).
import { SchemaRegistry } from '../../../libs/event-store/src/schema-registry';
import { ROUTING_UPCASTERS } from '../../../libs/routing/src/domain/route';

/**
 * The event schemas and their upcasters, apart from the rest of the composition so that tools
 * which only read the log (`nekzus audit`, the benchmarks) do not load the whole gateway.
 */
export function findEventSchemasDir(from = __dirname): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'event-schemas');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new Error(`event-schemas/ not found above ${from}`);
  }
}

/** Every event schema, with the upcasters that read older versions as the newest. */
export function loadSchemas(): SchemaRegistry {
  const registry = SchemaRegistry.fromDirectory(findEventSchemasDir());
  for (const step of ROUTING_UPCASTERS)
    registry.registerUpcaster(step.type, step.fromVersion, step.upcast);
  return registry;
}
