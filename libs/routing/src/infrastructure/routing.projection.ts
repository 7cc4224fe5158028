import type { RecordedEvent } from '#libs/event-store';
import type { ReadModelProjection } from '#libs/projections';
import type { EntityManager } from 'typeorm';
import { ROUTING_EVENT_TYPES, type AppSpec, type RouteSpec, type RoutingEvent } from '../domain';

const ROUTING_TYPES: ReadonlySet<string> = new Set(ROUTING_EVENT_TYPES);

interface Row {
  id: string;
  appId?: string;
  pathBase?: string;
  subdomain?: string;
  name?: string;
  /** The whole app or route: stored as JSON, written out only when the row is (a rebuild
   * folding a million changes of a thousand routes serialises a thousand, not a million). */
  spec: AppSpec | RouteSpec;
  /** When the row was first made (kept by `update`, which leaves the stored value). */
  createdAt: string;
  updatedAt: string;
  position: number;
}

/** Where the projection's rows go: the database while live, memory during a rebuild. */
interface Rows {
  upsert(table: 'apps' | 'routes', row: Row): Promise<void> | void;
  /** Changes an existing row, keeping its `createdAt`; nothing when there is none. */
  update(table: 'apps' | 'routes', row: Row): Promise<void> | void;
  remove(table: 'apps' | 'routes', id: string): Promise<void> | void;
}

/** What each routing event does to the rows, once, for both the live and the rebuild path. */
async function applyRouting(recorded: RecordedEvent, rows: Rows): Promise<void> {
  // Decide by type first: other contexts' events are skipped without parsing their data.
  if (!ROUTING_TYPES.has(recorded.type)) return;
  const event = { type: recorded.type, data: recorded.data } as RoutingEvent;
  const at = recorded.recordedAt.toISOString();
  const position = Number(recorded.position);
  switch (event.type) {
    case 'AppRegistered':
      return rows.upsert('apps', appRow(event.data.app, at, position));
    case 'AppUpdated':
      return rows.update('apps', appRow(event.data.app, at, position));
    case 'AppRemoved':
      return rows.remove('apps', event.data.appId);
    case 'RouteAdded':
      return rows.upsert('routes', routeRow(event.data.route, at, position));
    case 'RouteChanged':
      return rows.update('routes', routeRow(event.data.route, at, position));
    case 'RouteRemoved':
      return rows.remove('routes', event.data.routeId);
    default:
      return;
  }
}

function appRow(app: AppSpec, at: string, position: number): Row {
  return { id: app.id, name: app.name, spec: app, createdAt: at, updatedAt: at, position };
}

function routeRow(route: RouteSpec, at: string, position: number): Row {
  return {
    id: route.routeId,
    appId: route.appId,
    pathBase: route.pathBase,
    subdomain: route.subdomain,
    spec: route,
    createdAt: at,
    updatedAt: at,
    position,
  };
}

const SQL = {
  apps: {
    upsert: `INSERT INTO apps (id, name, spec, created_at, updated_at, position) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, spec = excluded.spec, created_at = excluded.created_at,
               updated_at = excluded.updated_at, position = excluded.position`,
    update: `UPDATE apps SET name = ?, spec = ?, updated_at = ?, position = ? WHERE id = ?`,
    remove: `DELETE FROM apps WHERE id = ?`,
  },
  routes: {
    upsert: `INSERT INTO routes (route_id, app_id, path_base, subdomain, spec, created_at, updated_at, position)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT(route_id) DO UPDATE SET app_id = excluded.app_id, path_base = excluded.path_base,
               subdomain = excluded.subdomain, spec = excluded.spec, created_at = excluded.created_at,
               updated_at = excluded.updated_at, position = excluded.position`,
    update: `UPDATE routes SET app_id = ?, path_base = ?, subdomain = ?, spec = ?, updated_at = ?, position = ? WHERE route_id = ?`,
    remove: `DELETE FROM routes WHERE route_id = ?`,
  },
};

function insertParams(table: 'apps' | 'routes', r: Row): unknown[] {
  return table === 'apps'
    ? [r.id, r.name, JSON.stringify(r.spec), r.createdAt, r.updatedAt, r.position]
    : [
        r.id,
        r.appId,
        r.pathBase,
        r.subdomain,
        JSON.stringify(r.spec),
        r.createdAt,
        r.updatedAt,
        r.position,
      ];
}

class DatabaseRows implements Rows {
  constructor(private readonly m: EntityManager) {}
  async upsert(table: 'apps' | 'routes', row: Row) {
    await this.m.query(SQL[table].upsert, insertParams(table, row));
  }
  async update(table: 'apps' | 'routes', r: Row) {
    const spec = JSON.stringify(r.spec);
    await this.m.query(
      SQL[table].update,
      table === 'apps'
        ? [r.name, spec, r.updatedAt, r.position, r.id]
        : [r.appId, r.pathBase, r.subdomain, spec, r.updatedAt, r.position, r.id],
    );
  }
  async remove(table: 'apps' | 'routes', id: string) {
    await this.m.query(SQL[table].remove, [id]);
  }
}

/** Folds a whole replay in memory, so a rebuild writes each row once instead of once per event. */
class MemoryRows implements Rows {
  readonly tables = { apps: new Map<string, Row>(), routes: new Map<string, Row>() };
  upsert(table: 'apps' | 'routes', row: Row) {
    this.tables[table].set(row.id, row);
  }
  update(table: 'apps' | 'routes', row: Row) {
    const existing = this.tables[table].get(row.id);
    if (!existing) return;
    row.createdAt = existing.createdAt;
    this.tables[table].set(row.id, row);
  }
  remove(table: 'apps' | 'routes', id: string) {
    this.tables[table].delete(id);
  }
}

/** The `apps` and `routes` read models behind GET /api/v1/apps and /api/v1/routes. */
export class RoutingProjection implements ReadModelProjection {
  readonly name = 'routing';
  readonly tables = ['apps', 'routes'] as const;

  apply(recorded: RecordedEvent, m: EntityManager): Promise<void> {
    return applyRouting(recorded, new DatabaseRows(m));
  }

  async rebuild(events: AsyncIterable<RecordedEvent>, m: EntityManager): Promise<void> {
    const memory = new MemoryRows();
    for await (const event of events) await applyRouting(event, memory);
    for (const table of ['apps', 'routes'] as const)
      for (const row of memory.tables[table].values())
        await m.query(SQL[table].upsert, insertParams(table, row));
  }
}
