import { Controller, Get, Inject, Res, type Type } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { LiveConfig } from '#libs/config';
import { NoRateLimit, Public } from '#libs/http';
import { DomainError } from '#libs/kernel';
import { GatewayMetrics } from './gateway-metrics';

/**
 * The exposition at `metrics.path` (read once at start). Public, as in Nekzus; answers 404
 * while `metrics.enabled` is off, which a reload can change.
 */
export function metricsController(path: string): Type {
  @Controller()
  @Public()
  @NoRateLimit()
  class MetricsController {
    constructor(
      @Inject(GatewayMetrics) private readonly metrics: GatewayMetrics,
      @Inject(LiveConfig) private readonly live: LiveConfig,
    ) {}

    @Get(path)
    async scrape(@Res({ passthrough: true }) res: ServerResponse): Promise<string> {
      if (!this.live.current.metrics.enabled)
        throw new DomainError('NOT_FOUND', 'not_found', 'metrics are turned off (metrics.enabled)');
      res.setHeader('content-type', this.metrics.contentType);
      res.setHeader('cache-control', 'no-store');
      return this.metrics.render();
    }
  }
  return MetricsController;
}
