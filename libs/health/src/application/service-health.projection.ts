import type { RecordedEvent } from '#libs/event-store';
import { PositionTracker } from '#libs/projections';
import type {
  AppRegistered,
  AppRemoved,
  AppUpdated,
  RouteAdded,
  RouteChanged,
  RouteRemoved,
  RouteSpec,
} from '#libs/routing';
import type { HealthStatus, ServiceBecameHealthy, ServiceBecameUnhealthy } from '../domain';

/** The last recorded transition of an app. */
export interface RecordedHealth {
  status: Exclude<HealthStatus, 'unknown'>;
  since: Date;
  /** The failure that made it unhealthy. */
  reason?: string;
}

/**
 * In memory, rebuilt from the log at every start: each app's recorded health status (from the
 * health events), and the apps and routes the checker probes (from the routing events), so
 * the checker, the proxy's gate and the health endpoint read one consistent picture.
 */
export class ServiceHealthProjection {
  readonly name = 'service-health';
  private readonly statuses = new Map<string, RecordedHealth>();
  private readonly routes = new Map<string, RouteSpec>();
  private readonly appNames = new Map<string, string>();
  private readonly tracker = new PositionTracker();

  apply(recorded: RecordedEvent): void {
    switch (recorded.type) {
      case 'ServiceBecameHealthy': {
        const data = recorded.data as ServiceBecameHealthy['data'];
        this.statuses.set(data.appId, { status: 'healthy', since: recorded.recordedAt });
        break;
      }
      case 'ServiceBecameUnhealthy': {
        const data = recorded.data as ServiceBecameUnhealthy['data'];
        this.statuses.set(data.appId, {
          status: 'unhealthy',
          since: recorded.recordedAt,
          reason: data.reason,
        });
        break;
      }
      case 'AppRegistered':
      case 'AppUpdated': {
        const { app } = recorded.data as (AppRegistered | AppUpdated)['data'];
        this.appNames.set(app.id, app.name);
        break;
      }
      case 'AppRemoved':
        this.appNames.delete((recorded.data as AppRemoved['data']).appId);
        break;
      case 'RouteAdded':
      case 'RouteChanged': {
        const { route } = recorded.data as (RouteAdded | RouteChanged)['data'];
        this.routes.set(route.routeId, route);
        break;
      }
      case 'RouteRemoved':
        this.routes.delete((recorded.data as RouteRemoved['data']).routeId);
        break;
    }
    this.tracker.advance(recorded.position);
  }

  get position(): bigint {
    return this.tracker.position;
  }

  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    return this.tracker.waitFor(position, timeoutMs);
  }

  /** The recorded status; `unknown` until a first transition. */
  statusOf(appId: string): HealthStatus {
    return this.statuses.get(appId)?.status ?? 'unknown';
  }

  recorded(appId: string): RecordedHealth | undefined {
    return this.statuses.get(appId);
  }

  /** Every app with a recorded status. */
  recordedApps(): string[] {
    return [...this.statuses.keys()];
  }

  /** App id → its routes, for every app that has at least one route. */
  routesByApp(): Map<string, RouteSpec[]> {
    const byApp = new Map<string, RouteSpec[]>();
    for (const route of this.routes.values()) {
      const list = byApp.get(route.appId);
      if (list) list.push(route);
      else byApp.set(route.appId, [route]);
    }
    return byApp;
  }

  routesOf(appId: string): RouteSpec[] {
    return [...this.routes.values()].filter((r) => r.appId === appId);
  }

  isKnownApp(appId: string): boolean {
    return this.appNames.has(appId) || this.routesOf(appId).length > 0;
  }

  appName(appId: string): string {
    return this.appNames.get(appId) ?? appId;
  }
}
