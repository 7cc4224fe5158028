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
  const paths = new Map<string, string>();
  const subdomains = new Map<string, string>();
  routes.forEach((route, i) => {
    for (const p of validateRoute(route))
      errors.push(`routes[${i}] (${route.routeId}): ${configKey(p.field)}: ${p.message}`);
    const samePath = paths.get(route.pathBase);
    if (samePath)
      errors.push(
        `routes[${i}] (${route.routeId}): path_base "${route.pathBase}" is also used by route "${samePath}" in this file`,
      );
    paths.set(route.pathBase, route.routeId);
    const pathOwner = owners.pathBaseOwner(route.pathBase);
    if (pathOwner && pathOwner !== route.routeId && !ownedRouteIds.has(pathOwner))
      errors.push(
        `routes[${i}] (${route.routeId}): path_base "${route.pathBase}" is already used by route "${pathOwner}" (not from this config)`,
      );
    if (route.subdomain) {
      const sameSub = subdomains.get(route.subdomain);
      if (sameSub)
        errors.push(
          `routes[${i}] (${route.routeId}): subdomain "${route.subdomain}" is also used by route "${sameSub}" in this file`,
        );
      subdomains.set(route.subdomain, route.routeId);
      const subOwner = owners.subdomainOwner(route.subdomain);
      if (subOwner && subOwner !== route.routeId && !ownedRouteIds.has(subOwner))
        errors.push(
          `routes[${i}] (${route.routeId}): subdomain "${route.subdomain}" is already used by route "${subOwner}" (not from this config)`,
        );
    }
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
  const changed: string[] = [];
  for (const leaf of schemaLeaves(configSchema)) {
    if (!leaf.restart || !leaf.keys) continue;
    const read = (c: unknown) =>
      leaf.keys!.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], c);
    if (JSON.stringify(read(running)) !== JSON.stringify(read(next))) changed.push(leaf.path);
  }
  return changed;
}
