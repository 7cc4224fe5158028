import { Module, type DynamicModule } from '@nestjs/common';
import { metricsController } from './metrics.controller';

/** Serves the metrics at `path`. Expects the GatewayMetrics instance from the composition root. */
@Module({})
export class MetricsModule {
  static register(path: string): DynamicModule {
    return { module: MetricsModule, controllers: [metricsController(path)] };
  }
}
