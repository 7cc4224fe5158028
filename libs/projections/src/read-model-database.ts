import { Mutex } from '#libs/kernel';
import { DataSource, type EntityManager } from 'typeorm';
import { ProjectionCheckpoints1732500000000 } from './checkpoint.migration';
import type { ReadModelContribution } from './read-model';

/**
 * `<data dir>/read-models.db`: every context's read models plus the projection checkpoints,
 * through TypeORM's better-sqlite3 driver. Schema comes from migrations only. Writes are
 * serialised here because the driver shares one connection.
 */
export class ReadModelDatabase {
  private readonly writes = new Mutex();

  private constructor(readonly dataSource: DataSource) {}

  static async open(
    path: string,
    contributions: readonly ReadModelContribution[],
  ): Promise<ReadModelDatabase> {
    const dataSource = new DataSource({
      type: 'better-sqlite3',
      database: path,
      entities: contributions.flatMap((c) => c.entities),
      migrations: [
        ProjectionCheckpoints1732500000000,
        ...contributions.flatMap((c) => c.migrations),
      ],
      migrationsRun: true,
      migrationsTransactionMode: 'each',
      synchronize: false,
      statementCacheSize: 200,
      timeout: 10_000,
      // Read models are rebuilt from the event store, so a lost last commit costs nothing: NORMAL is enough.
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma('foreign_keys = ON');
      },
      logging: false,
    });
    await dataSource.initialize();
    return new ReadModelDatabase(dataSource);
  }

  /** One write transaction at a time across every projection of this process. */
  write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.writes.run(() => this.dataSource.transaction(work));
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  /** Every row of the given tables in primary-key order, as text: equal dumps mean equal read models. */
  async dump(tables: readonly string[]): Promise<string> {
    const parts: string[] = [];
    for (const table of [...tables].sort()) {
      const rows = await this.dataSource.query<unknown[]>(`SELECT * FROM "${table}" ORDER BY 1`);
      parts.push(`## ${table}\n${rows.map((r) => JSON.stringify(r)).join('\n')}`);
    }
    return parts.join('\n');
  }
}
