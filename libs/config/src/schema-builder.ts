/**
 * A few helpers that build plain draft-07 JSON Schema objects and, at the type level, remember
 * the TypeScript type each one validates. The config schema is written once with them; the
 * config types are inferred from it, so keys cannot drift between the two.
 */

declare const VALUE: unique symbol;
declare const DEFAULTED: unique symbol;

/** Annotations shared by every key of the config schema. */
export interface KeyAnnotations {
  /** What the key does, in our words; shown in the reference page. */
  readonly description: string;
  /** Environment variable that overrides the key (its `_FILE` twin reads the value from a file). */
  readonly 'x-env'?: string;
  /** Changing the key has no effect until the gateway restarts. */
  readonly 'x-restart'?: true;
  /** The value is a credential: never echoed in messages, masked when printed. */
  readonly 'x-secret'?: true;
}

/** A JSON Schema node that validates values of type `T`; `D` is true when it has a default. */
export interface Field<T, D extends boolean> extends KeyAnnotations {
  readonly [VALUE]?: T;
  readonly [DEFAULTED]?: D;
  readonly type: 'string' | 'boolean' | 'integer' | 'object' | 'array';
  readonly default?: unknown;
}

export type AnyField = Field<unknown, boolean>;
export type TypeOf<F> = F extends Field<infer T, boolean> ? T : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type Props = Readonly<Record<string, AnyField>>;
type Present<P extends Props, R extends string> = {
  [K in keyof P]: P[K] extends Field<unknown, true> ? K : K extends R ? K : never;
}[keyof P];

/** The object type a set of properties validates: defaulted or required keys are always there. */
export type ObjectOf<P extends Props, R extends string = never> = Simplify<
  { [K in Present<P, R>]: TypeOf<P[K]> } & {
    [K in Exclude<keyof P, Present<P, R>>]?: TypeOf<P[K]>;
  }
>;

type HasDefault<O> = O extends { default: unknown } ? true : false;

interface StringOptions extends KeyAnnotations {
  readonly default?: string;
  readonly format?: string;
  readonly minLength?: number;
}

export function str<const O extends StringOptions>(options: O): Field<string, HasDefault<O>> {
  return { type: 'string', ...options };
}

interface EnumOptions<V extends string> extends KeyAnnotations {
  readonly default?: V;
}

export function oneOfStrings<
  const V extends readonly string[],
  const O extends EnumOptions<V[number]>,
>(values: V, options: O): Field<V[number], HasDefault<O>> {
  return { type: 'string', enum: values, ...options } as unknown as Field<V[number], HasDefault<O>>;
}

interface BooleanOptions extends KeyAnnotations {
  readonly default?: boolean;
}

export function bool<const O extends BooleanOptions>(options: O): Field<boolean, HasDefault<O>> {
  return { type: 'boolean', ...options };
}

interface IntegerOptions extends KeyAnnotations {
  readonly default?: number;
  readonly minimum?: number;
  readonly maximum?: number;
}

export function int<const O extends IntegerOptions>(options: O): Field<number, HasDefault<O>> {
  return { type: 'integer', ...options };
}

interface ListOptions extends KeyAnnotations {
  readonly default?: readonly unknown[];
}

export function list<I extends AnyField, const O extends ListOptions>(
  items: I,
  options: O,
): Field<TypeOf<I>[], HasDefault<O>> {
  return { type: 'array', items, ...options };
}

/**
 * A config section: always present (defaults to `{}` so the defaults of its keys apply) and
 * closed, so unknown keys are reported.
 */
export function section<const P extends Props>(
  options: KeyAnnotations,
  properties: P,
): Field<ObjectOf<P>, true> {
  return {
    type: 'object',
    ...options,
    properties,
    additionalProperties: false,
    default: {},
  } as Field<ObjectOf<P>, true>;
}

/** A closed object without a default, e.g. one entry of `routes`. */
export function record<const P extends Props, const R extends readonly (keyof P & string)[]>(
  options: KeyAnnotations,
  properties: P,
  required: R,
): Field<ObjectOf<P, R[number]>, false> {
  return {
    type: 'object',
    ...options,
    properties,
    required,
    additionalProperties: false,
  } as unknown as Field<ObjectOf<P, R[number]>, false>;
}

/** A mapping from names the user chooses (app ids, endpoint kinds) to values of one shape. */
export function mapOf<V extends AnyField, const O extends { readonly default?: object }>(
  value: V,
  options: KeyAnnotations & O,
): Field<Record<string, TypeOf<V>>, HasDefault<O>> {
  return { type: 'object', additionalProperties: value, ...options };
}
