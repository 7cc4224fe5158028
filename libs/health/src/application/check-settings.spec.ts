import { describe, expect, it } from 'vitest';
import { withDefaults, type RouteSpec } from '#libs/routing';
import {
  isExpectedStatus,
  planCheck,
  probeUrlOf,
  thresholdsOf,
  type HealthChecksConfig,
} from './check-settings';

const config: HealthChecksConfig = {
  enabled: true,
  interval: '10s',
  timeout: '5s',
  unhealthy_threshold: 3,
  path: '/',
  per_service: { grafana: { path: '/api/health', timeout: '2s' } },
};
const route = (over: Partial<RouteSpec>) =>
  withDefaults({
    routeId: 'grafana',
    appId: 'grafana',
    pathBase: '/apps/grafana/',
    to: 'http://10.0.0.5:3000/base',
    ...over,
  });

describe('planCheck', () => {
  it('takes each setting from the route, else the app, else the defaults', () => {
    const plan = planCheck('grafana', [route({})], config);
    expect(plan).toMatchObject({
      kind: 'check',
      settings: {
        probeUrl: 'http://10.0.0.5:3000/api/health',
        intervalMs: 10_000,
        timeoutMs: 2_000,
        source: 'per-service',
      },
    });
    const own = planCheck(
      'grafana',
      [route({ healthCheckPath: '/ping?full=1', healthCheckInterval: '250ms' })],
      config,
    );
    expect(own).toMatchObject({
      settings: { probeUrl: 'http://10.0.0.5:3000/ping?full=1', intervalMs: 250, source: 'route' },
    });
    expect(planCheck('other', [route({ appId: 'other' })], config)).toMatchObject({
      settings: { probeUrl: 'http://10.0.0.5:3000/', timeoutMs: 5_000, source: 'global' },
    });
  });

  it('probes no app that skips checks, has no route, or when checks are off', () => {
    expect(planCheck('grafana', [route({ skipHealthCheck: true })], config)).toMatchObject({
      kind: 'off',
      reason: 'skipped',
    });
    expect(planCheck('grafana', [], config)).toEqual({ kind: 'off', reason: 'no-route' });
    expect(planCheck('grafana', [route({})], { ...config, enabled: false })).toMatchObject({
      kind: 'off',
      reason: 'disabled',
    });
  });

  it('uses the first route of the app by id', () => {
    const plan = planCheck(
      'grafana',
      [route({ routeId: 'zeta', to: 'http://b:1' }), route({ routeId: 'alpha', to: 'http://a:1' })],
      config,
    );
    expect(plan).toMatchObject({ settings: { route: { routeId: 'alpha' } } });
  });
});

describe('health check helpers', () => {
  it('accepts any 2xx unless the route lists its codes', () => {
    expect(isExpectedStatus(204, [])).toBe(true);
    expect(isExpectedStatus(301, [])).toBe(false);
    expect(isExpectedStatus(401, [200, 401])).toBe(true);
    expect(isExpectedStatus(200, [401])).toBe(false);
  });

  it('replaces the target path and refuses non-HTTP targets', () => {
    expect(probeUrlOf('https://h:8443/x/y', '/healthz')).toBe('https://h:8443/healthz');
    expect(probeUrlOf('ftp://h/', '/')).toBeUndefined();
    expect(probeUrlOf('not a url', '/')).toBeUndefined();
  });

  it('defaults to one success to recover and the configured failures to fall', () => {
    expect(thresholdsOf(config)).toEqual({ healthy: 1, unhealthy: 3 });
    expect(thresholdsOf({ ...config, healthy_threshold: 2 } as HealthChecksConfig)).toEqual({
      healthy: 2,
      unhealthy: 3,
    });
  });
});
