import type { RecordedEvent } from '#libs/event-store';
import type { EntityManager, MigrationInterface, EntitySchema } from 'typeorm';

/**
 * A durable projection: a named consumer of `$all` whose rows and checkpoint are written in
 * one transaction. `apply` ignores the events it does not care about.
 */
export interface ReadModelProjection {
  readonly name: string;
  /** Tables this projection owns: emptied on rebuild, dumped when comparing rebuild with live. */
  readonly tables: readonly string[];
  apply(event: RecordedEvent, manager: EntityManager): Promise<void>;
  /**
   * Optional fast path for a rebuild into empty tables: fold every event, then write the
   * result. Must leave exactly the rows `apply` would (tested: rebuild equals live).
   */
  rebuild?(events: AsyncIterable<RecordedEvent>, manager: EntityManager): Promise<void>;
}

/** What a bounded context adds to the read-model database. */
export interface ReadModelContribution {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: (Function | EntitySchema)[];
  migrations: (new () => MigrationInterface)[];
  projections: ReadModelProjection[];
}
