import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { EventSchemaViolation } from './errors';

export type Upcaster = (data: unknown) => unknown;

/**
 * One schema and its two validators, each compiled on first need: compiling all 55 schemas
 * up front took ~0.7 s of every start (gateway and CLI), and most processes append only a few
 * types. `compileAll()` compiles them at once where a broken schema must fail early (tests).
 */
class Entry {
  private firstError: ValidateFunction | undefined;
  private allErrors: ValidateFunction | undefined;

  constructor(
    private readonly schema: object,
    private readonly compilers: { firstError: Ajv; allErrors: Ajv },
  ) {}

  /** Stops at the first error: the cheap check every append pays. */
  get check(): ValidateFunction {
    return (this.firstError ??= this.compilers.firstError.compile(this.schema));
  }

  /** Collects every error, to describe an event that failed `check`. */
  get explain(): ValidateFunction {
    return (this.allErrors ??= this.compilers.allErrors.compile(this.schema));
  }
}

const SCHEMA_FILE = /^([A-Z][A-Za-z0-9]+)\.v([1-9][0-9]*)\.schema\.json$/;

/**
 * JSON Schemas per event type and version (files `<Type>.v<N>.schema.json` under
 * `event-schemas/`), plus upcasters that lift data of version N to N+1 on read.
 * An event type without a schema cannot be appended.
 */
export class SchemaRegistry {
  private readonly ajv: Ajv;
  private readonly ajvFirstError: Ajv;
  private readonly latest = new Map<string, number>();
  private readonly schemas = new Map<string, Map<number, Entry>>();
  private readonly upcasters = new Map<string, Map<number, Upcaster>>();
  private readonly metadataValidator: ValidateFunction;

  constructor() {
    this.ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    this.ajvFirstError = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
    addFormats(this.ajv);
    addFormats(this.ajvFirstError);
    this.metadataValidator = this.ajv.compile(METADATA_SCHEMA);
  }

  /** Loads every `<Type>.v<N>.schema.json` below `dir` (recursively). */
  static fromDirectory(dir: string): SchemaRegistry {
    const registry = new SchemaRegistry();
    registry.loadDirectory(dir);
    return registry;
  }

  loadDirectory(dir: string): this {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) {
        this.loadDirectory(full);
        continue;
      }
      const match = SCHEMA_FILE.exec(name);
      if (!match) continue;
      const schema = JSON.parse(readFileSync(full, 'utf8')) as object;
      this.register(match[1]!, Number(match[2]), schema);
    }
    return this;
  }

  register(type: string, version: number, schema: object): this {
    let versions = this.schemas.get(type);
    if (!versions) this.schemas.set(type, (versions = new Map<number, Entry>()));
    if (versions.has(version)) throw new Error(`schema ${type} v${version} registered twice`);
    versions.set(
      version,
      new Entry(schema, { firstError: this.ajvFirstError, allErrors: this.ajv }),
    );
    this.latest.set(type, Math.max(version, this.latest.get(type) ?? 0));
    return this;
  }

  /** `upcast` turns data of `fromVersion` into data of `fromVersion + 1`. */
  registerUpcaster(type: string, fromVersion: number, upcast: Upcaster): this {
    let steps = this.upcasters.get(type);
    if (!steps) this.upcasters.set(type, (steps = new Map<number, Upcaster>()));
    steps.set(fromVersion, upcast);
    return this;
  }

  /** Compiles every schema now (both validators), so one that does not compile throws here. */
  compileAll(): this {
    for (const versions of this.schemas.values())
      for (const entry of versions.values()) void [entry.check, entry.explain];
    return this;
  }

  types(): string[] {
    return [...this.schemas.keys()].sort();
  }

  latestVersion(type: string): number | undefined {
    return this.latest.get(type);
  }

  /** Throws EventSchemaViolation when the event cannot be stored as given. */
  validate(type: string, version: number, data: unknown, metadata: unknown): void {
    const entry = this.schemas.get(type)?.get(version);
    if (!entry) {
      const known = this.schemas.has(type);
      throw new EventSchemaViolation(type, version, [
        known ? `no schema for version ${version}` : `unknown event type "${type}"`,
      ]);
    }
    if (entry.check(data) && this.metadataValidator(metadata)) return;
    const problems: string[] = [];
    const explain = entry.explain;
    if (!explain(data)) problems.push(...describe('data', explain.errors));
    if (!this.metadataValidator(metadata))
      problems.push(...describe('metadata', this.metadataValidator.errors));
    if (problems.length > 0) throw new EventSchemaViolation(type, version, problems);
  }

  /** Lifts stored data to the newest version of its type; history itself is never rewritten. */
  upcast(type: string, version: number, data: unknown): { version: number; data: unknown } {
    const steps = this.upcasters.get(type);
    if (!steps) return { version, data };
    let current = data;
    let v = version;
    for (let step = steps.get(v); step; step = steps.get(v)) {
      current = step(current);
      v += 1;
    }
    return { version: v, data: current };
  }
}

function describe(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const path = `${where}${e.instancePath.replaceAll('/', '.')}`;
    if (e.keyword === 'additionalProperties')
      return `${path}: unknown field "${String(e.params['additionalProperty'])}"`;
    return `${path}: ${e.message ?? e.keyword}`;
  });
}

const METADATA_SCHEMA = {
  type: 'object',
  required: ['correlationId', 'actor'],
  additionalProperties: false,
  properties: {
    correlationId: { type: 'string', minLength: 1, maxLength: 128 },
    causationId: { type: 'string', minLength: 1, maxLength: 128 },
    actor: {
      type: 'object',
      required: ['kind', 'id'],
      additionalProperties: false,
      properties: {
        kind: { enum: ['admin', 'device', 'apikey', 'anonymous', 'system', 'discovery', 'config'] },
        id: { type: 'string', minLength: 1, maxLength: 256 },
      },
    },
    sourceIp: { type: 'string', maxLength: 64 },
  },
} as const;
