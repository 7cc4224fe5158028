import type { NekzusConfig } from '#libs/config';
import { DomainError } from '#libs/kernel';
import type { RouteSpec } from '#libs/routing';
import type { HealthStatus } from '../domain';
import { planCheck, type CheckPlan } from './check-settings';
import type { HealthChecker } from './health-checker';
import type { ServiceHealthProjection } from './service-health.projection';

export class ServiceNotFound extends DomainError {
  constructor(appId: string) {
    super('SERVICE_NOT_FOUND', 'not_found', `no app or route with id "${appId}"`);
  }
}

/** Whether an app is probed, and if not, why. */
export type CheckState = 'on' | Exclude<CheckPlan, { kind: 'check' }>['reason'];

export interface ServiceHealthReport {
  appId: string;
  status: HealthStatus;
  checks: CheckState;
  lastCheckTime?: Date;
  lastSuccessTime?: Date;
  consecutiveFailures: number;
  latencyMs?: number;
  message?: string;
}

const MESSAGES: Record<Exclude<CheckState, 'on'>, string> = {
  disabled: 'health checks are disabled (health_checks.enabled)',
  skipped: 'health checks are skipped for this app',
  'no-route': 'no route found for service',
  'invalid-target': 'the route target is not an http or https URL',
};

/**
 * What the rest of the gateway asks about app health: the endpoint's report, the proxy's
 * gate, the apps list and the metrics. Reads the projection (recorded transitions) and the
 * checker (the results since start); writes nothing.
 */
export class ServiceHealth {
  constructor(
    private readonly projection: ServiceHealthProjection,
    private readonly checker: HealthChecker,
    private readonly config: () => NekzusConfig,
  ) {}

  /**
   * The proxy's gate: refuse only an app that is probed and recorded unhealthy. An app never
   * probed, skipped, or with checks turned off is always let through.
   */
  refuses(route: RouteSpec): boolean {
    if (this.projection.statusOf(route.appId) !== 'unhealthy') return false;
    return this.plan(route.appId).kind === 'check';
  }

  report(appId: string): ServiceHealthReport {
    if (!this.projection.isKnownApp(appId)) throw new ServiceNotFound(appId);
    const plan = this.plan(appId);
    if (plan.kind === 'off')
      return {
        appId,
        status: plan.reason === 'skipped' ? 'healthy' : 'unknown',
        checks: plan.reason,
        consecutiveFailures: 0,
        message: MESSAGES[plan.reason],
      };
    const status = this.projection.statusOf(appId);
    const record = this.checker.record(appId);
    const message =
      record?.lastError ??
      this.projection.recorded(appId)?.reason ??
      (record?.lastCheckAt === undefined && status === 'unknown'
        ? 'No health check data available'
        : undefined);
    return {
      appId,
      status,
      checks: 'on',
      ...(record?.lastCheckAt !== undefined ? { lastCheckTime: new Date(record.lastCheckAt) } : {}),
      ...(record?.lastSuccessAt !== undefined
        ? { lastSuccessTime: new Date(record.lastSuccessAt) }
        : {}),
      consecutiveFailures: record?.streak.failures ?? 0,
      ...(record?.latencyMs !== undefined ? { latencyMs: Math.round(record.latencyMs) } : {}),
      ...(message !== undefined ? { message } : {}),
    };
  }

  /** For the apps list: the status of a probed app and when it was last checked. */
  summary(appId: string): { status: HealthStatus; lastCheck?: Date } | undefined {
    if (this.plan(appId).kind !== 'check') return undefined;
    const lastCheckAt = this.checker.record(appId)?.lastCheckAt;
    return {
      status: this.projection.statusOf(appId),
      ...(lastCheckAt !== undefined ? { lastCheck: new Date(lastCheckAt) } : {}),
    };
  }

  /** Every probed app with its recorded status, for the metrics. */
  statuses(): { appId: string; status: HealthStatus }[] {
    const out: { appId: string; status: HealthStatus }[] = [];
    for (const appId of this.projection.routesByApp().keys())
      if (this.plan(appId).kind === 'check')
        out.push({ appId, status: this.projection.statusOf(appId) });
    return out.sort((a, b) => (a.appId < b.appId ? -1 : 1));
  }

  private plan(appId: string): CheckPlan {
    return planCheck(appId, this.projection.routesOf(appId), this.config().health_checks);
  }
}
