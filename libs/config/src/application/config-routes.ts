import { createHash } from 'node:crypto';
import {
  appWithDefaults,
  normalizeRoute,
  validateApp,
  validateRoute,
  withDefaults,
  type AppSpec,
  type RouteSpec,
} from '#libs/routing';
import type { AppConfig, NekzusConfig, RouteConfig } from '../config.schema';
import { configSchema } from '../config.schema';
import { schemaLeaves } from '../schema-walk';

/** A config route in the routing context's terms (Nekzus's YAML keys → its JSON fields). */
export function routeFromConfig(r: RouteConfig): RouteSpec {
  return normalizeRoute(
    withDefaults({
      routeId: r.id,
      appId: r.app_id || r.id,
      pathBase: r.path_base,
      to: r.to,
      containerId: r.container_id ?? '',
      scopes: r.scopes ?? [],
      publicAccess: r.public_access ?? false,
      websockets: r.websockets ?? false,
      stripPrefix: r.strip_prefix ?? false,
      stripResponseCookies: r.strip_response_cookies ?? false,
      rewriteCookiePaths: r.rewrite_cookie_paths ?? false,
      rewriteHTML: r.rewrite_html ?? false,
      persistCookies: r.persist_cookies ?? false,
      routingMode: r.routing_mode ?? '',
      subdomain: r.subdomain ?? '',
      excludePaths: r.exclude_paths ?? [],
      healthCheckPath: r.health_check_path ?? '',
      healthCheckTimeout: r.health_check_timeout ?? '',
      healthCheckInterval: r.health_check_interval ?? '',
      expectedStatusCodes: r.expected_status_codes ?? [],
      skipHealthCheck: r.skip_health_check ?? false,
      tlsSkipVerify: r.tls_skip_verify ?? false,
      preserveHost: r.preserve_host ?? true,
      maxBodyBytes: r.max_body_bytes ?? 0,
      rateLimitPerMinute: r.rate_limit_per_minute ?? 0,
      rateLimitBurst: r.rate_limit_burst ?? 0,
    }),
  );
}

export function appFromConfig(a: AppConfig): AppSpec {
  return appWithDefaults({
    id: a.id,
    name: a.name,
    ...(a.icon !== undefined ? { icon: a.icon } : {}),
    ...(a.tags !== undefined ? { tags: a.tags } : {}),
    ...(a.endpoints !== undefined ? { endpoints: a.endpoints } : {}),
  });
}

export interface DesiredState {
  routes: RouteSpec[];
  apps: AppSpec[];
  digest: string;
  /** What the routing rules refuse (the schema cannot say): `routes[1].path_base: must start with "/apps/"…`. */
  errors: string[];
}

/**
 * The routes and apps a config declares, checked against the routing invariants the schema
 * cannot express (path bases under /apps/, ids, uniqueness within the file and against routes
 * that the config does not own).
 */
export function desiredState(
  config: NekzusConfig,
  owners: {
    pathBaseOwner(p: string): string | undefined;
    subdomainOwner(s: string): string | undefined;
  },
  ownedRouteIds: ReadonlySet<string>,
): DesiredState {
  const errors: string[] = [];
  const routes = (config.routes ?? []).map(routeFromConfig);
  const apps = (config.apps ?? []).map(appFromConfig);
  const inFile = { path_base: new Map<string, string>(), subdomain: new Map<string, string>() };
  // A path base or subdomain may be used once in the file, and not by a route the config does not own.
  const unique = (
    key: 'path_base' | 'subdomain',
    value: string,
    routeId: string,
    where: string,
  ) => {
    const twin = inFile[key].get(value);
    if (twin)
      errors.push(`${where}: ${key} "${value}" is also used by route "${twin}" in this file`);
    inFile[key].set(value, routeId);
    const owner = key === 'path_base' ? owners.pathBaseOwner(value) : owners.subdomainOwner(value);
    if (owner && owner !== routeId && !ownedRouteIds.has(owner))
      errors.push(
        `${where}: ${key} "${value}" is already used by route "${owner}" (not from this config)`,
      );
  };
  routes.forEach((route, i) => {
    const where = `routes[${i}] (${route.routeId})`;
    for (const p of validateRoute(route))
      errors.push(`${where}: ${configKey(p.field)}: ${p.message}`);
    unique('path_base', route.pathBase, route.routeId, where);
    if (route.subdomain) unique('subdomain', route.subdomain, route.routeId, where);
  });
  apps.forEach((app, i) => {
    for (const p of validateApp(app))
      errors.push(`apps[${i}] (${app.id}): ${p.field}: ${p.message}`);
  });
  const digest = createHash('sha256').update(JSON.stringify({ routes, apps })).digest('hex');
  return { routes, apps, digest, errors };
}

const YAML_KEYS: Record<string, string> = {
  routeId: 'id',
  appId: 'app_id',
  pathBase: 'path_base',
  containerId: 'container_id',
  routingMode: 'routing_mode',
  excludePaths: 'exclude_paths',
  healthCheckPath: 'health_check_path',
  healthCheckTimeout: 'health_check_timeout',
  healthCheckInterval: 'health_check_interval',
  expectedStatusCodes: 'expected_status_codes',
};

function configKey(field: string): string {
  const [head, ...rest] = field.split('.');
  return [YAML_KEYS[head!] ?? head, ...rest].join('.');
}

/** Keys marked restart-only whose value differs between the running config and a new one. */
export function pendingRestart(running: NekzusConfig, next: NekzusConfig): string[] {
  return changedLeaves(running, next, true);
}

/**
 * Keys outside routes and apps that changed and take effect at once (bootstrap tokens, trust,
 * rate limits…): only their paths, never their values, go into the event.
 */
export function liveChanges(running: NekzusConfig, next: NekzusConfig): string[] {
  return changedLeaves(running, next, false).filter(
    (path) => !path.startsWith('routes') && !path.startsWith('apps'),
  );
}

function changedLeaves(running: NekzusConfig, next: NekzusConfig, restart: boolean): string[] {
  const changed: string[] = [];
  for (const leaf of schemaLeaves(configSchema)) {
    if (leaf.restart !== restart || !leaf.keys) continue;
    const read = (c: unknown) =>
      leaf.keys!.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], c);
    if (JSON.stringify(read(running)) !== JSON.stringify(read(next))) changed.push(leaf.path);
  }
  return changed;
}
