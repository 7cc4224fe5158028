import type { ErrorDetail } from '#libs/kernel';

export const ROUTING_MODES = ['', 'path', 'subdomain', 'both'] as const;
export type RoutingMode = (typeof ROUTING_MODES)[number];

/** A route as stored: every field present, so nothing is silently dropped or reset. Field names are Nekzus's JSON keys. */
export interface RouteSpec {
  routeId: string;
  appId: string;
  pathBase: string;
  to: string;
  containerId: string;
  scopes: string[];
  publicAccess: boolean;
  websockets: boolean;
  stripPrefix: boolean;
  stripResponseCookies: boolean;
  rewriteCookiePaths: boolean;
  rewriteHTML: boolean;
  persistCookies: boolean;
  routingMode: RoutingMode;
  subdomain: string;
  excludePaths: string[];
  healthCheckPath: string;
  healthCheckTimeout: string;
  healthCheckInterval: string;
  expectedStatusCodes: number[];
  skipHealthCheck: boolean;
  /** Accept any upstream certificate (self-signed LAN devices); verified by default. */
  tlsSkipVerify: boolean;
  /** Send the client's Host (default) or, when false, the target URL's host. */
  preserveHost: boolean;
  /** Request bodies above this many bytes answer 413; 0 means `proxy.max_request_body_bytes`. */
  maxBodyBytes: number;
  /** Requests per minute and client address through this route; 0 means no limit. */
  rateLimitPerMinute: number;
  /** How many requests a client may make at once before the per-minute rate applies. */
  rateLimitBurst: number;
}

export type RouteField = keyof RouteSpec;
export const ROUTE_FIELDS: readonly RouteField[] = [
  'routeId',
  'appId',
  'pathBase',
  'to',
  'containerId',
  'scopes',
  'publicAccess',
  'websockets',
  'stripPrefix',
  'stripResponseCookies',
  'rewriteCookiePaths',
  'rewriteHTML',
  'persistCookies',
  'routingMode',
  'subdomain',
  'excludePaths',
  'healthCheckPath',
  'healthCheckTimeout',
  'healthCheckInterval',
  'expectedStatusCodes',
  'skipHealthCheck',
  'tlsSkipVerify',
  'preserveHost',
  'maxBodyBytes',
  'rateLimitPerMinute',
  'rateLimitBurst',
];

/** What a caller must give; everything else has a default. */
export type RouteInput = Pick<RouteSpec, 'routeId' | 'appId' | 'pathBase' | 'to'> &
  Partial<Omit<RouteSpec, 'routeId' | 'appId' | 'pathBase' | 'to'>>;

export const ROUTE_DEFAULTS: Omit<RouteSpec, 'routeId' | 'appId' | 'pathBase' | 'to'> = {
  containerId: '',
  scopes: [],
  publicAccess: false,
  websockets: false,
  stripPrefix: false,
  stripResponseCookies: false,
  rewriteCookiePaths: false,
  rewriteHTML: false,
  persistCookies: false,
  routingMode: '',
  subdomain: '',
  excludePaths: [],
  healthCheckPath: '',
  healthCheckTimeout: '',
  healthCheckInterval: '',
  expectedStatusCodes: [],
  skipHealthCheck: false,
  tlsSkipVerify: false,
  preserveHost: true,
  maxBodyBytes: 0,
  rateLimitPerMinute: 0,
  rateLimitBurst: 0,
};

/** Routes recorded before a field existed read with its default (event upcasting). */
export const FIELDS_ADDED_IN_V2 = {
  tlsSkipVerify: false,
  preserveHost: true,
  maxBodyBytes: 0,
  rateLimitPerMinute: 0,
  rateLimitBurst: 0,
} as const satisfies Partial<RouteSpec>;

/** A route of a v1 event with the fields v2 added, at their defaults. */
export function upcastRouteV1(route: Record<string, unknown>): Record<string, unknown> {
  return { ...route, ...FIELDS_ADDED_IN_V2, ...pickDefined(route) };
}

function pickDefined(route: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(FIELDS_ADDED_IN_V2))
    if (route[key] !== undefined) out[key] = route[key];
  return out;
}

export const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const ID_RULE =
  'must be 1-63 characters of a-z, 0-9, "_" or "-", starting with a letter or digit';
const PATH_CHARS = /^[A-Za-z0-9._~!$&'()*+,;=:@%/-]+$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const SCOPE = /^[A-Za-z0-9:*._-]{1,64}$/;
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
const CONTAINER_ID = /^([0-9a-f]{12}|[0-9a-f]{64})$/;

/** Every field present, in the documented order (the order events and responses show). */
export function withDefaults(input: RouteInput): RouteSpec {
  const merged: RouteSpec = { ...ROUTE_DEFAULTS, ...input };
  const out = {} as Record<RouteField, unknown>;
  for (const field of ROUTE_FIELDS) out[field] = merged[field];
  return out as unknown as RouteSpec;
}

/**
 * Normalisation that keeps a route reachable: the path base always ends with `/`, so
 * `/apps/x` and `/apps/x/…` resolve to it. Lists are de-duplicated in their given order.
 */
export function normalizeRoute(route: RouteSpec): RouteSpec {
  const pathBase = route.pathBase.endsWith('/') ? route.pathBase : `${route.pathBase}/`;
  return {
    ...route,
    pathBase,
    subdomain: route.subdomain.toLowerCase(),
    scopes: unique(route.scopes),
    excludePaths: unique(route.excludePaths),
    expectedStatusCodes: unique(route.expectedStatusCodes),
  };
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** Every problem with the route at once, so a caller fixes them in one go. */
export function validateRoute(route: RouteSpec): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const bad = (field: string, message: string) => problems.push({ field, message });

  if (!ID_PATTERN.test(route.routeId)) bad('routeId', ID_RULE);
  if (!ID_PATTERN.test(route.appId)) bad('appId', ID_RULE);

  const p = route.pathBase;
  if (!p.startsWith('/apps/') || p.length <= '/apps/'.length)
    bad(
      'pathBase',
      'must start with "/apps/" followed by at least one segment, e.g. "/apps/grafana/"',
    );
  else if (!p.endsWith('/')) bad('pathBase', 'must end with "/"');
  else if (p.length > 512) bad('pathBase', 'must be at most 512 characters');
  else if (!PATH_CHARS.test(p))
    bad('pathBase', 'contains characters that are not allowed in a URL path');
  else if (p.includes('//') || p.split('/').some((s) => s === '.' || s === '..'))
    bad('pathBase', 'must not contain empty, "." or ".." segments');

  const target = parseUrl(route.to);
  if (!target) bad('to', `"${route.to}" is not an absolute URL`);
  else if (target.protocol !== 'http:' && target.protocol !== 'https:')
    bad('to', `must be an http or https URL, not ${target.protocol.replace(':', '')}`);
  else if (!target.hostname) bad('to', 'must name a host');
  else if (target.search || target.hash || route.to.includes('#'))
    bad('to', 'must not carry a query string or fragment');

  if (route.containerId && !CONTAINER_ID.test(route.containerId))
    bad('containerId', 'must be a 12- or 64-character hexadecimal Docker container id');

  if (!(ROUTING_MODES as readonly string[]).includes(route.routingMode))
    bad('routingMode', 'must be one of "path", "subdomain", "both" (or empty for the default)');
  if (route.subdomain) {
    const labels = route.subdomain.split('.');
    if (route.subdomain.length > 253 || labels.some((l) => !DNS_LABEL.test(l)))
      bad('subdomain', 'must be lower-case DNS labels (a-z, 0-9, "-"), each at most 63 characters');
  } else if (route.routingMode === 'subdomain' || route.routingMode === 'both') {
    bad('subdomain', `is required when routingMode is "${route.routingMode}"`);
  }

  if (route.scopes.length > 32) bad('scopes', 'at most 32 scopes');
  route.scopes.forEach((s, i) => {
    if (!SCOPE.test(s)) bad(`scopes.${i}`, `"${s}" is not a scope name (letters, digits, ":*._-")`);
  });
  if (route.excludePaths.length > 64) bad('excludePaths', 'at most 64 paths');
  route.excludePaths.forEach((s, i) => {
    if (!s.startsWith('/') || s.length > 512)
      bad(`excludePaths.${i}`, 'must be a path starting with "/"');
  });
  if (route.healthCheckPath && !route.healthCheckPath.startsWith('/'))
    bad('healthCheckPath', 'must start with "/"');
  for (const field of ['healthCheckTimeout', 'healthCheckInterval'] as const) {
    if (route[field] && !GO_DURATION.test(route[field]))
      bad(field, `"${route[field]}" is not a duration such as "5s", "1m30s" or "500ms"`);
  }
  route.expectedStatusCodes.forEach((code, i) => {
    if (!Number.isInteger(code) || code < 100 || code > 599)
      bad(`expectedStatusCodes.${i}`, 'must be an HTTP status code between 100 and 599');
  });
  if (
    !Number.isInteger(route.maxBodyBytes) ||
    route.maxBodyBytes < 0 ||
    route.maxBodyBytes > 2 ** 40
  )
    bad('maxBodyBytes', 'must be a whole number of bytes between 0 (the gateway default) and 2^40');
  for (const field of ['rateLimitPerMinute', 'rateLimitBurst'] as const)
    if (!Number.isInteger(route[field]) || route[field] < 0 || route[field] > 1_000_000)
      bad(field, 'must be a whole number between 0 (no limit) and 1000000');
  if (route.rateLimitPerMinute > 0 && route.rateLimitBurst === 0)
    bad('rateLimitBurst', 'must be at least 1 when rateLimitPerMinute is set');
  return problems;
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** The fields whose values differ, in the order `fields` lists them. */
export function changedFields<T, K extends keyof T>(
  before: T,
  after: T,
  fields: readonly K[],
): K[] {
  return fields.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
}

export function changedRouteFields(before: RouteSpec, after: RouteSpec): RouteField[] {
  return changedFields(before, after, ROUTE_FIELDS);
}

/** One step of event upcasting: data of `fromVersion` lifted to the next version. */
export interface EventUpcaster {
  type: string;
  fromVersion: number;
  upcast: (data: unknown) => unknown;
}

const withUpcastRoute = (data: unknown): unknown => {
  const d = data as { route: Record<string, unknown> };
  return { ...d, route: upcastRouteV1(d.route) };
};

/** Route events of v1 read as v2: the fields v2 added, at their defaults. */
export const ROUTING_UPCASTERS: readonly EventUpcaster[] = [
  { type: 'RouteAdded', fromVersion: 1, upcast: withUpcastRoute },
  { type: 'RouteChanged', fromVersion: 1, upcast: withUpcastRoute },
  // The approved route's fields are optional in both versions; v1 data is valid v2 data.
  { type: 'ProposalApproved', fromVersion: 1, upcast: (data) => data },
];
