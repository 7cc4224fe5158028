import { Controller, Get, Inject, Req, Res, type Type } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorize, Authenticator } from '#libs/access';
import { LiveConfig } from '#libs/config';
import { NoRateLimit, Public } from '#libs/http';
import { DomainError } from '#libs/kernel';
import { GatewayMetrics } from './gateway-metrics';

/**
 * The exposition at `metrics.path` (read once at start). Public, as in Nekzus, unless
 * `metrics.require_auth`; answers 404 while `metrics.enabled` is off. Both follow reloads.
 */
export function metricsController(path: string): Type {
  @Controller()
  @Public()
  @NoRateLimit()
  class MetricsController {
    constructor(
      @Inject(GatewayMetrics) private readonly metrics: GatewayMetrics,
      @Inject(LiveConfig) private readonly live: LiveConfig,
      @Inject(Authenticator) private readonly authenticator: Authenticator,
    ) {}

    @Get(path)
    async scrape(
      @Req() req: IncomingMessage,
      @Res({ passthrough: true }) res: ServerResponse,
    ): Promise<string> {
      if (!this.live.current.metrics.enabled)
        throw new DomainError('NOT_FOUND', 'not_found', 'metrics are turned off (metrics.enabled)');
      if (this.live.current.metrics.require_auth)
        authorize(await this.authenticator.authenticate(req), 'read:metrics');
      res.setHeader('content-type', this.metrics.contentType);
      res.setHeader('cache-control', 'no-store');
      return this.metrics.render();
    }
  }
  return MetricsController;
}
