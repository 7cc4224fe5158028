import { randomUUID } from 'node:crypto';
import { uuidv7 } from '#libs/event-store';
import type { EventMetadata, NewEvent } from '#libs/event-store';
import type { CommandContext } from '#libs/kernel';
import {
  normalizeRoute,
  withDefaults,
  type RouteAdded,
  type RouteChanged,
  type RouteSpec,
} from '#libs/routing';

/** A route as an admin would configure it; every field passes the routing schemas and validateRoute. */
export function benchRoute(i: number): RouteSpec {
  return normalizeRoute(
    withDefaults({
      routeId: `route-${i}`,
      appId: `app-${i % 100}`,
      pathBase: `/apps/service-${i}/`,
      to: `http://10.0.${Math.floor(i / 250)}.${(i % 250) + 1}:8080`,
      scopes: [`access:service-${i}`],
      websockets: i % 3 === 0,
      stripPrefix: true,
      healthCheckPath: '/health',
      healthCheckTimeout: '5s',
      healthCheckInterval: '30s',
      expectedStatusCodes: [200, 204],
    }),
  );
}

/** The `n`-th target of route `i`: a different port each time, so every change is a real change. */
export function targetOf(i: number, n: number): string {
  return `http://10.1.${Math.floor(i / 250)}.${(i % 250) + 1}:${10_000 + (n % 50_000)}`;
}

export function routeAdded(route: RouteSpec): RouteAdded {
  return { type: 'RouteAdded', data: { route } };
}

export function routeChanged(route: RouteSpec, to: string): RouteChanged {
  return {
    type: 'RouteChanged',
    data: { routeId: route.routeId, route: { ...route, to }, changedFields: ['to'] },
  };
}

export function commandContext(): CommandContext {
  return { correlationId: randomUUID(), actor: { kind: 'admin', id: 'bench' } };
}

export function toNewEvent(
  event: RouteAdded | RouteChanged,
  metadata?: EventMetadata,
  id: string = uuidv7(),
): NewEvent {
  return {
    id,
    type: event.type,
    data: event.data,
    metadata: metadata ?? { correlationId: randomUUID(), actor: { kind: 'admin', id: 'bench' } },
  };
}
