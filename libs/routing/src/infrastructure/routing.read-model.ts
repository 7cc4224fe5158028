import type { ReadModelContribution } from '#libs/projections';
import { AppRow, RouteRow } from './routing.entities';
import { RoutingReadModels1732500000100 } from './routing.migrations';
import { RoutingProjection } from './routing.projection';

export function routingReadModel(): ReadModelContribution {
  return {
    entities: [AppRow, RouteRow],
    migrations: [RoutingReadModels1732500000100],
    projections: [new RoutingProjection()],
  };
}
