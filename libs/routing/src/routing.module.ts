import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { READ_MODEL_DATABASE, type ReadModelDatabase } from '#libs/projections';
import { ROUTING_COMMAND_HANDLERS } from './application/routing-command.handlers';
import { ROUTING_QUERY_HANDLERS } from './application/routing.queries';
import { ROUTING_READ } from './application/routing-read.port';
import { RoutingWriter } from './application/routing-writer';
import { RoutingReadRepository } from './infrastructure/routing.read-repository';
import { AppsController } from './interface/apps.controller';
import { RoutesController } from './interface/routes.controller';

/**
 * Apps and routes. Expects EVENT_STORE, READ_MODEL_DATABASE, CONSISTENCY and the RouteTable
 * instance from the composition root (global providers).
 */
@Module({
  imports: [CqrsModule],
  controllers: [RoutesController, AppsController],
  providers: [
    RoutingWriter,
    ...ROUTING_COMMAND_HANDLERS,
    ...ROUTING_QUERY_HANDLERS,
    {
      provide: ROUTING_READ,
      inject: [READ_MODEL_DATABASE],
      useFactory: (db: ReadModelDatabase) => new RoutingReadRepository(db.dataSource),
    },
  ],
})
export class RoutingModule {}
