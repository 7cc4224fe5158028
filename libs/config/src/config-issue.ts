import { type ErrorObject } from 'ajv';
import { FORMAT_DESCRIPTIONS } from './config.schema';

/** One problem found in the configuration. */
export interface ConfigIssue {
  readonly severity: 'error' | 'warning';
  /** Where the value came from: `file:line:column`, an environment variable or a flag. */
  readonly source: string;
  /** Key path such as `routes[2].path_base`; empty for the document as a whole. */
  readonly path: string;
  /** What was expected and what was found. */
  readonly message: string;
  /** 1-based position in the config file, when the value came from it. */
  readonly line?: number;
  readonly column?: number;
}

/** File issues in reading order, then those of the environment and flags in the order found. */
export function byPosition(a: ConfigIssue, b: ConfigIssue): number {
  return (a.line ?? Infinity) - (b.line ?? Infinity) || (a.column ?? 0) - (b.column ?? 0);
}

export type PathSegment = string | number;

/** `server.addr`, `routes[2].path_base`. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}

/** One line per issue, e.g. `nekzus.yaml:4:11: server.addr: expected …, found "x"`. */
export function formatIssue(issue: ConfigIssue): string {
  return issue.path === ''
    ? `${issue.source}: ${issue.message}`
    : `${issue.source}: ${issue.path}: ${issue.message}`;
}

/** Splits an ajv instance path into segments, numbering the ones that index a list. */
export function pathSegments(instancePath: string, root: unknown): PathSegment[] {
  const segments: PathSegment[] = [];
  let current: unknown = root;
  for (const raw of instancePath.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(current)) {
      const index = Number(key);
      segments.push(index);
      current = current[index];
    } else {
      segments.push(key);
      current = isMapping(current) ? current[key] : undefined;
    }
  }
  return segments;
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const TYPE_NOUNS: Readonly<Record<string, string>> = {
  string: 'a string',
  boolean: 'a boolean',
  integer: 'an integer',
  number: 'a number',
  array: 'a list',
  object: 'a mapping',
  null: 'nothing',
};

/** How a found value is shown; secrets are described, never echoed. */
export function describeFound(value: unknown, secret: boolean): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    if (secret) return `a ${value.length}-character value`;
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return typeof value;
}

function isSecretSchema(schema: unknown): boolean {
  return isMapping(schema) && schema['x-secret'] === true;
}

export interface DescribedError {
  /** Segments of the offending key (for a missing key: the key that is missing). */
  readonly segments: PathSegment[];
  /** Whether the position to report is the key itself rather than its value. */
  readonly atParent: boolean;
  readonly message: string;
}

/**
 * Turns ajv's errors (verbose mode) into messages. A type error hides the other errors of the
 * same key: once the type is wrong, the rest is noise.
 */
export function describeSchemaErrors(
  errors: readonly ErrorObject[],
  root: unknown,
): DescribedError[] {
  const typeErrorPaths = new Set(
    errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath),
  );
  const out: DescribedError[] = [];
  for (const error of errors) {
    if (error.keyword === 'additionalProperties') continue;
    if (error.keyword !== 'type' && typeErrorPaths.has(error.instancePath)) continue;
    const segments = pathSegments(error.instancePath, root);
    const found = describeFound(error.data, isSecretSchema(error.parentSchema));
    const params = error.params as Record<string, unknown>;
    switch (error.keyword) {
      case 'required':
        out.push({
          segments: [...segments, String(params['missingProperty'])],
          atParent: true,
          message: 'required key is missing',
        });
        break;
      case 'type':
        out.push({
          segments,
          atParent: false,
          message: `expected ${TYPE_NOUNS[String(params['type'])] ?? String(params['type'])}, found ${found}`,
        });
        break;
      case 'enum': {
        const allowed = (params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v));
        out.push({
          segments,
          atParent: false,
          message: `expected one of ${allowed.join(', ')}, found ${found}`,
        });
        break;
      }
      case 'format': {
        const format = String(params['format']);
        out.push({
          segments,
          atParent: false,
          message: `expected ${FORMAT_DESCRIPTIONS[format] ?? format}, found ${found}`,
        });
        break;
      }
      case 'minLength':
        out.push({
          segments,
          atParent: false,
          message: `expected at least ${String(params['limit'])} characters, found ${found}${
            typeof error.data === 'string' && !isSecretSchema(error.parentSchema)
              ? ` (${error.data.length} characters)`
              : ''
          }`,
        });
        break;
      case 'minimum':
      case 'maximum':
        out.push({
          segments,
          atParent: false,
          message: `expected a number ${error.keyword === 'minimum' ? '≥' : '≤'} ${String(params['limit'])}, found ${found}`,
        });
        break;
      default:
        out.push({
          segments,
          atParent: false,
          message: `${error.message ?? 'invalid'}, found ${found}`,
        });
    }
  }
  return out;
}

/** Edit distance between two words. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[b.length]!;
}

const normalise = (key: string) => key.toLowerCase().replaceAll(/[_-]/g, '');

/** The closest known key, if it is close enough to be a likely typo (or a camelCase spelling). */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = Math.min(
      levenshtein(unknown, candidate),
      levenshtein(normalise(unknown), normalise(candidate)),
    );
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(unknown.length / 3)) ? best : undefined;
}
