import type { AppRecord, RouteRecord } from '../application/routing-read.port';
import { APP_FIELDS, ROUTE_FIELDS, type AppSpec, type RouteInput, type RouteSpec } from '../domain';

/** Copies the fields in their documented order (stored JSON has sorted keys). */
function ordered<T extends object>(value: T, fields: readonly (keyof T)[]): T {
  const out = {} as T;
  for (const f of fields) if (value[f] !== undefined) out[f] = value[f];
  return out;
}

/** A route as the API shows it: every field (Nekzus's names), plus its runtime status. */
export type RouteView = RouteSpec & {
  status: 'ACTIVE' | 'UNHEALTHY' | 'UNKNOWN';
  createdAt: string;
  updatedAt: string;
};

export function routeView(record: RouteRecord): RouteView {
  return {
    ...ordered(record.route, ROUTE_FIELDS),
    status: 'ACTIVE',
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** An app as `GET /api/v1/apps` shows it (Nekzus's shape). */
export interface AppView extends AppSpec {
  proxyPath?: string;
  url?: string;
  faviconUrl: string;
}

export function appView(record: AppRecord, routes: readonly RouteSpec[], baseUrl: string): AppView {
  const view: AppView = {
    ...ordered(record.app, APP_FIELDS),
    faviconUrl: `/api/v1/apps/${record.app.id}/favicon`,
  };
  // The first route by path base: deterministic, unlike Nekzus's map iteration.
  const route = [...routes].sort((a, b) => a.pathBase.localeCompare(b.pathBase))[0];
  if (route) {
    view.proxyPath = route.pathBase;
    view.url = `${baseUrl.replace(/\/$/, '')}${route.pathBase}`;
  }
  return view;
}

/** Splits a request body into the route fields and the app options that ride along. */
export function splitRouteBody<T extends Record<string, unknown>>(
  body: T,
): {
  route: Omit<T, 'icon' | 'appName'>;
  app: { icon?: string; appName?: string };
} {
  const { icon, appName, ...route } = body as T & { icon?: string; appName?: string };
  return {
    route,
    app: { ...(icon !== undefined ? { icon } : {}), ...(appName !== undefined ? { appName } : {}) },
  };
}

export type RouteBody = RouteInput & { icon?: string; appName?: string };
