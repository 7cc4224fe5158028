import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EVENT_STORE } from '#libs/event-store';
import { ConfigModule } from '#libs/config';
import { ErrorFilter } from '#libs/http';
import { PROJECTION_RUNNER, READ_MODEL_DATABASE } from '#libs/projections';
import { CONSISTENCY, RouteTable, RoutingModule } from '#libs/routing';
import type { Infrastructure } from './composition';
import { HealthController } from './health.controller';

/** Hands the opened infrastructure to every context module. */
@Global()
@Module({})
class InfrastructureModule {
  static register(infra: Infrastructure): DynamicModule {
    const providers = [
      { provide: EVENT_STORE, useValue: infra.store },
      { provide: READ_MODEL_DATABASE, useValue: infra.readModels },
      { provide: PROJECTION_RUNNER, useValue: infra.runner },
      { provide: CONSISTENCY, useValue: infra.runner },
      { provide: RouteTable, useValue: infra.routeTable },
    ];
    return { module: InfrastructureModule, providers, exports: providers.map((p) => p.provide) };
  }
}

@Module({})
export class AppModule {
  static register(infra: Infrastructure): DynamicModule {
    return {
      module: AppModule,
      imports: [InfrastructureModule.register(infra), RoutingModule, ConfigModule],
      controllers: [HealthController],
      providers: [{ provide: APP_FILTER, useClass: ErrorFilter }],
    };
  }
}
