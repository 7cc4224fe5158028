import type { RecordedEvent } from '#libs/event-store';
import type { ReadModelProjection } from '#libs/projections';
import type { EntityManager } from 'typeorm';
import type { RoutingEvent } from '../domain';

/** The `apps` and `routes` read models behind GET /api/v1/apps and /api/v1/routes. */
export class RoutingProjection implements ReadModelProjection {
  readonly name = 'routing';
  readonly tables = ['apps', 'routes'] as const;

  async apply(recorded: RecordedEvent, m: EntityManager): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as RoutingEvent;
    const at = recorded.recordedAt.toISOString();
    const position = Number(recorded.position);
    switch (event.type) {
      case 'AppRegistered': {
        const { app } = event.data;
        await m.query(
          `INSERT INTO apps (id, name, spec, created_at, updated_at, position) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET name = excluded.name, spec = excluded.spec, created_at = excluded.created_at,
             updated_at = excluded.updated_at, position = excluded.position`,
          [app.id, app.name, JSON.stringify(app), at, at, position],
        );
        return;
      }
      case 'AppUpdated':
        await m.query(
          `UPDATE apps SET name = ?, spec = ?, updated_at = ?, position = ? WHERE id = ?`,
          [event.data.app.name, JSON.stringify(event.data.app), at, position, event.data.appId],
        );
        return;
      case 'AppRemoved':
        await m.query(`DELETE FROM apps WHERE id = ?`, [event.data.appId]);
        return;
      case 'RouteAdded': {
        const { route } = event.data;
        await m.query(
          `INSERT INTO routes (route_id, app_id, path_base, subdomain, spec, created_at, updated_at, position)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(route_id) DO UPDATE SET app_id = excluded.app_id, path_base = excluded.path_base,
             subdomain = excluded.subdomain, spec = excluded.spec, created_at = excluded.created_at,
             updated_at = excluded.updated_at, position = excluded.position`,
          [
            route.routeId,
            route.appId,
            route.pathBase,
            route.subdomain,
            JSON.stringify(route),
            at,
            at,
            position,
          ],
        );
        return;
      }
      case 'RouteChanged': {
        const { route } = event.data;
        await m.query(
          `UPDATE routes SET app_id = ?, path_base = ?, subdomain = ?, spec = ?, updated_at = ?, position = ? WHERE route_id = ?`,
          [
            route.appId,
            route.pathBase,
            route.subdomain,
            JSON.stringify(route),
            at,
            position,
            route.routeId,
          ],
        );
        return;
      }
      case 'RouteRemoved':
        await m.query(`DELETE FROM routes WHERE route_id = ?`, [event.data.routeId]);
        return;
      default:
        return;
    }
  }
}
