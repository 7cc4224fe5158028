import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, type SchemaObject } from '@nestjs/swagger';
import { RequireScope } from '#libs/http';
import type { Dashboard } from '#libs/metrics';
import { StatsService, type AdminInfo, type QuickStats, type Stats } from './stats.service';

const int = { type: 'integer' };
const num = { type: 'number' };
const str = { type: 'string' };
const obj = (properties: Record<string, unknown>, title?: string): SchemaObject => ({
  ...(title ? { title } : {}),
  type: 'object',
  required: Object.keys(properties),
  properties: properties as SchemaObject['properties'],
});
const list = (items: SchemaObject): SchemaObject => ({ type: 'array', items });
const counts: SchemaObject = { type: 'object', additionalProperties: int };

const CARD = obj({ value: int, trend: str, trendUp: { type: 'boolean' } }, 'StatCard');
const STATS_SCHEMA = obj(
  { routes: CARD, devices: CARD, discoveries: CARD, requests: CARD },
  'Stats',
);
const QUICK_SCHEMA = obj(
  {
    servicesTotal: int,
    servicesOnline: int,
    servicesOffline: int,
    devicesTotal: int,
    devicesOnline: int,
    routesTotal: int,
    requestsToday: int,
    avgLatency: { ...num, description: 'Mean time to answer (control plane and proxy), ms.' },
    uptimePercent: num,
  },
  'QuickStats',
);
const INFO_SCHEMA = obj(
  { version: str, nekzusId: str, capabilities: list(str), buildDate: str },
  'AdminInfo',
);
const DASHBOARD_SCHEMA = obj(
  {
    http: obj({
      totalRequests: int,
      requestsPerSec: { ...num, description: 'Mean since start (Nekzus: always 0).' },
      errorRate: { ...num, description: 'Percent of responses that were 5xx.' },
      avgLatencyMs: num,
      p50LatencyMs: num,
      p95LatencyMs: num,
      p99LatencyMs: num,
      inFlightRequests: int,
      byStatus: counts,
      byMethod: counts,
      topPaths: list(obj({ path: str, count: int, avgMs: num, errorPct: num })),
    }),
    proxy: obj({
      totalRequests: int,
      activeSessions: { ...int, description: 'WebSocket tunnels open.' },
      bytesIn: int,
      bytesOut: int,
      upstreamErrors: int,
      avgLatencyMs: num,
      byApp: list(
        obj({
          appId: str,
          routeId: str,
          requests: int,
          errors: int,
          avgMs: num,
          bytesIn: int,
          bytesOut: int,
        }),
      ),
    }),
    websocket: obj({ activeConnections: int, clientsConnected: int }),
    auth: obj({
      pairingSuccess: int,
      tokenRefreshes: int,
      adminSignIns: int,
      adminSignInFailures: int,
    }),
    discovery: obj({
      totalProposals: int,
      pendingProposals: int,
      bySource: list(obj({ source: str, proposals: int, pending: int })),
    }),
    health: obj({
      uptimePercent: num,
      totalChecks: int,
      healthyChecks: int,
      serviceStatus: list(
        obj({
          appId: str,
          status: { ...int, description: '0 unknown, 1 healthy, 2 unhealthy.' },
          checkMs: num,
        }),
      ),
    }),
    system: obj({
      uptimeSeconds: int,
      startTime: { ...str, format: 'date-time' },
      configReloads: int,
      eventsAppended: int,
      eventStoreHead: int,
      projections: list(obj({ projection: str, lag: int, state: str })),
    }),
  },
  'MetricsDashboard',
);

/** Nekzus's stats endpoints (contract A §1.7), read from projections and the metrics registry. */
@ApiTags('stats')
@Controller('api/v1')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('stats')
  @RequireScope('read:metrics')
  @ApiOperation({ summary: 'Dashboard cards: routes, devices, discoveries, requests' })
  @ApiOkResponse({ description: 'The cards.', schema: STATS_SCHEMA })
  cards(): Promise<Stats> {
    return this.stats.stats();
  }

  @Get('stats/quick')
  @RequireScope('read:metrics')
  @ApiOperation({
    summary: 'Quick numbers for the phone app',
    description:
      '`servicesOnline`/`servicesOffline` come from recorded health (Nekzus: always all online).',
  })
  @ApiOkResponse({ description: 'The numbers.', schema: QUICK_SCHEMA })
  quick(): Promise<QuickStats> {
    return this.stats.quick();
  }

  @Get('metrics/dashboard')
  @RequireScope('read:metrics')
  @ApiOperation({
    summary: 'Metrics summary for dashboards',
    description:
      "Derived from the same registry as /metrics. Nekzus's sections and names where this " +
      'gateway measures the figure; figures it does not measure are left out, not sent as 0.',
  })
  @ApiOkResponse({ description: 'The summary.', schema: DASHBOARD_SCHEMA })
  dashboard(): Promise<Dashboard> {
    return this.stats.dashboard();
  }

  @Get('admin/info')
  @RequireScope('read:catalog')
  @ApiOperation({ summary: 'Version, instance id and capabilities of this gateway' })
  @ApiOkResponse({ description: 'The information.', schema: INFO_SCHEMA })
  info(): AdminInfo {
    return this.stats.info();
  }
}
