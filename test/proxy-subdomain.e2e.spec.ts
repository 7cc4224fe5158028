import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { subdomainOf } from '../apps/gateway/src/data-plane';
import { startProxyHarness, UPSTREAM_CLIENTS, type Harness } from './support/gateway-harness';

const TOKEN = 'household-token-0123456789';
const PASSWORD = 'correct horse battery';

/** A raw request: fetch will not send a Host of our choosing. */
function raw(
  url: string,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = request({ hostname, port, path, method, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('subdomainOf', () => {
  it('takes the labels before the base domain, ignoring case, ports and a final dot', () => {
    expect(subdomainOf('media.home.test', 'home.test')).toBe('media');
    expect(subdomainOf('MEDIA.Home.Test:8443', 'home.test')).toBe('media');
    expect(subdomainOf('a.b.home.test.', 'home.test')).toBe('a.b');
    expect(subdomainOf('media.home.test', '.home.test:8080')).toBe('media');
    expect(subdomainOf('home.test', 'home.test')).toBeUndefined();
    expect(subdomainOf('evilhome.test', 'home.test')).toBeUndefined();
    expect(subdomainOf('media.home.test.evil.org', 'home.test')).toBeUndefined();
    expect(subdomainOf('[::1]:8080', 'home.test')).toBeUndefined();
    expect(subdomainOf(undefined, 'home.test')).toBeUndefined();
  });
});

describe.each(UPSTREAM_CLIENTS)(
  'proxy: subdomain routing under server.base_domain (%s client)',
  (client) => {
    let h: Harness;
    let upstream: Server;
    let upstreamUrl: string;
    let device: string;
    const seen: { url: string; headers: IncomingHttpHeaders }[] = [];

    beforeAll(async () => {
      upstream = createServer((req, res) => {
        seen.push({ url: req.url!, headers: req.headers });
        res.setHeader('content-type', 'text/plain');
        res.end(`upstream saw ${req.url}`);
      });
      const wss = new WebSocketServer({ server: upstream });
      wss.on('connection', (ws, req) => ws.send(`hello ${req.url}`));
      await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
      upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
      const dir = mkdtempSync(join(tmpdir(), 'nekzus-subdomain-'));
      const config = join(dir, 'nekzus.yaml');
      writeFileSync(
        config,
        ['server:', '  base_domain: home.test', '  routing_mode: both', ''].join('\n'),
      );
      h = await startProxyHarness(client, join(dir, 'data'), {
        config,
        env: { NEKZUS_BOOTSTRAP_TOKEN: TOKEN, NEKZUS_LOCAL_NETWORK_TRUST: 'off' },
      });
      const paired = await h.call(
        'POST',
        '/api/v1/auth/pair',
        { device: { id: 'phone', model: 'Pixel', platform: 'android' } },
        { authorization: `Bearer ${TOKEN}` },
      );
      device = paired.body.accessToken as string;
      const setup = await h.call('POST', '/api/v1/auth/setup', {
        username: 'admin',
        password: PASSWORD,
      });
      expect(setup.status).toBe(201);
      const login = await h.call('POST', '/api/v1/auth/login', {
        username: 'admin',
        password: PASSWORD,
      });
      const bearer = { authorization: `Bearer ${login.body.token}` };
      const add = (route: Record<string, unknown>) =>
        h.call('POST', '/api/v1/routes', { to: `${upstreamUrl}/base`, ...route }, bearer);
      expect(
        (
          await add({
            routeId: 'media',
            appId: 'media',
            pathBase: '/apps/media/',
            subdomain: 'media',
            stripPrefix: true,
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await add({
            routeId: 'legacy',
            appId: 'legacy',
            pathBase: '/apps/legacy/',
            subdomain: 'legacy',
            routingMode: 'path',
          })
        ).status,
      ).toBe(201);
      expect(
        (
          await add({
            routeId: 'open',
            appId: 'open',
            pathBase: '/apps/open/',
            subdomain: 'open',
            publicAccess: true,
            websockets: true,
          })
        ).status,
      ).toBe(201);
    });
    afterAll(async () => {
      await h.stop();
      upstream.closeAllConnections();
      await new Promise((r) => upstream.close(r));
    });

    it('asks for credentials on a subdomain exactly as on a path (Nekzus lets anyone in)', async () => {
      const r = await raw(h.url, '/library?page=2', { host: 'media.home.test' });
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body).code).toBeTruthy();
      expect(seen).toHaveLength(0);
    });

    it('serves the whole host: the path as requested, under the target path, no prefix headers', async () => {
      const r = await raw(h.url, '/library?page=2', {
        host: 'Media.Home.Test:8080',
        authorization: `Bearer ${device}`,
      });
      expect(r.status).toBe(200);
      expect(r.body).toBe('upstream saw /base/library?page=2');
      const got = seen.at(-1)!;
      expect(got.headers.authorization).toBeUndefined();
      expect(got.headers['x-forwarded-host']).toBe('Media.Home.Test:8080');
      expect(got.headers['x-forwarded-prefix']).toBeUndefined();
      // The gateway's own API paths belong to the app on its host.
      const api = await raw(h.url, '/api/v1/healthz', {
        host: 'media.home.test',
        authorization: `Bearer ${device}`,
      });
      expect(api.body).toBe('upstream saw /base/api/v1/healthz');
    });

    it('still serves the same route by path when its mode is both (here from server.routing_mode)', async () => {
      const r = await raw(h.url, '/apps/media/library', { authorization: `Bearer ${device}` });
      expect(r.status).toBe(200);
      expect(r.body).toBe('upstream saw /base/library');
    });

    it('leaves hosts alone that no route owns, or whose route is path-only', async () => {
      const before = seen.length;
      const pathOnly = await raw(h.url, '/api/v1/no-such-thing', {
        host: 'legacy.home.test',
        authorization: `Bearer ${device}`,
      });
      expect(pathOnly.status).toBe(404);
      expect(JSON.parse(pathOnly.body).error).toBe('NOT_FOUND');
      const unknown = await raw(h.url, '/api/v1/healthz', { host: 'nothing.home.test' });
      expect(unknown.status).toBe(200);
      expect(unknown.body).toBe('ok');
      const base = await raw(h.url, '/api/v1/healthz', { host: 'home.test' });
      expect(base.body).toBe('ok');
      expect(seen.length).toBe(before);
    });

    it('tunnels WebSockets on the host, public routes without a credential', async () => {
      const ws = new WebSocket(`${h.url.replace('http', 'ws')}/live?x=1`, {
        headers: { host: 'open.home.test' },
      });
      const message = await new Promise<string>((resolve, reject) => {
        ws.once('message', (d: Buffer) => resolve(d.toString()));
        ws.once('error', reject);
      });
      expect(message).toBe('hello /base/live?x=1');
      ws.close();
      const refused = new WebSocket(`${h.url.replace('http', 'ws')}/live`, {
        headers: { host: 'media.home.test' },
      });
      const status = await new Promise<number>((resolve) => {
        refused.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
        refused.once('open', () => resolve(101));
      });
      expect(status).toBe(401);
    });

    it('follows route changes on the next request', async () => {
      const login = await h.call('POST', '/api/v1/auth/login', {
        username: 'admin',
        password: PASSWORD,
      });
      const bearer = { authorization: `Bearer ${login.body.token}` };
      const changed = await h.call('PATCH', '/api/v1/routes/open', { subdomain: 'files' }, bearer);
      expect(changed.status).toBe(200);
      expect((await raw(h.url, '/a', { host: 'files.home.test' })).body).toBe(
        'upstream saw /base/a',
      );
      expect((await raw(h.url, '/api/v1/healthz', { host: 'open.home.test' })).body).toBe('ok');
    });

    it('scopes the admin session cookie to the base domain when signed in on it', async () => {
      const body = JSON.stringify({ username: 'admin', password: PASSWORD });
      const headers = { 'content-type': 'application/json' };
      const onBase = await raw(
        h.url,
        '/api/v1/auth/login',
        { ...headers, host: 'home.test' },
        'POST',
        body,
      );
      expect(onBase.status).toBe(200);
      for (const cookie of onBase.headers['set-cookie']!)
        expect(cookie).toContain('Domain=home.test');
      const byAddress = await raw(
        h.url,
        '/api/v1/auth/login',
        { ...headers, host: '127.0.0.1' },
        'POST',
        body,
      );
      for (const cookie of byAddress.headers['set-cookie']!)
        expect(cookie).not.toContain('Domain=');
      const session = /nekzus_session=([^;]+)/.exec(onBase.headers['set-cookie']!.join(';'))![1]!;
      const browsing = await raw(h.url, '/page', {
        host: 'media.home.test',
        cookie: `nekzus_session=${session}`,
      });
      expect(browsing.status).toBe(200);
      expect(browsing.body).toBe('upstream saw /base/page');
    });
  },
);
