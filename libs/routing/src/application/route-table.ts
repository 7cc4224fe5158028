import type { RecordedEvent } from '#libs/event-store';
import { PositionTracker } from '#libs/projections';
import { ROUTING_EVENT_TYPES, type AppSpec, type RouteSpec, type RoutingEvent } from '../domain';

const ROUTING_TYPES: ReadonlySet<string> = new Set(ROUTING_EVENT_TYPES);

/**
 * The in-memory route table: every live route and app, indexed by path base and subdomain.
 * Fed by the event subscription; the data plane reads only this, and the routing commands
 * check path and subdomain uniqueness against it.
 */
export class RouteTable {
  readonly name = 'route-table';
  private readonly routes = new Map<string, RouteSpec>();
  private readonly apps = new Map<string, AppSpec>();
  private readonly byPathBase = new Map<string, string>();
  private readonly bySubdomain = new Map<string, string>();
  private readonly tracker = new PositionTracker();

  apply(recorded: RecordedEvent): void {
    if (!ROUTING_TYPES.has(recorded.type)) {
      this.tracker.advance(recorded.position);
      return;
    }
    const event = { type: recorded.type, data: recorded.data } as RoutingEvent;
    switch (event.type) {
      case 'AppRegistered':
      case 'AppUpdated':
        this.apps.set(event.data.app.id, event.data.app);
        break;
      case 'AppRemoved':
        this.apps.delete(event.data.appId);
        break;
      case 'RouteAdded':
      case 'RouteChanged':
        this.unindex(event.data.route.routeId);
        this.routes.set(event.data.route.routeId, event.data.route);
        this.byPathBase.set(event.data.route.pathBase, event.data.route.routeId);
        if (event.data.route.subdomain)
          this.bySubdomain.set(event.data.route.subdomain, event.data.route.routeId);
        break;
      case 'RouteRemoved':
        this.unindex(event.data.routeId);
        this.routes.delete(event.data.routeId);
        break;
      default:
        this.tracker.advance(recorded.position);
        return;
    }
    this.tracker.advance(recorded.position);
  }

  private unindex(routeId: string): void {
    const existing = this.routes.get(routeId);
    if (!existing) return;
    if (this.byPathBase.get(existing.pathBase) === routeId)
      this.byPathBase.delete(existing.pathBase);
    if (existing.subdomain && this.bySubdomain.get(existing.subdomain) === routeId)
      this.bySubdomain.delete(existing.subdomain);
  }

  get position(): bigint {
    return this.tracker.position;
  }

  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    return this.tracker.waitFor(position, timeoutMs);
  }

  pathBaseOwner(pathBase: string): string | undefined {
    return this.byPathBase.get(pathBase);
  }

  subdomainOwner(subdomain: string): string | undefined {
    return this.bySubdomain.get(subdomain);
  }

  route(routeId: string): RouteSpec | undefined {
    return this.routes.get(routeId);
  }

  app(appId: string): AppSpec | undefined {
    return this.apps.get(appId);
  }

  routesOfApp(appId: string): RouteSpec[] {
    return [...this.routes.values()].filter((r) => r.appId === appId);
  }

  /** Every route, in no particular order. */
  allRoutes(): RouteSpec[] {
    return [...this.routes.values()];
  }

  /** Registered apps (routes are {@link size}). */
  get appCount(): number {
    return this.apps.size;
  }

  get size(): number {
    return this.routes.size;
  }

  /**
   * The route whose path base is the longest prefix of `path` on a segment boundary. Path
   * bases end with "/", so `/apps/x/` serves `/apps/x/...`; `/apps/x` itself matches too (the
   * data plane redirects it to the slash form).
   */
  match(path: string): RouteSpec | undefined {
    let candidate = path.endsWith('/') ? path : `${path}/`;
    while (candidate.length > 1) {
      const id = this.byPathBase.get(candidate);
      if (id) return this.routes.get(id);
      const cut = candidate.lastIndexOf('/', candidate.length - 2);
      if (cut < 0) return undefined;
      candidate = candidate.slice(0, cut + 1);
    }
    return undefined;
  }
}
