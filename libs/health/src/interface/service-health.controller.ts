import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { RequireScope } from '#libs/http';
import type { ServerResponse } from 'node:http';
import { ServiceHealth, type ServiceHealthReport } from '../application/service-health';

/** Nekzus's body (contract B §7.2) plus `latencyMs` and `checks`. */
interface ServiceHealthBody {
  appId: string;
  status: string;
  checks: string;
  lastCheckTime?: string;
  lastSuccessTime?: string;
  consecutiveFailures: number;
  latencyMs?: number;
  message?: string;
}

@Controller('api/v1/services')
export class ServiceHealthController {
  constructor(@Inject(ServiceHealth) private readonly health: ServiceHealth) {}

  /** 503 while the app is unhealthy, so a plain HTTP monitor can watch it too. */
  @Get(':appId/health')
  @RequireScope('read:catalog')
  report(
    @Param('appId') appId: string,
    @Res({ passthrough: true }) res: ServerResponse,
  ): ServiceHealthBody {
    const report = this.health.report(appId);
    res.statusCode = report.status === 'unhealthy' ? 503 : 200;
    res.setHeader('X-Health-Status', report.status);
    if (report.lastCheckTime) res.setHeader('X-Last-Check', report.lastCheckTime.toISOString());
    res.setHeader('X-Consecutive-Failures', String(report.consecutiveFailures));
    res.setHeader('Cache-Control', 'no-cache');
    return bodyOf(report);
  }
}

function bodyOf(r: ServiceHealthReport): ServiceHealthBody {
  return {
    appId: r.appId,
    status: r.status,
    checks: r.checks,
    ...(r.lastCheckTime ? { lastCheckTime: r.lastCheckTime.toISOString() } : {}),
    ...(r.lastSuccessTime ? { lastSuccessTime: r.lastSuccessTime.toISOString() } : {}),
    consecutiveFailures: r.consecutiveFailures,
    ...(r.latencyMs !== undefined ? { latencyMs: r.latencyMs } : {}),
    ...(r.message !== undefined ? { message: r.message } : {}),
  };
}
