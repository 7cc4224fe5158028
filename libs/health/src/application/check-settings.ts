import { durationMs, type NekzusConfig } from '#libs/config';
import type { RouteSpec } from '#libs/routing';
import type { Thresholds } from '../domain';

export type HealthChecksConfig = NekzusConfig['health_checks'];

/** How one app is probed, resolved from its route, `health_checks.per_service.<appId>` and the defaults. */
export interface CheckSettings {
  appId: string;
  /** The route whose target is probed: the app's first route by id. */
  route: RouteSpec;
  /** The route's target with its path replaced by the health path. */
  probeUrl: string;
  path: string;
  intervalMs: number;
  timeoutMs: number;
  /** Empty: any 2xx. */
  expectedStatusCodes: number[];
  /** Where the settings came from, as Nekzus reports it. */
  source: 'route' | 'per-service' | 'global';
}

export type CheckPlan =
  | { kind: 'check'; settings: CheckSettings }
  | {
      kind: 'off';
      reason: 'disabled' | 'skipped' | 'no-route' | 'invalid-target';
      route?: RouteSpec;
    };

const FALLBACK_INTERVAL_MS = 10_000;
const FALLBACK_TIMEOUT_MS = 5_000;

/** Whether and how an app with these routes is probed under this config. */
export function planCheck(
  appId: string,
  routes: RouteSpec[],
  config: HealthChecksConfig,
): CheckPlan {
  const route = [...routes].sort((a, b) => (a.routeId < b.routeId ? -1 : 1))[0];
  if (!route) return { kind: 'off', reason: 'no-route' };
  if (!config.enabled) return { kind: 'off', reason: 'disabled', route };
  if (route.skipHealthCheck) return { kind: 'off', reason: 'skipped', route };
  const own = config.per_service[appId] ?? {};
  const path = route.healthCheckPath || own.path || config.path || '/';
  const probeUrl = probeUrlOf(route.to, path);
  if (!probeUrl) return { kind: 'off', reason: 'invalid-target', route };
  const routeLevel =
    route.healthCheckPath !== '' ||
    route.healthCheckTimeout !== '' ||
    route.healthCheckInterval !== '' ||
    route.expectedStatusCodes.length > 0;
  const serviceLevel =
    own.path !== undefined || own.interval !== undefined || own.timeout !== undefined;
  return {
    kind: 'check',
    settings: {
      appId,
      route,
      probeUrl,
      path,
      intervalMs: positive(
        durationMs(route.healthCheckInterval || own.interval || config.interval),
        FALLBACK_INTERVAL_MS,
      ),
      timeoutMs: positive(
        durationMs(route.healthCheckTimeout || own.timeout || config.timeout),
        FALLBACK_TIMEOUT_MS,
      ),
      expectedStatusCodes: route.expectedStatusCodes,
      source: routeLevel ? 'route' : serviceLevel ? 'per-service' : 'global',
    },
  };
}

/**
 * `health_checks.unhealthy_threshold`, and `health_checks.healthy_threshold` once the schema
 * has it; one success is enough until then.
 */
export function thresholdsOf(config: HealthChecksConfig): Thresholds {
  const healthy = (config as HealthChecksConfig & { healthy_threshold?: number }).healthy_threshold;
  return {
    healthy: healthy !== undefined && healthy >= 1 ? healthy : 1,
    unhealthy: config.unhealthy_threshold >= 1 ? config.unhealthy_threshold : 2,
  };
}

export function isExpectedStatus(status: number, expected: readonly number[]): boolean {
  return expected.length === 0 ? status >= 200 && status < 300 : expected.includes(status);
}

/** The target URL with its path (and query, when the health path has one) replaced. */
export function probeUrlOf(to: string, path: string): string | undefined {
  let url: URL;
  try {
    url = new URL(to);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const q = path.indexOf('?');
  url.pathname = q === -1 ? path : path.slice(0, q);
  if (q !== -1) url.search = path.slice(q);
  return url.toString();
}

function positive(value: number, fallback: number): number {
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
