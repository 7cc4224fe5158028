import type { AppSpec, RouteSpec } from '../domain';

export interface AppRecord {
  app: AppSpec;
  createdAt: string;
  updatedAt: string;
}

export interface RouteRecord {
  route: RouteSpec;
  createdAt: string;
  updatedAt: string;
}

/** The routing read models, as the queries need them. */
export interface RoutingReadPort {
  listApps(): Promise<AppRecord[]>;
  getApp(id: string): Promise<AppRecord | undefined>;
  listRoutes(filter?: { appId?: string }): Promise<RouteRecord[]>;
  getRoute(routeId: string): Promise<RouteRecord | undefined>;
}

export const ROUTING_READ = Symbol('ROUTING_READ');

/** Read-your-writes: lets a command return once the projections have applied what it appended. */
export interface ConsistencyPort {
  waitFor(position: bigint, timeoutMs?: number): Promise<boolean>;
}

export const CONSISTENCY = Symbol('CONSISTENCY');
