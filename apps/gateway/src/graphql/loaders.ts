import DataLoader from 'dataloader';
import type { QueryBus } from '@nestjs/cqrs';
import { ListAppsQuery, ListRoutesQuery, type AppRecord, type RouteRecord } from '#libs/routing';

/**
 * Batching for one GraphQL operation: the apps of any number of routes are one read of the
 * apps read model, and the routes of any number of apps one read of the routes read model,
 * through the same queries REST runs (not N lookups, one per parent).
 */
export interface Loaders {
  app: DataLoader<string, AppRecord | undefined>;
  routesOfApp: DataLoader<string, RouteRecord[]>;
}

export function createLoaders(queries: QueryBus): Loaders {
  return {
    app: new DataLoader(async (ids: readonly string[]) => {
      const apps = await queries.execute(new ListAppsQuery());
      const byId = new Map(apps.map((a) => [a.app.id, a]));
      return ids.map((id) => byId.get(id));
    }),
    routesOfApp: new DataLoader(async (appIds: readonly string[]) => {
      const routes = await queries.execute(new ListRoutesQuery());
      return appIds.map((id) => routes.filter((r) => r.route.appId === id));
    }),
  };
}
