import Database from 'better-sqlite3';
import { SchemaRegistry, SqliteEventStore } from '#libs/event-store';
import { ReadModelDatabase, rebuildProjection } from '#libs/projections';
import { readModelContributions } from '../apps/gateway/src/composition';
import { runMeasuredChild } from './support/child';

/**
 * Rebuilds the routing read model from an events file in a process of its own. `projection` is
 * the real path (rebuildProjection, TypeORM's better-sqlite3 driver, RoutingProjection);
 * `bare` does the same SQL with prepared better-sqlite3 statements on raw rows, the floor.
 */
export interface RebuildTask {
  mode: 'projection' | 'bare';
  eventsPath: string;
  schemasDir: string;
  readModelsPath: string;
}

export interface RebuildResult {
  events: number;
  routes: number;
  seconds: number;
  peakRssMB: number;
  longestBlockMs: number;
}

type Rebuilt = Pick<RebuildResult, 'events' | 'routes' | 'seconds'>;

/** Times rebuildProjection alone; opening the databases and running migrations is not counted. */
async function rebuildWithProjection(task: RebuildTask): Promise<Rebuilt> {
  const store = SqliteEventStore.open({
    path: task.eventsPath,
    schemas: SchemaRegistry.fromDirectory(task.schemasDir),
    readonly: true,
  });
  const contributions = readModelContributions();
  const db = await ReadModelDatabase.open(task.readModelsPath, contributions);
  try {
    const projection = contributions
      .flatMap((c) => c.projections)
      .find((p) => p.name === 'routing');
    if (!projection) throw new Error('no routing projection among the read-model contributions');
    const started = performance.now();
    const { events } = await rebuildProjection(store, db, projection);
    const seconds = (performance.now() - started) / 1000;
    const rows = await db.manager.query<{ n: number }[]>('SELECT count(*) AS n FROM routes');
    return { events, routes: rows[0]?.n ?? 0, seconds };
  } finally {
    await db.close();
    await store.close();
  }
}

type BareRow = [number, string, string, string];

function rebuildBare(task: RebuildTask): Rebuilt {
  const events = new Database(task.eventsPath, { readonly: true, fileMustExist: true });
  const db = new Database(task.readModelsPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE routes (
    route_id varchar PRIMARY KEY NOT NULL, app_id varchar NOT NULL, path_base varchar NOT NULL,
    subdomain varchar NOT NULL, spec text NOT NULL, created_at varchar NOT NULL,
    updated_at varchar NOT NULL, position integer NOT NULL)`);
  const insert = db.prepare(
    `INSERT INTO routes (route_id, app_id, path_base, subdomain, spec, created_at, updated_at, position)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(route_id) DO UPDATE SET app_id = excluded.app_id, path_base = excluded.path_base,
       subdomain = excluded.subdomain, spec = excluded.spec, created_at = excluded.created_at,
       updated_at = excluded.updated_at, position = excluded.position`,
  );
  const update = db.prepare(
    'UPDATE routes SET app_id = ?, path_base = ?, subdomain = ?, spec = ?, updated_at = ?, position = ? WHERE route_id = ?',
  );
  type Route = { routeId: string; appId: string; pathBase: string; subdomain: string };
  let count = 0;
  try {
    const started = performance.now();
    db.transaction(() => {
      const rows = events
        .prepare('SELECT position, type, data, recorded_at FROM events ORDER BY position')
        .raw(true)
        .iterate() as IterableIterator<BareRow>;
      for (const [position, type, data, recordedAt] of rows) {
        count += 1;
        const at = new Date(recordedAt).toISOString();
        const { route } = JSON.parse(data) as { route: Route };
        const spec = JSON.stringify(route);
        if (type === 'RouteAdded')
          insert.run(
            route.routeId,
            route.appId,
            route.pathBase,
            route.subdomain,
            spec,
            at,
            at,
            position,
          );
        else if (type === 'RouteChanged')
          update.run(
            route.appId,
            route.pathBase,
            route.subdomain,
            spec,
            at,
            position,
            route.routeId,
          );
      }
    })();
    const seconds = (performance.now() - started) / 1000;
    const routes = (db.prepare('SELECT count(*) AS n FROM routes').get() as { n: number }).n;
    return { events: count, routes, seconds };
  } finally {
    db.close();
    events.close();
  }
}

runMeasuredChild<RebuildTask, Awaited<ReturnType<typeof rebuildBare>>, RebuildResult>(
  (task) => (task.mode === 'projection' ? rebuildWithProjection(task) : rebuildBare(task)),
  (_task, { events, routes, seconds }, measured) => ({ events, routes, seconds, ...measured }),
);
