import { Module, type DynamicModule } from '@nestjs/common';
import { StatsController } from './stats.controller';
import { GATEWAY_BUILD, GATEWAY_START, StatsService } from './stats.service';

/** `/api/v1/stats`, `/stats/quick`, `/metrics/dashboard` and `/admin/info`. */
@Module({})
export class StatsModule {
  static register(options: { startedAt: number; version: string }): DynamicModule {
    return {
      module: StatsModule,
      controllers: [StatsController],
      providers: [
        StatsService,
        { provide: GATEWAY_START, useValue: options.startedAt },
        { provide: GATEWAY_BUILD, useValue: { version: options.version } },
      ],
      exports: [StatsService],
    };
  }
}
