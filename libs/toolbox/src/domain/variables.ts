/**
 * Compose variables: the ones a template declares (read from its text, as Nekzus does, plus
 * the `${NAME:?message}` form it misses) and the interpolation Compose applies to values.
 */

export type VariableType = 'password' | 'number' | 'text';

export interface VariableSpec {
  name: string;
  label: string;
  description: string;
  required: boolean;
  default?: string;
  /** From `${NAME:?message}`: what to tell a user who left it empty. */
  message?: string;
  type: VariableType;
  /** Sealed at rest and masked in every answer (`type` is password). */
  secret: boolean;
}

const NAME = '[A-Z_][A-Z0-9_]*';
const DECLARED = new RegExp(`\\$\\{(${NAME})(?:(:?-)([^}]*)|(:?\\?)([^}]*))?\\}`, 'g');
const LABEL_PREFIXES = ['GF_', 'PIHOLE_', 'UPTIME_', 'MEMOS_'];
/** Set by the gateway, never asked from the user. */
export const INJECTED_VARIABLES = ['SERVICE_NAME', 'BASE_URL', 'APP_PORT'] as const;

export function variableType(name: string): VariableType {
  const lower = name.toLowerCase();
  if (/password|secret|token/.test(lower) || /(^|_)key($|_)/.test(lower)) return 'password';
  if (lower.includes('port')) return 'number';
  return 'text';
}

export function labelOf(name: string): string {
  const prefix = LABEL_PREFIXES.find((p) => name.startsWith(p));
  const rest = prefix ? name.slice(prefix.length) : name;
  return rest
    .split('_')
    .filter(Boolean)
    .map((w) => w.charAt(0) + w.slice(1).toLowerCase())
    .join(' ');
}

/** Every `${NAME…}` of the file in order of first appearance; `$$` escapes are not variables. */
export function declaredVariables(text: string): VariableSpec[] {
  const out = new Map<string, VariableSpec>();
  const unescaped = text.replace(/\$\$/g, '');
  for (const m of unescaped.matchAll(DECLARED)) {
    const name = m[1]!;
    if (out.has(name) || (INJECTED_VARIABLES as readonly string[]).includes(name)) continue;
    const hasDefault = m[2] !== undefined;
    const type = variableType(name);
    const label = labelOf(name);
    out.set(name, {
      name,
      label,
      description: `Configuration for ${label}`,
      required: !hasDefault,
      ...(hasDefault ? { default: m[3] ?? '' } : {}),
      ...(m[4] !== undefined && m[5] ? { message: m[5] } : {}),
      type,
      secret: type === 'password',
    });
  }
  return [...out.values()];
}

export interface Missing {
  name: string;
  message: string;
}

/**
 * Compose interpolation of one string: `$$`, `$NAME`, `${NAME}`, `${NAME:-d}`, `${NAME-d}`,
 * `${NAME:?m}`, `${NAME?m}`, `${NAME:+a}`, `${NAME+a}`. A required variable that is unset
 * is reported, not silently emptied.
 */
export function interpolate(
  text: string,
  env: Readonly<Record<string, string>>,
  missing: Missing[],
): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, braced?: string, op?: string, arg?: string, bare?: string) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare)!;
      const value = Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined;
      const empty = value === undefined || (op?.startsWith(':') === true && value === '');
      switch (op) {
        case ':-':
        case '-':
          return empty ? (arg ?? '') : (value ?? '');
        case ':?':
        case '?':
          if (empty) {
            missing.push({ name, message: arg || `${name} is required` });
            return '';
          }
          return value ?? '';
        case ':+':
        case '+':
          return empty ? '' : (arg ?? '');
        default:
          return value ?? '';
      }
    },
  );
}

/** Interpolates every string of a parsed document (keys too, as Compose does for labels). */
export function interpolateDeep(
  value: unknown,
  env: Readonly<Record<string, string>>,
  missing: Missing[],
): unknown {
  if (typeof value === 'string') return interpolate(value, env, missing);
  if (Array.isArray(value)) return value.map((v) => interpolateDeep(v, env, missing));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[interpolate(k, env, missing)] = interpolateDeep(v, env, missing);
    return out;
  }
  return value;
}
