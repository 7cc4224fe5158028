import { Inject } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { AppNotFound, RouteNotFound } from '../domain';
import {
  ROUTING_READ,
  type AppRecord,
  type RouteRecord,
  type RoutingReadPort,
} from './routing-read.port';

export class ListAppsQuery extends Query<AppRecord[]> {}
export class GetAppQuery extends Query<AppRecord> {
  constructor(readonly appId: string) {
    super();
  }
}
export class ListRoutesQuery extends Query<RouteRecord[]> {
  constructor(readonly appId?: string) {
    super();
  }
}
export class GetRouteQuery extends Query<RouteRecord> {
  constructor(readonly routeId: string) {
    super();
  }
}

@QueryHandler(ListAppsQuery)
export class ListAppsHandler implements IQueryHandler<ListAppsQuery, AppRecord[]> {
  constructor(@Inject(ROUTING_READ) private readonly read: RoutingReadPort) {}
  execute() {
    return this.read.listApps();
  }
}

@QueryHandler(GetAppQuery)
export class GetAppHandler implements IQueryHandler<GetAppQuery, AppRecord> {
  constructor(@Inject(ROUTING_READ) private readonly read: RoutingReadPort) {}
  async execute(q: GetAppQuery) {
    const found = await this.read.getApp(q.appId);
    if (!found) throw new AppNotFound(q.appId);
    return found;
  }
}

@QueryHandler(ListRoutesQuery)
export class ListRoutesHandler implements IQueryHandler<ListRoutesQuery, RouteRecord[]> {
  constructor(@Inject(ROUTING_READ) private readonly read: RoutingReadPort) {}
  execute(q: ListRoutesQuery) {
    return this.read.listRoutes(q.appId ? { appId: q.appId } : {});
  }
}

@QueryHandler(GetRouteQuery)
export class GetRouteHandler implements IQueryHandler<GetRouteQuery, RouteRecord> {
  constructor(@Inject(ROUTING_READ) private readonly read: RoutingReadPort) {}
  async execute(q: GetRouteQuery) {
    const found = await this.read.getRoute(q.routeId);
    if (!found) throw new RouteNotFound(q.routeId);
    return found;
  }
}

export const ROUTING_QUERY_HANDLERS = [
  ListAppsHandler,
  GetAppHandler,
  ListRoutesHandler,
  GetRouteHandler,
];
