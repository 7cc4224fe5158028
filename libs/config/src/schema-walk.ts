import { isMapping } from './config-issue';

/** The parts of a config-schema node that the walkers read. */
export interface SchemaNode {
  readonly type?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly items?: SchemaNode;
  readonly additionalProperties?: boolean | SchemaNode;
  readonly 'x-env'?: string;
  readonly 'x-restart'?: boolean;
  readonly 'x-secret'?: boolean;
}

/** A key without sub-keys of its own, as listed in the reference page. */
export interface SchemaLeaf {
  /** `server.addr`, `routes[].path_base`, `health_checks.per_service.<name>.path`. */
  readonly path: string;
  /** Plain key names when the leaf is reachable without list indexes or user-chosen names. */
  readonly keys: readonly string[] | undefined;
  readonly schema: SchemaNode;
  /** Required inside its parent object (routes and apps entries). */
  readonly required: boolean;
  /** The key or one of its parents is marked `x-restart`. */
  readonly restart: boolean;
}

function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

/** Every leaf key of the schema, in schema order. */
export function schemaLeaves(schema: SchemaNode): SchemaLeaf[] {
  const out: SchemaLeaf[] = [];
  const visit = (
    node: SchemaNode,
    path: string,
    keys: string[] | undefined,
    restart: boolean,
    required: boolean,
  ): void => {
    const needsRestart = restart || node['x-restart'] === true;
    if (node.properties !== undefined) {
      for (const [key, child] of Object.entries(node.properties))
        visit(
          child,
          join(path, key),
          keys === undefined ? undefined : [...keys, key],
          needsRestart,
          node.required?.includes(key) ?? false,
        );
      return;
    }
    if (node.type === 'array' && node.items?.properties !== undefined) {
      visit(node.items, `${path}[]`, undefined, needsRestart, false);
      return;
    }
    if (
      isMapping(node.additionalProperties) &&
      node.additionalProperties.properties !== undefined
    ) {
      visit(node.additionalProperties, `${path}.<name>`, undefined, needsRestart, false);
      return;
    }
    out.push({ path, keys, schema: node, required, restart: needsRestart });
  };
  visit(schema, '', [], false, false);
  return out;
}
