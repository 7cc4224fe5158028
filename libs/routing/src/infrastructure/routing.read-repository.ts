import type { DataSource } from 'typeorm';
import { withDefaults, type AppSpec, type RouteSpec } from '../domain';
import type { AppRecord, RouteRecord, RoutingReadPort } from '../application/routing-read.port';

interface RawRow {
  spec: string;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'spec, created_at, updated_at';

/** Reads the routing read models; nothing above this file sees a TypeORM type. */
export class RoutingReadRepository implements RoutingReadPort {
  constructor(private readonly dataSource: DataSource) {}

  async listApps(): Promise<AppRecord[]> {
    const rows = await this.rows(`SELECT ${COLUMNS} FROM apps ORDER BY id`);
    return rows.map(toApp);
  }

  async getApp(id: string): Promise<AppRecord | undefined> {
    const [row] = await this.rows(`SELECT ${COLUMNS} FROM apps WHERE id = ?`, [id]);
    return row && toApp(row);
  }

  async listRoutes(filter: { appId?: string } = {}): Promise<RouteRecord[]> {
    const rows = filter.appId
      ? await this.rows(
          `SELECT ${COLUMNS} FROM routes WHERE app_id = ? ORDER BY path_base, route_id`,
          [filter.appId],
        )
      : await this.rows(`SELECT ${COLUMNS} FROM routes ORDER BY path_base, route_id`);
    return rows.map(toRoute);
  }

  async getRoute(routeId: string): Promise<RouteRecord | undefined> {
    const [row] = await this.rows(`SELECT ${COLUMNS} FROM routes WHERE route_id = ?`, [routeId]);
    return row && toRoute(row);
  }

  private rows(sql: string, params: unknown[] = []): Promise<RawRow[]> {
    return this.dataSource.query<RawRow[]>(sql, params);
  }
}

function toApp(r: RawRow): AppRecord {
  return { app: JSON.parse(r.spec) as AppSpec, createdAt: r.created_at, updatedAt: r.updated_at };
}

function toRoute(r: RawRow): RouteRecord {
  return {
    // Rows written before a field existed show it at its default.
    route: withDefaults(JSON.parse(r.spec) as RouteSpec),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
