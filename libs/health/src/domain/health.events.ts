import type { DomainEvent } from '#libs/kernel';

/** What the gateway knows about an app's health: nothing yet, or the last verdict of its probes. */
export type HealthStatus = 'unknown' | 'healthy' | 'unhealthy';

/** Who the transition is about, as it was when it happened (notifications show these). */
export interface HealthSubject {
  appId: string;
  appName: string;
  /** The route whose target was probed. */
  routeId: string;
  proxyPath: string;
}

/** Probes succeeded often enough in a row to call the app healthy. */
export type ServiceBecameHealthy = DomainEvent<
  'ServiceBecameHealthy',
  HealthSubject & { previous: 'unknown' | 'unhealthy'; latencyMs: number }
>;

/** Probes failed often enough in a row to call the app unhealthy; `reason` is the last failure. */
export type ServiceBecameUnhealthy = DomainEvent<
  'ServiceBecameUnhealthy',
  HealthSubject & { previous: 'unknown' | 'healthy'; reason: string; consecutiveFailures: number }
>;

export type HealthEvent = ServiceBecameHealthy | ServiceBecameUnhealthy;

export const HEALTH_EVENT_TYPES = ['ServiceBecameHealthy', 'ServiceBecameUnhealthy'] as const;

export const healthStream = (appId: string) => `health-${appId}`;
