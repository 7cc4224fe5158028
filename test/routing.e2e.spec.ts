import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/gateway-harness';

const grafana = {
  routeId: 'grafana',
  appId: 'grafana',
  pathBase: '/apps/grafana/',
  to: 'http://127.0.0.1:3000',
};

describe('apps and routes over REST', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  describe('lifecycle', () => {
    it('lists nothing as [] before anything exists', async () => {
      expect((await h.call('GET', '/api/v1/routes')).body).toEqual([]);
      expect((await h.call('GET', '/api/v1/apps')).body).toEqual([]);
    });

    it('creates a route, registering its app, and a GET right after sees both', async () => {
      const created = await h.call('POST', '/api/v1/routes', {
        ...grafana,
        appName: 'Grafana',
        icon: 'chart-line',
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        ...grafana,
        websockets: false,
        scopes: [],
        excludePaths: [],
        status: 'ACTIVE',
      });
      const apps = await h.call('GET', '/api/v1/apps');
      expect(apps.body).toEqual([
        expect.objectContaining({
          id: 'grafana',
          name: 'Grafana',
          icon: 'chart-line',
          tags: [],
          proxyPath: '/apps/grafana/',
          url: `${h.url.replace('127.0.0.1', '127.0.0.1')}/apps/grafana/`,
          faviconUrl: '/api/v1/apps/grafana/favicon',
        }),
      ]);
      expect((await h.call('GET', '/api/v1/routes/grafana')).body.to).toBe(grafana.to);
    });

    it('PATCH merges: fields not sent keep their values', async () => {
      await h.call('PATCH', '/api/v1/routes/grafana', {
        websockets: true,
        stripPrefix: true,
        scopes: ['read:grafana'],
      });
      const patched = await h.call('PATCH', '/api/v1/routes/grafana', {
        to: 'http://127.0.0.1:3001',
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        to: 'http://127.0.0.1:3001',
        websockets: true,
        stripPrefix: true,
        scopes: ['read:grafana'],
      });
    });

    it('PUT replaces: fields not sent return to their defaults', async () => {
      const put = await h.call('PUT', '/api/v1/routes/grafana', {
        appId: 'grafana',
        pathBase: '/apps/grafana/',
        to: 'http://127.0.0.1:3002',
      });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({
        to: 'http://127.0.0.1:3002',
        websockets: false,
        stripPrefix: false,
        scopes: [],
      });
    });

    it('PUT creates a missing route (Nekzus uses it as create)', async () => {
      const put = await h.call('PUT', '/api/v1/routes/wiki', {
        appId: 'wiki',
        pathBase: '/apps/wiki',
        to: 'https://10.0.0.9',
      });
      expect(put.status).toBe(200);
      expect(put.body.pathBase).toBe('/apps/wiki/');
      expect((await h.call('GET', '/api/v1/apps')).body.map((a: { id: string }) => a.id)).toEqual([
        'grafana',
        'wiki',
      ]);
    });

    it('DELETE answers 204, removes the app with its last route, and is idempotent', async () => {
      expect((await h.call('DELETE', '/api/v1/routes/wiki')).status).toBe(204);
      expect((await h.call('GET', '/api/v1/routes/wiki')).status).toBe(404);
      expect((await h.call('GET', '/api/v1/apps')).body.map((a: { id: string }) => a.id)).toEqual([
        'grafana',
      ]);
      const head = await h.head();
      expect((await h.call('DELETE', '/api/v1/routes/wiki')).status).toBe(204);
      expect(await h.head()).toBe(head);
    });

    it('apps can be registered, updated and removed with their routes', async () => {
      expect(
        (await h.call('POST', '/api/v1/apps', { id: 'media', name: 'Media', tags: ['video'] }))
          .status,
      ).toBe(201);
      await h.call('POST', '/api/v1/routes', {
        routeId: 'jellyfin',
        appId: 'media',
        pathBase: '/apps/jellyfin/',
        to: 'http://10.0.0.7:8096',
      });
      const patched = await h.call('PATCH', '/api/v1/apps/media', { name: 'Media server' });
      expect(patched.body).toMatchObject({
        id: 'media',
        name: 'Media server',
        tags: ['video'],
        proxyPath: '/apps/jellyfin/',
      });
      expect((await h.call('DELETE', '/api/v1/apps/media')).status).toBe(204);
      expect((await h.call('GET', '/api/v1/routes/jellyfin')).status).toBe(404);
      expect((await h.call('GET', '/api/v1/apps/media')).body).toMatchObject({
        error: 'APP_NOT_FOUND',
      });
    });

    it('every change is an event with the request id as correlation id and the caller as actor', async () => {
      await h.call(
        'PATCH',
        '/api/v1/routes/grafana',
        { healthCheckPath: '/api/health' },
        { 'x-request-id': 'req-42' },
      );
      const events = [];
      for await (const e of h.gateway.infra.store.readStream('route-grafana', {
        direction: 'backwards',
        maxCount: 1,
      }))
        events.push(e);
      expect(events[0]).toMatchObject({
        type: 'RouteChanged',
        data: { changedFields: ['healthCheckPath'] },
        metadata: {
          correlationId: 'req-42',
          actor: { kind: 'admin', id: 'local' },
          sourceIp: expect.stringMatching(/127\.0\.0\.1/),
        },
      });
    });
  });

  describe('bad input gets a 4xx with a code and changes nothing', () => {
    let before: bigint;
    beforeEach(async () => {
      before = await h.head();
    });
    const unchanged = async () => expect(await h.head()).toBe(before);

    it('malformed JSON', async () => {
      const r = await h.call('POST', '/api/v1/routes', '{"routeId": "x",');
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({
        error: 'INVALID_REQUEST_BODY',
        message: expect.any(String),
        requestId: expect.any(String),
      });
      await unchanged();
    });

    it('a body that is not JSON at all', async () => {
      const r = await h.call('POST', '/api/v1/routes', 'routeId=x', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('INVALID_REQUEST_BODY');
      await unchanged();
    });

    it('unknown fields, named', async () => {
      const r = await h.call('POST', '/api/v1/routes', {
        ...grafana,
        routeId: 'x',
        pathBase: '/apps/x/',
        websocket: true,
        colour: 'red',
      });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error: 'VALIDATION_FAILED', code: 5003 });
      expect(r.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
        'colour',
        'websocket',
      ]);
      await unchanged();
    });

    it('wrong types and missing fields, all listed', async () => {
      const r = await h.call('POST', '/api/v1/routes', { routeId: 'x', websockets: 'yes' });
      expect(r.status).toBe(400);
      expect(r.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
        'appId',
        'pathBase',
        'to',
        'websockets',
      ]);
      await unchanged();
    });

    it('an oversized body', async () => {
      const r = await h.call('POST', '/api/v1/routes', {
        ...grafana,
        routeId: 'big',
        icon: 'x'.repeat(2 * 1024 * 1024),
      });
      expect(r.status).toBe(413);
      expect(r.body.error).toBe('PAYLOAD_TOO_LARGE');
      await unchanged();
    });

    it('an invalid target URL', async () => {
      const r = await h.call('POST', '/api/v1/routes', {
        ...grafana,
        routeId: 'x',
        pathBase: '/apps/x/',
        to: 'javascript:alert(1)',
      });
      expect(r.status).toBe(400);
      expect(r.body.details).toEqual([
        { field: 'to', message: expect.stringMatching(/http or https/) },
      ]);
      await unchanged();
    });

    it('a path base outside /apps/', async () => {
      const r = await h.call('POST', '/api/v1/routes', {
        ...grafana,
        routeId: 'x',
        pathBase: '/admin/',
      });
      expect(r.status).toBe(400);
      expect(r.body.details[0].field).toBe('pathBase');
      await unchanged();
    });

    it('a duplicate path base, naming the route that has it', async () => {
      const r = await h.call('POST', '/api/v1/routes', { ...grafana, routeId: 'copy' });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({
        error: 'ROUTE_CONFLICT',
        message: 'path "/apps/grafana/" is already used by route "grafana"',
      });
      await unchanged();
    });

    it('a duplicate subdomain', async () => {
      await h.call('PATCH', '/api/v1/routes/grafana', {
        subdomain: 'grafana',
        routingMode: 'both',
      });
      before = await h.head();
      const r = await h.call('POST', '/api/v1/routes', {
        routeId: 'g2',
        appId: 'g2',
        pathBase: '/apps/g2/',
        to: 'http://x',
        subdomain: 'grafana',
      });
      expect(r.status).toBe(409);
      expect(r.body.error).toBe('ROUTE_CONFLICT');
      await unchanged();
    });

    it('creating a route that exists', async () => {
      const r = await h.call('POST', '/api/v1/routes', grafana);
      expect(r.status).toBe(409);
      expect(r.body.error).toBe('ROUTE_EXISTS');
      await unchanged();
    });

    it('a body route id that differs from the URL', async () => {
      const r = await h.call('PUT', '/api/v1/routes/grafana', { ...grafana, routeId: 'other' });
      expect(r.status).toBe(400);
      await unchanged();
    });

    it('PATCH of an unknown route', async () => {
      const r = await h.call('PATCH', '/api/v1/routes/nope', { websockets: true });
      expect(r.status).toBe(404);
      expect(r.body.error).toBe('ROUTE_NOT_FOUND');
      await unchanged();
    });

    it('an invalid route id in a PUT', async () => {
      const r = await h.call('PUT', '/api/v1/routes/Not%20Valid', {
        appId: 'a',
        pathBase: '/apps/a/',
        to: 'http://x',
      });
      expect(r.status).toBe(400);
      expect(r.body.details[0].field).toBe('routeId');
      await unchanged();
    });

    it('unknown /api paths and wrong methods are JSON 404s, not empty 200s', async () => {
      for (const [method, path] of [
        ['GET', '/api/v1/federation/catalog'],
        ['GET', '/api/nothing'],
        ['POST', '/api/v1/apps/grafana/favicon'],
        ['GET', '/metrics/nope'],
      ] as const) {
        const r = await h.call(method, path);
        expect(r.status).toBe(404);
        expect(r.headers.get('content-type')).toMatch(/application\/json/);
        expect(r.body.error).toBe('NOT_FOUND');
      }
      await unchanged();
    });
  });

  describe('health endpoints', () => {
    it('report readiness with projection lag, and /api/v1/healthz answers ok', async () => {
      const ready = await h.call('GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ready');
      expect(ready.body.projections).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'routing', kind: 'read-model', lag: 0 }),
          expect.objectContaining({ name: 'route-table', kind: 'in-memory', lag: 0 }),
        ]),
      );
      expect((await h.call('GET', '/livez')).body).toEqual({ status: 'ok' });
      expect((await h.call('GET', '/healthz')).body.status).toBe('ok');
      const api = await h.call('GET', '/api/v1/healthz');
      expect(api.text).toBe('ok');
    });
  });
});
