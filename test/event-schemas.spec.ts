import { describe, expect, it } from 'vitest';
import { configDecider } from '#libs/config';
import { fold } from '#libs/kernel';
import {
  appDecider,
  routeDecider,
  withDefaults,
  type AppCommand,
  type AppEvent,
  type RouteCommand,
  type RouteEvent,
} from '#libs/routing';
import { emittedEventTypes, loadSchemas } from '../apps/gateway/src/composition';

const metadata = {
  correlationId: 'c-1',
  actor: { kind: 'admin' as const, id: 'local' },
  sourceIp: '127.0.0.1',
};

describe('event schemas', () => {
  const schemas = loadSchemas();

  it('every event type the code can emit has a schema, and no schema is orphaned', () => {
    expect(schemas.types()).toEqual(emittedEventTypes());
  });

  it('every event the deciders produce validates against its schema', () => {
    const produced: (RouteEvent | AppEvent)[] = [];
    const ctx = { pathBaseOwner: () => undefined, subdomainOwner: () => undefined };
    const routeRun = (history: RouteEvent[], command: RouteCommand) => {
      const events = routeDecider.decide(command, fold(routeDecider, history), ctx);
      produced.push(...events);
      return [...history, ...events];
    };
    let route: RouteEvent[] = [];
    const full = withDefaults({
      routeId: 'r',
      appId: 'a',
      pathBase: '/apps/r/',
      to: 'https://h:8443/base',
    });
    route = routeRun(route, {
      kind: 'AddRoute',
      route: {
        ...full,
        scopes: ['read:r'],
        subdomain: 'r',
        routingMode: 'both',
        expectedStatusCodes: [200, 401],
        healthCheckTimeout: '5s',
        containerId: '0123456789ab',
      },
    });
    route = routeRun(route, {
      kind: 'PatchRoute',
      routeId: 'r',
      patch: { websockets: true, excludePaths: ['/api/'] },
    });
    route = routeRun(route, { kind: 'PutRoute', route: full });
    routeRun(route, { kind: 'RemoveRoute', routeId: 'r' });

    const appRun = (history: AppEvent[], command: AppCommand) => {
      const events = appDecider.decide(command, fold(appDecider, history), undefined);
      produced.push(...events);
      return [...history, ...events];
    };
    let app: AppEvent[] = [];
    app = appRun(app, {
      kind: 'RegisterApp',
      app: {
        id: 'a',
        name: 'A',
        endpoints: { lan: 'http://10.0.0.2' },
        discoveryMeta: { source: 'docker', containerId: 'abc' },
      },
    });
    app = appRun(app, { kind: 'UpdateApp', appId: 'a', patch: { tags: ['x'] } });
    appRun(app, { kind: 'RemoveApp', appId: 'a', reason: 'test' });

    const summary = { routesPut: ['r'], routesRemoved: [], appsPut: [], appsRemoved: ['a'] };
    const applied = configDecider.decide(
      {
        kind: 'ApplyConfig',
        applied: {
          source: '/etc/nekzus.yaml',
          digest: 'f'.repeat(64),
          routeIds: ['r'],
          appIds: [],
          summary,
          pendingRestart: ['server.addr'],
        },
      },
      configDecider.initialState(),
    );
    const rejected = configDecider.decide(
      { kind: 'RejectConfig', source: '/etc/nekzus.yaml', errors: ['x.yaml:1:1: bad'] },
      configDecider.initialState(),
    );
    produced.push(...(applied as never[]), ...(rejected as never[]));

    expect(new Set(produced.map((e) => e.type))).toEqual(new Set(emittedEventTypes()));
    for (const event of produced)
      expect(() => schemas.validate(event.type, 1, event.data, metadata)).not.toThrow();
  });

  it('refuses data the schema does not allow', () => {
    expect(() =>
      schemas.validate(
        'RouteRemoved',
        1,
        { routeId: 'r', appId: 'a', pathBase: '/apps/r/', extra: 1 },
        metadata,
      ),
    ).toThrow(/unknown field "extra"/);
    expect(() => schemas.validate('RouteAdded', 1, { route: { routeId: 'r' } }, metadata)).toThrow(
      /RouteAdded v1 is invalid/,
    );
  });
});
