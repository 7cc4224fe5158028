import type { Schemas } from '../../api/client';
import { emptyRouteForm, newRoute, routeFormOf, routePatch, statusCodes } from './route-form.model';

const route: Schemas['Route'] = {
  routeId: 'grafana',
  appId: 'grafana',
  pathBase: '/apps/grafana/',
  to: 'http://10.0.0.5:3000',
  containerId: 'abc',
  scopes: ['access:grafana'],
  publicAccess: false,
  websockets: true,
  stripPrefix: true,
  stripResponseCookies: false,
  rewriteCookiePaths: true,
  rewriteHTML: false,
  persistCookies: false,
  routingMode: 'path',
  subdomain: '',
  excludePaths: ['/metrics'],
  healthCheckPath: '/api/health',
  healthCheckTimeout: '5s',
  healthCheckInterval: '30s',
  expectedStatusCodes: [200],
  skipHealthCheck: false,
  tlsSkipVerify: false,
  preserveHost: true,
  maxBodyBytes: 0,
  rateLimitPerMinute: 0,
  rateLimitBurst: 0,
  status: 'ACTIVE',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

describe('routePatch', () => {
  it('sends nothing when nothing changed', () => {
    expect(routePatch(route, routeFormOf(route))).toEqual({});
  });

  it('sends only the changed field, so the others are never reset', () => {
    const form = { ...routeFormOf(route), healthCheckPath: '/healthz' };
    expect(routePatch(route, form)).toEqual({ healthCheckPath: '/healthz' });
  });

  it('parses lists and booleans', () => {
    const form = {
      ...routeFormOf(route),
      scopes: 'access:grafana, read:*',
      websockets: false,
      expectedStatusCodes: '200,204',
    };
    expect(routePatch(route, form)).toEqual({
      scopes: ['access:grafana', 'read:*'],
      websockets: false,
      expectedStatusCodes: [200, 204],
    });
  });

  it('refuses a status code that is not one', () => {
    expect(() => statusCodes('200, abc')).toThrow(/"abc"/);
  });
});

describe('newRoute', () => {
  it('keeps the required fields and only the options that differ from the defaults', () => {
    const form = {
      ...emptyRouteForm(),
      routeId: 'web',
      appId: 'web',
      appName: 'Web',
      pathBase: '/apps/web/',
      to: 'http://127.0.0.1:8080',
      stripPrefix: true,
    };
    expect(newRoute(form)).toEqual({
      routeId: 'web',
      appId: 'web',
      pathBase: '/apps/web/',
      to: 'http://127.0.0.1:8080',
      stripPrefix: true,
      appName: 'Web',
    });
  });
});
