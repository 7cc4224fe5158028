import type { Schemas } from '../../api/client';
import { splitList } from '../../shared/format';

type Route = Schemas['Route'];

/** Every editable field of a route, as the form holds it (lists as text). */
export interface RouteForm {
  routeId: string;
  appId: string;
  appName: string;
  pathBase: string;
  to: string;
  containerId: string;
  scopes: string;
  publicAccess: boolean;
  websockets: boolean;
  stripPrefix: boolean;
  stripResponseCookies: boolean;
  rewriteCookiePaths: boolean;
  rewriteHTML: boolean;
  persistCookies: boolean;
  routingMode: Route['routingMode'];
  subdomain: string;
  excludePaths: string;
  healthCheckPath: string;
  healthCheckTimeout: string;
  healthCheckInterval: string;
  expectedStatusCodes: string;
  skipHealthCheck: boolean;
  tlsSkipVerify: boolean;
  preserveHost: boolean;
  /** Bytes; 0 or empty for the gateway's default. */
  maxBodyBytes: number | null;
  /** 0 or empty for no limit. */
  rateLimitPerMinute: number | null;
  rateLimitBurst: number | null;
}

export const BOOLEAN_FIELDS = [
  ['publicAccess', 'Public (no token needed)'],
  ['websockets', 'WebSockets'],
  ['stripPrefix', 'Strip prefix'],
  ['stripResponseCookies', 'Strip response cookies'],
  ['rewriteCookiePaths', 'Rewrite cookie paths'],
  ['rewriteHTML', 'Rewrite HTML'],
  ['persistCookies', 'Persist cookies'],
  ['skipHealthCheck', 'Skip health check'],
  ['tlsSkipVerify', 'Accept any upstream certificate (self-signed)'],
  ['preserveHost', "Send the client's Host header"],
] as const satisfies readonly (readonly [keyof RouteForm, string])[];

export function emptyRouteForm(): RouteForm {
  return {
    routeId: '',
    appId: '',
    appName: '',
    pathBase: '',
    to: '',
    containerId: '',
    scopes: '',
    publicAccess: false,
    websockets: false,
    stripPrefix: false,
    stripResponseCookies: false,
    rewriteCookiePaths: false,
    rewriteHTML: false,
    persistCookies: false,
    routingMode: '',
    subdomain: '',
    excludePaths: '',
    healthCheckPath: '',
    healthCheckTimeout: '',
    healthCheckInterval: '',
    expectedStatusCodes: '',
    skipHealthCheck: false,
    tlsSkipVerify: false,
    preserveHost: true,
    maxBodyBytes: 0,
    rateLimitPerMinute: 0,
    rateLimitBurst: 0,
  };
}

export function routeFormOf(r: Route): RouteForm {
  return {
    routeId: r.routeId,
    appId: r.appId,
    appName: '',
    pathBase: r.pathBase,
    to: r.to,
    containerId: r.containerId,
    scopes: r.scopes.join(', '),
    publicAccess: r.publicAccess,
    websockets: r.websockets,
    stripPrefix: r.stripPrefix,
    stripResponseCookies: r.stripResponseCookies,
    rewriteCookiePaths: r.rewriteCookiePaths,
    rewriteHTML: r.rewriteHTML,
    persistCookies: r.persistCookies,
    routingMode: r.routingMode,
    subdomain: r.subdomain,
    excludePaths: r.excludePaths.join(', '),
    healthCheckPath: r.healthCheckPath,
    healthCheckTimeout: r.healthCheckTimeout,
    healthCheckInterval: r.healthCheckInterval,
    expectedStatusCodes: r.expectedStatusCodes.join(', '),
    skipHealthCheck: r.skipHealthCheck,
    tlsSkipVerify: r.tlsSkipVerify,
    preserveHost: r.preserveHost,
    maxBodyBytes: r.maxBodyBytes,
    rateLimitPerMinute: r.rateLimitPerMinute,
    rateLimitBurst: r.rateLimitBurst,
  };
}

/** A whole number of at least 0 from a number input (empty means 0). */
function count(value: number | null, what: string): number {
  const n = value ?? 0;
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what} must be a whole number, 0 or more`);
  return n;
}

/** Parses "200, 204" into numbers; throws on anything else so the form can say so. */
export function statusCodes(text: string): number[] {
  return splitList(text).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 100 || n > 599)
      throw new Error(`"${s}" is not an HTTP status code`);
    return n;
  });
}

function fieldsOf(form: RouteForm) {
  return {
    appId: form.appId.trim(),
    pathBase: form.pathBase.trim(),
    to: form.to.trim(),
    containerId: form.containerId.trim(),
    scopes: splitList(form.scopes),
    publicAccess: form.publicAccess,
    websockets: form.websockets,
    stripPrefix: form.stripPrefix,
    stripResponseCookies: form.stripResponseCookies,
    rewriteCookiePaths: form.rewriteCookiePaths,
    rewriteHTML: form.rewriteHTML,
    persistCookies: form.persistCookies,
    routingMode: form.routingMode,
    subdomain: form.subdomain.trim(),
    excludePaths: splitList(form.excludePaths),
    healthCheckPath: form.healthCheckPath.trim(),
    healthCheckTimeout: form.healthCheckTimeout.trim(),
    healthCheckInterval: form.healthCheckInterval.trim(),
    expectedStatusCodes: statusCodes(form.expectedStatusCodes),
    skipHealthCheck: form.skipHealthCheck,
    tlsSkipVerify: form.tlsSkipVerify,
    preserveHost: form.preserveHost,
    maxBodyBytes: count(form.maxBodyBytes, 'The body limit'),
    rateLimitPerMinute: count(form.rateLimitPerMinute, 'The rate limit'),
    rateLimitBurst: count(form.rateLimitBurst, 'The burst'),
  } satisfies Schemas['PatchRoute'];
}

/**
 * A PATCH with exactly the fields the admin changed: fields left alone are not sent, so a
 * save never resets them (Nekzus's editor resets untouched fields to their defaults).
 */
export function routePatch(original: Route, form: RouteForm): Schemas['PatchRoute'] {
  const next = fieldsOf(form);
  const before = fieldsOf(routeFormOf(original));
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(next) as (keyof typeof next)[]) {
    if (JSON.stringify(next[key]) !== JSON.stringify(before[key])) patch[key] = next[key];
  }
  return patch as Schemas['PatchRoute'];
}

/** A new route from the form; empty optional fields are left out (the gateway's defaults). */
export function newRoute(form: RouteForm): Schemas['CreateRoute'] {
  const f = fieldsOf(form);
  const route: Schemas['CreateRoute'] = {
    routeId: form.routeId.trim(),
    appId: f.appId,
    pathBase: f.pathBase,
    to: f.to,
  };
  const defaults = fieldsOf(emptyRouteForm());
  for (const key of Object.keys(f) as (keyof typeof f)[]) {
    if (key === 'appId' || key === 'pathBase' || key === 'to') continue;
    if (JSON.stringify(f[key]) !== JSON.stringify(defaults[key]))
      (route as Record<string, unknown>)[key] = f[key];
  }
  if (form.appName.trim()) route.appName = form.appName.trim();
  return route;
}
