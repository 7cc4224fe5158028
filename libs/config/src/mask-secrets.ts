import { configSchema, type NekzusConfig } from './config.schema';
import { isMapping } from './config-issue';
import { type SchemaNode } from './schema-walk';

export const MASK = '***';

/** Keys whose name says they hold a credential, whether or not the schema marks them. */
const SECRET_NAME = /secret|password|token/i;

function mask(value: unknown): unknown {
  if (typeof value === 'string') return value === '' ? value : MASK;
  if (Array.isArray(value)) return value.map(mask);
  if (isMapping(value)) return Object.fromEntries(Object.keys(value).map((k) => [k, MASK]));
  return value;
}

function walk(value: unknown, schema: SchemaNode | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => walk(item, schema?.items));
  if (!isMapping(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childSchema =
      schema?.properties?.[key] ??
      (isMapping(schema?.additionalProperties) ? schema.additionalProperties : undefined);
    out[key] =
      childSchema?.['x-secret'] === true || SECRET_NAME.test(key)
        ? mask(child)
        : walk(child, childSchema);
  }
  return out;
}

/**
 * A copy of the config fit for printing: secrets (schema keys marked `x-secret`, and any key
 * named like a password, token or secret) become `"***"`; empty values stay empty so the
 * reader can still see that nothing is set.
 */
export function maskSecrets(config: NekzusConfig): NekzusConfig {
  return walk(config, configSchema) as NekzusConfig;
}
