import { describe, it } from 'vitest';
import { deciderSpecification } from '#libs/kernel';
import type { HealthEvent } from './health.events';
import { serviceHealthDecider } from './service-health.decider';

const subject = { appId: 'web', appName: 'Web', routeId: 'web', proxyPath: '/apps/web/' };
const healthy = (previous: 'unknown' | 'unhealthy'): HealthEvent => ({
  type: 'ServiceBecameHealthy',
  data: { ...subject, previous, latencyMs: 4 },
});
const unhealthy = (previous: 'unknown' | 'healthy'): HealthEvent => ({
  type: 'ServiceBecameUnhealthy',
  data: { ...subject, previous, reason: 'HTTP 500', consecutiveFailures: 2 },
});

describe('service health decider', () => {
  const spec = deciderSpecification(serviceHealthDecider, undefined);
  const markHealthy = { kind: 'MarkHealthy' as const, subject, latencyMs: 4 };
  const markUnhealthy = {
    kind: 'MarkUnhealthy' as const,
    subject,
    reason: 'HTTP 500',
    consecutiveFailures: 2,
  };

  it('records the first verdict of an app, saying it was unknown before', () => {
    spec
      .given([])
      .when(markHealthy)
      .then([healthy('unknown')]);
    spec
      .given([])
      .when(markUnhealthy)
      .then([unhealthy('unknown')]);
  });

  it('records a change of status with the status it replaces', () => {
    spec
      .given([healthy('unknown')])
      .when(markUnhealthy)
      .then([unhealthy('healthy')]);
    spec
      .given([healthy('unknown'), unhealthy('healthy')])
      .when(markHealthy)
      .then([healthy('unhealthy')]);
  });

  it('records nothing when the verdict repeats the recorded status', () => {
    spec
      .given([healthy('unknown')])
      .when(markHealthy)
      .then([]);
    spec
      .given([healthy('unknown'), unhealthy('healthy')])
      .when(markUnhealthy)
      .then([]);
  });
});
