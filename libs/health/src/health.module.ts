import { Module } from '@nestjs/common';
import { ServiceHealthController } from './interface/service-health.controller';

/** GET /api/v1/services/{appId}/health. Expects the ServiceHealth instance from the composition root. */
@Module({ controllers: [ServiceHealthController] })
export class HealthModule {}
