import { statSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { ACCESS_CLOCK } from '#libs/access';
import { PROPOSAL_DIRECTORY, type ProposalDirectory } from '#libs/discovery';
import { ServiceHealth } from '#libs/health';
import { GatewayMetrics, type Dashboard } from '#libs/metrics';
import {
  CAPABILITIES,
  DEVICE_DIRECTORY,
  PAIRING_SETTINGS,
  type DeviceDirectory,
  type PairingSettings,
} from '#libs/pairing';
import { RouteTable } from '#libs/routing';

/** A device counts as online when it was seen this recently (Nekzus: five minutes). */
export const ONLINE_WINDOW_MS = 5 * 60_000;

export interface StatCard {
  value: number;
  trend: string;
  trendUp: boolean;
}

export interface Stats {
  routes: StatCard;
  devices: StatCard;
  discoveries: StatCard;
  requests: StatCard;
}

export interface QuickStats {
  servicesTotal: number;
  servicesOnline: number;
  servicesOffline: number;
  devicesTotal: number;
  devicesOnline: number;
  routesTotal: number;
  requestsToday: number;
  avgLatency: number;
  uptimePercent: number;
}

export interface AdminInfo {
  version: string;
  nekzusId: string;
  capabilities: string[];
  buildDate: string;
}

/** When this build was made: the compiled file's own date (YYYY-MM-DD). */
function buildDateOf(file: string): string {
  try {
    return statSync(file).mtime.toISOString().slice(0, 10);
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

export const GATEWAY_START = Symbol('GATEWAY_START');
export const GATEWAY_BUILD = Symbol('GATEWAY_BUILD');

/**
 * Nekzus's dashboard numbers (contract A §1.7), read from the projections and the metrics
 * registry at call time. Where Nekzus hard-codes a figure (`servicesOnline` = total,
 * `servicesOffline` = 0) the recorded health is used instead.
 */
@Injectable()
export class StatsService {
  private readonly buildDate = buildDateOf(__filename);

  constructor(
    private readonly routes: RouteTable,
    @Inject(DEVICE_DIRECTORY) private readonly devices: DeviceDirectory,
    @Inject(PROPOSAL_DIRECTORY) private readonly proposals: ProposalDirectory,
    private readonly health: ServiceHealth,
    private readonly metrics: GatewayMetrics,
    @Inject(PAIRING_SETTINGS) private readonly pairing: PairingSettings,
    @Inject(ACCESS_CLOCK) private readonly clock: () => number,
    @Inject(GATEWAY_START) private readonly startedAt: number,
    @Inject(GATEWAY_BUILD) private readonly build: { version: string },
  ) {}

  private onlineDevices(): number {
    const since = this.clock() - ONLINE_WINDOW_MS;
    return this.devices.list().filter((d) => d.lastSeen.getTime() >= since).length;
  }

  dashboard(): Promise<Dashboard> {
    return this.metrics.dashboard({
      startedAt: this.startedAt,
      now: this.clock(),
      appOfRoute: (id) => this.routes.route(id)?.appId,
    });
  }

  async stats(): Promise<Stats> {
    const d = await this.dashboard();
    const routes = this.routes.size;
    const devices = this.devices.list().length;
    const online = this.onlineDevices();
    const proposals = this.proposals.list();
    const pending = proposals.filter((p) => p.status === 'pending').length;
    const requests = d.http.totalRequests + d.proxy.totalRequests;
    return {
      routes: { value: routes, trend: `${routes} active`, trendUp: routes > 0 },
      devices: {
        value: devices,
        trend:
          online > 0 ? `${online} online now` : devices > 0 ? `${devices} paired` : 'No devices',
        trendUp: online > 0,
      },
      discoveries: {
        value: proposals.length,
        trend: pending > 0 ? `${pending} pending review` : 'No pending',
        trendUp: false,
      },
      requests: {
        value: requests,
        trend: requests > 0 ? `${requests} total` : 'No data',
        trendUp: requests > 0,
      },
    };
  }

  async quick(): Promise<QuickStats> {
    const d = await this.dashboard();
    const statuses = this.health.statuses();
    const unhealthy = new Set(statuses.filter((s) => s.status === 'unhealthy').map((s) => s.appId));
    const servicesTotal = this.routes.appCount;
    const devices = this.devices.list();
    const observed = d.http.totalRequests + d.proxy.totalRequests;
    const avgLatency =
      observed === 0
        ? 0
        : Math.round(
            ((d.http.avgLatencyMs * d.http.totalRequests +
              d.proxy.avgLatencyMs * d.proxy.totalRequests) /
              observed) *
              100,
          ) / 100;
    return {
      servicesTotal,
      servicesOnline: Math.max(0, servicesTotal - unhealthy.size),
      servicesOffline: unhealthy.size,
      devicesTotal: devices.length,
      devicesOnline: this.onlineDevices(),
      routesTotal: this.routes.size,
      requestsToday: devices.reduce((n, dev) => n + this.devices.requestsTodayOf(dev), 0),
      avgLatency,
      uptimePercent: d.health.uptimePercent,
    };
  }

  info(): AdminInfo {
    return {
      version: this.build.version,
      nekzusId: this.pairing.nekzusId,
      capabilities: [...CAPABILITIES],
      buildDate: this.buildDate,
    };
  }
}
