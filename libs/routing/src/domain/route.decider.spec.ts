import { describe, expect, it } from 'vitest';
import { deciderSpecification } from '#libs/kernel';
import { routeDecider, type RouteContext } from './route.decider';
import { withDefaults, type RouteSpec } from './route';
import type { RouteEvent } from './routing.events';

const owners = (
  paths: Record<string, string> = {},
  subdomains: Record<string, string> = {},
): RouteContext => ({
  pathBaseOwner: (p) => paths[p],
  subdomainOwner: (s) => subdomains[s],
});

const grafana: RouteSpec = withDefaults({
  routeId: 'grafana',
  appId: 'grafana',
  pathBase: '/apps/grafana/',
  to: 'http://10.0.0.5:3000',
});
const added: RouteEvent = { type: 'RouteAdded', data: { route: grafana } };

describe('route decider', () => {
  const spec = deciderSpecification(routeDecider, owners());

  it('adds a route with every field present and the path base normalised', () => {
    spec
      .given([])
      .when({
        kind: 'AddRoute',
        route: {
          routeId: 'grafana',
          appId: 'grafana',
          pathBase: '/apps/grafana',
          to: 'http://10.0.0.5:3000',
        },
      })
      .then([added]);
  });

  it('refuses to add a route twice', () => {
    spec.given([added]).when({ kind: 'AddRoute', route: grafana }).thenThrows('ROUTE_EXISTS');
  });

  it('refuses a path base outside /apps/, a bad target and a bad id, all at once', () => {
    let error: unknown;
    try {
      routeDecider.decide(
        {
          kind: 'AddRoute',
          route: { routeId: 'Bad Id', appId: 'a', pathBase: '/grafana/', to: 'ftp://x' },
        },
        routeDecider.initialState(),
        owners(),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', kind: 'invalid' });
    const fields = (error as { details: { field: string }[] }).details.map((d) => d.field);
    expect(fields).toEqual(['routeId', 'pathBase', 'to']);
  });

  it.each([
    ['/apps/', 'pathBase'],
    ['/apps/a//b/', 'pathBase'],
    ['/apps/../etc/', 'pathBase'],
    ['/apps/a b/', 'pathBase'],
  ])('refuses path base %s', (pathBase, field) => {
    spec
      .given([])
      .when({ kind: 'AddRoute', route: { ...grafana, pathBase } })
      .thenThrows('VALIDATION_FAILED', new RegExp(field));
  });

  it.each(['not a url', 'http://', 'mailto:a@b.c', 'http://x/?q=1', 'http://x/#frag'])(
    'refuses target %s',
    (to) => {
      spec
        .given([])
        .when({ kind: 'AddRoute', route: { ...grafana, to } })
        .thenThrows('VALIDATION_FAILED', /to:/);
    },
  );

  it('refuses a path base another route uses, naming that route', () => {
    deciderSpecification(routeDecider, owners({ '/apps/grafana/': 'other' }))
      .given([])
      .when({ kind: 'AddRoute', route: grafana })
      .thenThrows('ROUTE_CONFLICT', /already used by route "other"/);
  });

  it('refuses a subdomain another route uses', () => {
    deciderSpecification(routeDecider, owners({}, { graf: 'other' }))
      .given([])
      .when({
        kind: 'AddRoute',
        route: { ...grafana, subdomain: 'graf', routingMode: 'subdomain' },
      })
      .thenThrows('ROUTE_CONFLICT', /subdomain "graf"/);
  });

  it('requires a subdomain in subdomain mode', () => {
    spec
      .given([])
      .when({ kind: 'AddRoute', route: { ...grafana, routingMode: 'subdomain' } })
      .thenThrows('VALIDATION_FAILED', /subdomain/);
  });

  it('lets a route keep its own path base when it changes', () => {
    deciderSpecification(routeDecider, owners({ '/apps/grafana/': 'grafana' }))
      .given([added])
      .when({ kind: 'PatchRoute', routeId: 'grafana', patch: { websockets: true } })
      .then([
        {
          type: 'RouteChanged',
          data: {
            routeId: 'grafana',
            route: { ...grafana, websockets: true },
            changedFields: ['websockets'],
          },
        },
      ]);
  });

  it('PATCH keeps every field it was not given', () => {
    const rich = {
      ...grafana,
      stripPrefix: true,
      scopes: ['read:grafana'],
      websockets: true,
      containerId: 'abcdef012345',
    };
    spec
      .given([{ type: 'RouteAdded', data: { route: rich } }])
      .when({ kind: 'PatchRoute', routeId: 'grafana', patch: { to: 'http://10.0.0.6:3000' } })
      .then([
        {
          type: 'RouteChanged',
          data: {
            routeId: 'grafana',
            route: { ...rich, to: 'http://10.0.0.6:3000' },
            changedFields: ['to'],
          },
        },
      ]);
  });

  it('PUT replaces: fields not given go back to their defaults', () => {
    const rich = { ...grafana, stripPrefix: true, websockets: true };
    spec
      .given([{ type: 'RouteAdded', data: { route: rich } }])
      .when({
        kind: 'PutRoute',
        route: {
          routeId: 'grafana',
          appId: 'grafana',
          pathBase: '/apps/grafana/',
          to: 'http://10.0.0.5:3000',
        },
      })
      .then([
        {
          type: 'RouteChanged',
          data: {
            routeId: 'grafana',
            route: grafana,
            changedFields: ['websockets', 'stripPrefix'],
          },
        },
      ]);
  });

  it('PUT creates a missing route and changes nothing when nothing differs', () => {
    spec.given([]).when({ kind: 'PutRoute', route: grafana }).then([added]);
    spec.given([added]).when({ kind: 'PutRoute', route: grafana }).then([]);
  });

  it('PATCH of a missing or removed route is not found', () => {
    spec
      .given([])
      .when({ kind: 'PatchRoute', routeId: 'grafana', patch: {} })
      .thenThrows('ROUTE_NOT_FOUND');
    spec
      .given([
        added,
        {
          type: 'RouteRemoved',
          data: { routeId: 'grafana', appId: 'grafana', pathBase: '/apps/grafana/' },
        },
      ])
      .when({ kind: 'PatchRoute', routeId: 'grafana', patch: {} })
      .thenThrows('ROUTE_NOT_FOUND');
  });

  it('removal is idempotent and a removed id can be added again', () => {
    const removed: RouteEvent = {
      type: 'RouteRemoved',
      data: { routeId: 'grafana', appId: 'grafana', pathBase: '/apps/grafana/' },
    };
    spec.given([added]).when({ kind: 'RemoveRoute', routeId: 'grafana' }).then([removed]);
    spec.given([added, removed]).when({ kind: 'RemoveRoute', routeId: 'grafana' }).then([]);
    spec.given([added, removed]).when({ kind: 'AddRoute', route: grafana }).then([added]);
  });
});
