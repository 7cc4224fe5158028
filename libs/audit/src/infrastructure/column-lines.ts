import { STREAM_TARGETS } from '../domain/audit-entry';

/**
 * What SQLite needs to write replay lines itself, for the events `describedByColumns` admits.
 * Plain data, handed to a replay worker.
 */
export interface ColumnLineSpec {
  /** The action of every type SQLite may describe (`actionOf`); rows of other types are left to JavaScript. */
  actions: Record<string, string>;
  /** The newest schema version of types that have older ones: an older row needs an upcast, so JavaScript. */
  latest: Record<string, number>;
  /** The other types the log's schemas know: rows of these are found by the type index and described in JavaScript. */
  others: string[];
  /** Written before and after every line (`''`/`'\n'` for NDJSON, `',\n'`/`''` for JSON items). */
  prefix: string;
  suffix: string;
}

/** STREAM_TARGETS as categories (the prefix without its dash), in SQLite's order. */
const CATEGORIES: [category: string, type: string][] = STREAM_TARGETS.map(
  ([prefix, type]): [string, string] => {
    const category = prefix.slice(0, -1);
    if (!prefix.endsWith('-') || category.length === 0 || category.includes('-'))
      throw new Error(`stream prefix ${prefix} is not <category>- (column-lines relies on it)`);
    return [category, type];
  },
).sort(([a], [b]) => utf8Order(a, b));

/** Sorts as SQLite compares text (the bytes of UTF-8). */
function utf8Order(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The table a replay worker mirrors its names into, keyed like `MemoryNameBook` (`device:<id>`). */
export const NAMES_TABLE = 'temp.audit_names';

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * `column`'s value in `sorted` (by key, ascending), as SQL: a tree of comparisons, so a row
 * makes some log2(n) of them instead of up to n in a flat `CASE`. NULL when none matches.
 */
function lookup(column: string, sorted: [key: string, value: string][]): string {
  if (sorted.length === 0) return 'NULL';
  if (sorted.length <= 4)
    return `CASE ${column} ${sorted.map(([k, v]) => `WHEN ${literal(k)} THEN ${v}`).join(' ')} END`;
  const half = sorted.length >> 1;
  return `CASE WHEN ${column} < ${literal(sorted[half]![0])} THEN ${lookup(column, sorted.slice(0, half))} ELSE ${lookup(column, sorted.slice(half))} END`;
}

/** `',"name":"…"'` when the name book knows this key, else NULL. */
function nameOf(key: string): string {
  return `(SELECT ',"name":' || json_quote(name) FROM ${NAMES_TABLE} WHERE key = ${key})`;
}

export interface ColumnLineSql {
  /** The select list of the inner query over `events`: the columns, metadata fields, target and action (`ak`, `ai`, `co`, `sip`, `ca`, `tt`, `ti`, `act`) that `line` reads. */
  columns: string;
  /** The line, over `columns`; meaningless for a row it does not describe (another type, or an older version), which is when `act` is NULL. */
  line: string;
  /** True for the rows the line describes, over the table's own columns. */
  described: string;
}

/**
 * The SQL for a replay line, exactly what `entryLine` writes for the same row (JSON text, keys
 * in `entryJson`'s order; `json_quote` escapes as `JSON.stringify` does) — for rows of the
 * spec's types at their newest version (for the others the action, `act`, is NULL). It mirrors `describeEvent` and `targetOf` for events
 * that read no data: actor from the metadata, target from the stream (`STREAM_TARGETS`, then
 * `<category>-<id>`), names of devices and keys from the mirrored name book, success as the
 * outcome, source address and causation id when not empty, and the stored data as the details.
 * `replay-blocks.medium.spec.ts` holds the two to each other, byte for byte.
 */
export function columnLineSql(spec: ColumnLineSpec): ColumnLineSql {
  // The action as JSON text; NULL for a type not in the spec or a row older than its type's newest version.
  const action = lookup(
    'type',
    // In SQLite's order (bytes of UTF-8), which the comparisons follow.
    Object.keys(spec.actions)
      .sort(utf8Order)
      .map((type) => {
        const text = literal(JSON.stringify(spec.actions[type]));
        const latest = spec.latest[type];
        return [
          type,
          latest === undefined
            ? text
            : `CASE WHEN schema_version < ${Math.trunc(latest)} THEN NULL ELSE ${text} END`,
        ];
      }),
  );
  // Every STREAM_TARGETS prefix is a category and its dash (checked below), so the target is
  // the category (named by the table when it is one of them) and what follows the first dash;
  // a stream without a dash after its first character is its own type and id (`targetOf`).
  const dash = `instr(stream, '-')`;
  const category = `substr(stream, 1, ${dash} - 1)`;
  const targetType = `CASE WHEN ${dash} > 1 THEN coalesce(${lookup(
    category,
    CATEGORIES.map(([name, type]) => [name, literal(type)]),
  )}, ${category}) ELSE stream END`;
  const targetId = `CASE WHEN ${dash} > 1 THEN substr(stream, ${dash} + 1) ELSE stream END`;
  // Text between the values, and the values: one format() call builds the line in one buffer,
  // where a chain of || would copy the growing line once per piece.
  const pieces: (string | { sql: string })[] = [
    { sql: literal(spec.prefix) },
    '{"position":',
    { sql: 'position' },
    ',"eventId":',
    { sql: 'json_quote(id)' },
    ',"time":',
    { sql: 'json_quote(recorded_at)' },
    ',"stream":',
    { sql: 'json_quote(stream)' },
    ',"eventType":',
    { sql: 'json_quote(type)' },
    ',"action":',
    { sql: 'act' },
    ',"actor":{"kind":',
    { sql: 'json_quote(ak)' },
    ',"id":',
    { sql: 'json_quote(ai)' },
    { sql: `CASE WHEN ak IN ('device', 'apikey') THEN ${nameOf(`ak || ':' || ai`)} END` },
    '},"target":{"type":',
    { sql: 'json_quote(tt)' },
    ',"id":',
    { sql: 'json_quote(ti)' },
    {
      sql: `CASE tt WHEN 'device' THEN ${nameOf(`'device:' || ti`)} WHEN 'api_key' THEN ${nameOf(`'apikey:' || ti`)} END`,
    },
    '},"outcome":"success","correlationId":',
    { sql: 'json_quote(co)' },
    { sql: `CASE WHEN sip <> '' THEN ',"sourceIp":' || json_quote(sip) END` },
    { sql: `CASE WHEN ca <> '' THEN ',"causationId":' || json_quote(ca) END` },
    ',"details":',
    { sql: 'data' },
    '}',
    { sql: literal(spec.suffix) },
  ];
  // format() writes NULL as nothing: the optional parts need no coalesce.
  const line = `format(${literal(
    pieces.map((p) => (typeof p === 'string' ? p.replaceAll('%', '%%') : '%s')).join(''),
  )}, ${pieces.flatMap((p) => (typeof p === 'string' ? [] : [p.sql])).join(', ')})`;
  const columns = [
    'position, id, recorded_at, stream, type, data',
    `metadata ->> '$.actor.kind' AS ak`,
    `metadata ->> '$.actor.id' AS ai`,
    `metadata ->> '$.correlationId' AS co`,
    `metadata ->> '$.sourceIp' AS sip`,
    `metadata ->> '$.causationId' AS ca`,
    `${targetType} AS tt`,
    `${targetId} AS ti`,
    `${action} AS act`,
  ].join(', ');
  return { columns, line, described: `(${action}) IS NOT NULL` };
}
