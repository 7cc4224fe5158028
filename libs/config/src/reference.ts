import { configSchema, FORMAT_DESCRIPTIONS } from './config.schema';
import { schemaLeaves, type SchemaLeaf, type SchemaNode } from './schema-walk';

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function code(value: unknown): string {
  return `\`${JSON.stringify(value)}\``;
}

function typeOf(node: SchemaNode): string {
  if (node.enum !== undefined) return `one of ${node.enum.map(code).join(', ')}`;
  if (node.type === 'array')
    return `list of ${node.items === undefined ? 'values' : typeOf(node.items)}`;
  if (node.type === 'object' && typeof node.additionalProperties === 'object')
    return `mapping of name → ${typeOf(node.additionalProperties)}`;
  const bounds = [
    node.minimum === undefined ? undefined : `≥ ${node.minimum}`,
    node.maximum === undefined ? undefined : `≤ ${node.maximum}`,
    node.minLength === undefined ? undefined : `at least ${node.minLength} characters`,
  ].filter((b) => b !== undefined);
  const base =
    node.format === undefined
      ? (node.type ?? 'any')
      : (FORMAT_DESCRIPTIONS[node.format] ?? node.format);
  return bounds.length === 0 ? base : `${base} (${bounds.join(', ')})`;
}

function row(leaf: SchemaLeaf): string {
  const env = leaf.schema['x-env'];
  const cells = [
    `\`${leaf.path}\``,
    typeOf(leaf.schema),
    leaf.schema.default === undefined
      ? leaf.required
        ? 'required'
        : '—'
      : code(leaf.schema.default),
    env === undefined ? '—' : `\`${env}\`, \`${env}_FILE\``,
    leaf.restart ? 'restart' : 'live',
    // Descriptions are prose; keep placeholders like <name> visible instead of read as HTML.
    (leaf.schema.description ?? '').replaceAll('<', '&lt;').replaceAll('>', '&gt;'),
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

/**
 * The Markdown reference of every config key, generated from the schema: path, type, default,
 * environment variable, whether a change needs a restart, and what the key does.
 */
export function renderConfigReference(schema: SchemaNode = configSchema): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from libs/config/src/config.schema.ts; do not edit by hand. -->',
    '',
    'Values are taken from, in increasing priority: the defaults below, the config file, the',
    'environment variables (each may also be given as `<NAME>_FILE`, the path of a file holding',
    'the value), and the command-line flags of `nekzus serve` (`--addr`, `--data-dir`).',
    'Keys marked "restart" keep their running value until the gateway restarts; "live" keys',
    'apply when the file is reloaded. Unknown keys are reported as warnings.',
  ];
  const leaves = schemaLeaves(schema);
  const sections = new Map<string, SchemaLeaf[]>();
  for (const leaf of leaves) {
    const top = /^[^.[]+/.exec(leaf.path)?.[0] ?? leaf.path;
    sections.set(top, [...(sections.get(top) ?? []), leaf]);
  }
  for (const [name, sectionLeaves] of sections) {
    const description = schema.properties?.[name]?.description;
    lines.push('', `## \`${name}\``, '');
    if (description !== undefined) lines.push(description, '');
    lines.push(
      '| Key | Type | Default | Environment | Change | Description |',
      '|---|---|---|---|---|---|',
      ...sectionLeaves.map(row),
    );
  }
  return `${lines.join('\n')}\n`;
}
