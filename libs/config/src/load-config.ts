import { coerceYaml11Booleans } from './yaml11-booleans';
import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import { configSchema, type NekzusConfig } from './config.schema';
import {
  describeFound,
  describeSchemaErrors,
  byPosition,
  formatIssue,
  formatPath,
  isMapping,
  pathSegments,
  suggestKey,
  type ConfigIssue,
  type PathSegment,
} from './config-issue';
import { checkConfigRules, type RuleContext } from './config-rules';
import { validateAgainstSchema } from './config-validator';
import { schemaLeaves, type SchemaNode } from './schema-walk';

/** What loading produced: the config (only when there is no error), and every issue found. */
export interface ConfigResult {
  readonly config: NekzusConfig | undefined;
  readonly warnings: readonly ConfigIssue[];
  readonly errors: readonly ConfigIssue[];
}

/** Command-line flags that override the config. */
export interface ConfigFlags {
  /** Path of the config file (read by `loadEffectiveConfig`). */
  readonly config?: string;
  readonly addr?: string;
  readonly data_dir?: string;
  /** Serve plain HTTP whatever the TLS keys say (Nekzus `-insecure-http`). */
  readonly insecure_http?: boolean;
}

/** Reads a file as text; injected so tests and callers decide where secrets come from. */
export type ReadTextFile = (path: string) => string;

/** Nekzus's default config location. */
export const DEFAULT_CONFIG_PATH = 'configs/config.example.yaml';

const readUtf8: ReadTextFile = (path) => readFileSync(path, 'utf8');

interface FileOrigin {
  readonly name: string;
  readonly doc: Document;
  readonly lineCounter: LineCounter;
}

/** Where each value of a loaded config came from, kept beside the config without changing it. */
interface Origin {
  readonly file: FileOrigin | undefined;
  /** Formatted key path → environment variable or flag that set it. */
  readonly overrides: ReadonlyMap<string, string>;
}

const origins = new WeakMap<object, Origin>();

function originOf(config: NekzusConfig): Origin {
  return origins.get(config) ?? { file: undefined, overrides: new Map() };
}

interface Location {
  readonly source: string;
  readonly line?: number;
  readonly column?: number;
}

function position(file: FileOrigin, offset: number): Location {
  const { line, col } = file.lineCounter.linePos(offset);
  return { source: `${file.name}:${line}:${col}`, line, column: col };
}

function offsetOf(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: readonly number[] | null }).range;
  return range?.[0];
}

/** Offset of a key's name in the document, if it is written there. */
function keyOffset(doc: Document, segments: readonly PathSegment[]): number | undefined {
  const parent = segments.length === 1 ? doc.contents : doc.getIn(segments.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const name = segments[segments.length - 1];
  const pair = parent.items.find(
    (item) => isScalar(item.key) && String(item.key.value) === String(name),
  );
  return offsetOf(pair?.key);
}

/** Offset of the value at `segments`, or of its nearest ancestor written in the document. */
function valueOffset(doc: Document, segments: readonly PathSegment[]): number | undefined {
  for (let length = segments.length; length > 0; length--) {
    const offset = offsetOf(doc.getIn(segments.slice(0, length), true));
    if (offset !== undefined) return offset;
  }
  return offsetOf(doc.contents);
}

function locate(origin: Origin, segments: readonly PathSegment[], at: 'key' | 'value'): Location {
  for (let length = segments.length; length > 0; length--) {
    const label = origin.overrides.get(formatPath(segments.slice(0, length)));
    if (label !== undefined) return { source: label };
  }
  if (origin.file === undefined) return { source: 'defaults' };
  const offset =
    (at === 'key' ? keyOffset(origin.file.doc, segments) : undefined) ??
    valueOffset(origin.file.doc, segments);
  return offset === undefined ? { source: origin.file.name } : position(origin.file, offset);
}

/**
 * Validates `data` in place (filling defaults when asked), then checks the cross-key rules.
 * Unknown keys become warnings and are removed so the result holds only known keys.
 */
function validate(
  data: Record<string, unknown>,
  origin: Origin,
  fillDefaults: boolean,
  context: RuleContext,
) {
  const warnings: ConfigIssue[] = [];
  const errors: ConfigIssue[] = [];
  const schemaErrors = validateAgainstSchema(data, fillDefaults);

  for (const error of schemaErrors) {
    if (error.keyword !== 'additionalProperties') continue;
    const key = String((error.params as { additionalProperty: unknown }).additionalProperty);
    const segments = [...pathSegments(error.instancePath, data), key];
    const siblings = Object.keys((error.parentSchema as SchemaNode | undefined)?.properties ?? {});
    const suggestion = suggestKey(key, siblings);
    warnings.push({
      severity: 'warning',
      ...locate(origin, segments, 'key'),
      path: formatPath(segments),
      message:
        suggestion === undefined
          ? 'unknown key, ignored'
          : `unknown key, ignored; did you mean "${suggestion}"?`,
    });
    const parent = error.data;
    if (isMapping(parent)) delete parent[key];
  }

  for (const described of describeSchemaErrors(schemaErrors, data))
    errors.push({
      severity: 'error',
      ...locate(origin, described.segments, described.atParent ? 'key' : 'value'),
      path: formatPath(described.segments),
      message: described.message,
    });

  if (errors.length === 0)
    for (const violation of checkConfigRules(data as NekzusConfig, context))
      (violation.severity === 'error' ? errors : warnings).push({
        severity: violation.severity,
        ...locate(origin, violation.segments, 'value'),
        path: formatPath(violation.segments),
        message: violation.message,
      });

  return { warnings: warnings.sort(byPosition), errors: errors.sort(byPosition) };
}

function finish(
  data: Record<string, unknown>,
  origin: Origin,
  warnings: ConfigIssue[],
  errors: ConfigIssue[],
): ConfigResult {
  if (errors.length > 0) return { config: undefined, warnings, errors };
  const config = data as NekzusConfig;
  origins.set(config, origin);
  return { config, warnings, errors };
}

function yamlIssue(
  file: FileOrigin,
  problem: YAMLError,
  severity: 'error' | 'warning',
): ConfigIssue {
  return {
    severity,
    ...position(file, problem.pos[0]),
    path: '',
    message:
      problem.code === 'MULTIPLE_DOCS'
        ? 'invalid YAML: expected one document, found several (remove the "---" separator)'
        : `invalid YAML: ${problem.message.split('\n')[0] ?? problem.code}`,
  };
}

/**
 * Parses and validates the text of a config file (YAML, or JSON which YAML reads too). Never
 * throws on bad content: every problem is returned with its `file:line:column`.
 */
export function parseConfigText(text: string, fileName: string): ConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    // Nekzus reads YAML with go-yaml, which understands `<<: *anchor` merge keys.
    merge: true,
  });
  const file: FileOrigin = { name: fileName, doc, lineCounter };
  const origin: Origin = { file, overrides: new Map() };
  const warnings = doc.warnings.map((w) => yamlIssue(file, w, 'warning'));
  const errors = doc.errors.map((e) => yamlIssue(file, e, 'error'));
  if (errors.length > 0) return { config: undefined, warnings, errors };

  const raw: unknown = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  if (!isMapping(raw))
    return {
      config: undefined,
      warnings,
      errors: [
        {
          severity: 'error',
          ...locate(origin, [], 'value'),
          path: '',
          message: `expected a mapping of sections at the top of the file, found ${describeFound(raw, false)}`,
        },
      ],
    };

  const yaml11 = coerceYaml11Booleans(raw, configSchema as SchemaNode).map(
    ({ segments, from, to }): ConfigIssue => ({
      severity: 'warning',
      ...locate(origin, segments, 'value'),
      path: formatPath(segments),
      message: `"${from}" read as ${to} (a YAML 1.1 boolean, as Nekzus reads it); write ${to}`,
    }),
  );
  const checked = validate(raw, origin, true, {});
  return finish(raw, origin, [...warnings, ...yaml11, ...checked.warnings], checked.errors);
}

/** Reads and parses a config file; a missing file is an error unless `allowMissing` is set. */
export function loadConfigFile(
  path: string,
  options: { readonly allowMissing?: boolean; readonly readFile?: ReadTextFile } = {},
): ConfigResult {
  let text: string;
  try {
    text = (options.readFile ?? readUtf8)(path);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing && options.allowMissing === true) {
      const defaults = parseConfigText('', path);
      return {
        ...defaults,
        warnings: [
          {
            severity: 'warning',
            source: path,
            path: '',
            message: 'config file not found; using defaults',
          },
        ],
      };
    }
    return {
      config: undefined,
      warnings: [],
      errors: [
        {
          severity: 'error',
          source: path,
          path: '',
          message: missing
            ? 'config file not found'
            : `cannot read config file: ${(error as Error).message}`,
        },
      ],
    };
  }
  return parseConfigText(text, path);
}

interface Override {
  readonly segments: readonly string[];
  readonly value: unknown;
  /** Append to a list instead of replacing it. */
  readonly append: boolean;
  readonly source: string;
}

function applyOverrides(
  config: NekzusConfig,
  overrides: readonly Override[],
  earlyErrors: readonly ConfigIssue[],
  context: RuleContext,
): ConfigResult {
  const previous = originOf(config);
  const data = structuredClone(config) as Record<string, unknown>;
  const labels = new Map(previous.overrides);
  for (const override of overrides) {
    let parent = data;
    for (const key of override.segments.slice(0, -1)) {
      const next = parent[key];
      if (!isMapping(next)) break;
      parent = next;
    }
    const key = override.segments[override.segments.length - 1]!;
    const current = parent[key];
    parent[key] =
      override.append && Array.isArray(current)
        ? [...(current as unknown[]), override.value]
        : override.value;
    labels.set(formatPath(override.segments), override.source);
  }
  const origin: Origin = { file: previous.file, overrides: labels };
  const checked = validate(data, origin, false, context);
  return finish(data, origin, checked.warnings, [...earlyErrors, ...checked.errors]);
}

const TRUE_WORDS = new Set(['true', '1']);
const FALSE_WORDS = new Set(['false', '0']);

/**
 * Applies the `NEKZUS_*` variables named in the schema (`x-env`) over `config`. Each may instead
 * be given as `<NAME>_FILE`, the path of a file holding the value (Docker/Kubernetes secrets).
 * Bad values are reported like file errors, with the variable name as their source.
 */
export function applyEnvironment(
  config: NekzusConfig,
  env: Readonly<Record<string, string | undefined>>,
  options: { readonly readFile?: ReadTextFile } = {},
): ConfigResult {
  const readFile = options.readFile ?? readUtf8;
  const overrides: Override[] = [];
  const errors: ConfigIssue[] = [];
  for (const leaf of schemaLeaves(configSchema)) {
    const variable = leaf.schema['x-env'];
    if (variable === undefined || leaf.keys === undefined) continue;
    const path = leaf.keys.join('.');
    const direct = env[variable];
    const fromFile = env[`${variable}_FILE`];
    const fail = (source: string, message: string) =>
      errors.push({ severity: 'error', source, path, message });
    if (direct !== undefined && direct !== '' && fromFile !== undefined && fromFile !== '') {
      fail(variable, `set either ${variable} or ${variable}_FILE, not both`);
      continue;
    }
    let raw = direct;
    let source = variable;
    if (fromFile !== undefined && fromFile !== '') {
      source = `${variable}_FILE`;
      try {
        raw = readFile(fromFile).replace(/\r?\n$/, '');
      } catch (error) {
        fail(source, `cannot read ${JSON.stringify(fromFile)}: ${(error as Error).message}`);
        continue;
      }
    }
    // Like Nekzus, an empty variable means "not set".
    if (raw === undefined || raw === '') continue;

    if (leaf.schema.type === 'boolean') {
      const word = raw.trim().toLowerCase();
      if (!TRUE_WORDS.has(word) && !FALSE_WORDS.has(word)) {
        fail(source, `expected a boolean (true, false, 1 or 0), found ${JSON.stringify(raw)}`);
        continue;
      }
      overrides.push({ segments: leaf.keys, value: TRUE_WORDS.has(word), append: false, source });
    } else {
      overrides.push({
        segments: leaf.keys,
        value: raw,
        append: leaf.schema.type === 'array',
        source,
      });
    }
  }
  return applyOverrides(config, overrides, errors, { environment: env['ENVIRONMENT'] ?? '' });
}

/** Applies command-line flags over `config`; they win over the file and the environment. */
export function applyFlags(config: NekzusConfig, flags: ConfigFlags): ConfigResult {
  const overrides: Override[] = [];
  if (flags.addr !== undefined)
    overrides.push({
      segments: ['server', 'addr'],
      value: flags.addr,
      append: false,
      source: '--addr',
    });
  if (flags.data_dir !== undefined)
    overrides.push({
      segments: ['storage', 'data_dir'],
      value: flags.data_dir,
      append: false,
      source: '--data-dir',
    });
  if (flags.insecure_http === true)
    overrides.push({
      segments: ['server', 'tls'],
      value: 'off',
      append: false,
      source: '--insecure-http',
    });
  return applyOverrides(config, overrides, [], {});
}

/**
 * The whole start-up pipeline: defaults < file < environment < flags. The file is
 * `flags.config`, else `DEFAULT_CONFIG_PATH` (which, as in Nekzus, may be missing).
 */
export function loadEffectiveConfig(options: {
  readonly flags: ConfigFlags;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile?: ReadTextFile;
}): ConfigResult {
  const path = options.flags.config ?? DEFAULT_CONFIG_PATH;
  const loaded = loadConfigFile(path, {
    allowMissing: options.flags.config === undefined,
    ...(options.readFile === undefined ? {} : { readFile: options.readFile }),
  });
  const warnings = [...loaded.warnings];
  if (loaded.config === undefined) return loaded;
  const environment = applyEnvironment(
    loaded.config,
    options.env,
    options.readFile === undefined ? {} : { readFile: options.readFile },
  );
  warnings.push(...environment.warnings);
  if (environment.config === undefined) return { ...environment, warnings };
  const flagged = applyFlags(environment.config, options.flags);
  // Cross-key warnings are found again at every stage; report each once.
  const seen = new Set<string>();
  const unique = [...warnings, ...flagged.warnings].filter((w) => {
    const key = formatIssue(w);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { ...flagged, warnings: unique };
}
