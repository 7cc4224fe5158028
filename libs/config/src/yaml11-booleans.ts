import { isMapping } from './config-issue';
import type { SchemaNode } from './schema-walk';

/**
 * Nekzus reads its file with go-yaml v3, which takes YAML 1.1 booleans (`yes`, `off`, …) for
 * boolean keys. So that an existing Nekzus file keeps working, they are read as booleans
 * where the schema wants one (and nowhere else), each with a warning.
 */
const YAML11: Readonly<Record<string, boolean>> = {
  yes: true,
  Yes: true,
  YES: true,
  on: true,
  On: true,
  ON: true,
  no: false,
  No: false,
  NO: false,
  off: false,
  Off: false,
  OFF: false,
};

export interface Coerced {
  segments: (string | number)[];
  from: string;
  to: boolean;
}

export function coerceYaml11Booleans(
  value: unknown,
  schema: SchemaNode,
  segments: (string | number)[] = [],
  out: Coerced[] = [],
): Coerced[] {
  if (!isMapping(value) && !Array.isArray(value)) return out;
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => visit(value, i, item, schema.items!, [...segments, i], out));
  } else if (isMapping(value)) {
    for (const [key, item] of Object.entries(value)) {
      const child =
        schema.properties?.[key] ??
        (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (child) visit(value, key, item, child, [...segments, key], out);
    }
  }
  return out;
}

function visit(
  parent: Record<string, unknown> | unknown[],
  key: string | number,
  item: unknown,
  schema: SchemaNode,
  segments: (string | number)[],
  out: Coerced[],
): void {
  if (schema.type === 'boolean' && typeof item === 'string' && item in YAML11) {
    const to = YAML11[item]!;
    (parent as Record<string | number, unknown>)[key] = to;
    out.push({ segments, from: item, to });
    return;
  }
  coerceYaml11Booleans(item, schema, segments, out);
}
