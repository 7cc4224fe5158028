import { Module } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '#libs/event-store';
import {
  PROJECTION_RUNNER,
  READ_MODEL_DATABASE,
  type ProjectionRunner,
  type ReadModelDatabase,
} from '#libs/projections';
import { ActivityFeed } from './application/activity-feed';
import { ActivityController } from './interface/activity.controller';

/** GET /api/v1/activity/recent over the `activity_feed` read model. */
@Module({
  controllers: [ActivityController],
  providers: [
    {
      provide: ActivityFeed,
      inject: [READ_MODEL_DATABASE, PROJECTION_RUNNER, EVENT_STORE],
      useFactory: (db: ReadModelDatabase, runner: ProjectionRunner, store: EventStore) =>
        // Read-your-writes: the feed shows everything recorded before the read (waits ≤ 1 s).
        new ActivityFeed(db.dataSource, async () => {
          await runner.waitFor(await store.headPosition(), 1000);
        }),
    },
  ],
  exports: [ActivityFeed],
})
export class ActivityModule {}
