import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '#libs/event-store';
import {
  generateP256Key,
  issueCaCertificate,
  issueLeafCertificate,
  parseP256Key,
} from '../libs/tls/src/certificate-issuer';
import { loadSchemas } from '../apps/gateway/src/composition';
import {
  startHarness,
  startProxyHarness,
  UPSTREAM_CLIENTS,
  type Harness,
} from './support/gateway-harness';

/** A raw request (fetch sets its own Host and refuses some headers). */
function raw(
  url: string,
  path: string,
  method = 'GET',
  body?: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const headers = {
      host: 'gateway.example:8080',
      ...(body ? { 'content-type': 'text/plain' } : {}),
    };
    const req = request({ hostname, port, path, method, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function selfSigned(): Promise<{ key: string; cert: string }> {
  const now = new Date();
  const caPem = await generateP256Key();
  const ca = parseP256Key(caPem)!;
  const caCert = await issueCaCertificate(ca, 'Some NAS CA', now);
  const leafPem = await generateP256Key();
  const cert = await issueLeafCertificate({
    caKey: ca,
    caCertPem: caCert,
    leafKey: parseP256Key(leafPem)!,
    names: ['127.0.0.1'],
    now,
  });
  return { key: leafPem, cert };
}

describe.each(UPSTREAM_CLIENTS)(
  'proxy: per-route options and the proxy config section (%s client)',
  (client) => {
    let h: Harness;
    let plain: Server;
    let plainUrl: string;
    let nas: Server;
    let nasUrl: string;
    const seen: { host: string | undefined; length: number }[] = [];

    beforeAll(async () => {
      plain = createServer((req, res) => {
        let length = 0;
        req.on('data', (d: Buffer) => (length += d.length));
        req.on('end', () => {
          seen.push({ host: req.headers.host, length });
          res.end(`host=${req.headers.host}`);
        });
      });
      await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
      plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
      nas = createHttpsServer(await selfSigned(), (_req, res) => res.end('nas ok'));
      await new Promise<void>((r) => nas.listen(0, '127.0.0.1', r));
      nasUrl = `https://127.0.0.1:${(nas.address() as AddressInfo).port}`;

      const dir = mkdtempSync(join(tmpdir(), 'nekzus-route-options-'));
      const config = join(dir, 'nekzus.yaml');
      writeFileSync(
        config,
        [
          'proxy:',
          '  max_request_body_bytes: 64',
          'routes:',
          '  - id: from-config',
          '    path_base: /apps/from-config/',
          `    to: ${plainUrl}`,
          '    public_access: true',
          '    preserve_host: false',
          '    max_body_bytes: 8',
          '',
        ].join('\n'),
      );
      h = await startProxyHarness(client, join(dir, 'data'), { config });
      const add = (route: Record<string, unknown>) =>
        h.call('POST', '/api/v1/routes', { publicAccess: true, ...route });
      expect(
        (await add({ routeId: 'nas', appId: 'nas', pathBase: '/apps/nas/', to: nasUrl })).status,
      ).toBe(201);
      expect(
        (await add({ routeId: 'web', appId: 'web', pathBase: '/apps/web/', to: plainUrl })).status,
      ).toBe(201);
      expect(
        (
          await add({
            routeId: 'limited',
            appId: 'limited',
            pathBase: '/apps/limited/',
            to: plainUrl,
            rateLimitPerMinute: 60,
            rateLimitBurst: 2,
          })
        ).status,
      ).toBe(201);
    });
    afterAll(async () => {
      await h.stop();
      await new Promise((r) => plain.close(r));
      await new Promise((r) => nas.close(r));
    });

    it('refuses a self-signed upstream until the route says tlsSkipVerify, live', async () => {
      const refused = await raw(h.url, '/apps/nas/');
      expect(refused.status).toBe(502);
      expect(JSON.parse(refused.body).message).toMatch(/TLS certificate was not accepted/);
      expect((await h.call('PATCH', '/api/v1/routes/nas', { tlsSkipVerify: true })).status).toBe(
        200,
      );
      const accepted = await raw(h.url, '/apps/nas/');
      expect(accepted.status).toBe(200);
      expect(accepted.body).toBe('nas ok');
      expect((await h.call('GET', '/api/v1/routes/nas')).body.tlsSkipVerify).toBe(true);
    });

    it("keeps the client's Host by default and sends the target's when preserveHost is off", async () => {
      expect((await raw(h.url, '/apps/web/')).body).toBe('host=gateway.example:8080');
      expect((await raw(h.url, '/apps/from-config/')).body).toBe(`host=${new URL(plainUrl).host}`);
    });

    it('limits bodies per route, else by proxy.max_request_body_bytes', async () => {
      const ofRoute = await raw(h.url, '/apps/from-config/', 'POST', 'x'.repeat(9));
      expect(ofRoute.status).toBe(413);
      expect(JSON.parse(ofRoute.body).message).toMatch(/8 bytes/);
      expect((await raw(h.url, '/apps/from-config/', 'POST', 'x'.repeat(8))).status).toBe(200);
      const ofConfig = await raw(h.url, '/apps/web/', 'POST', 'x'.repeat(65));
      expect(ofConfig.status).toBe(413);
      expect(JSON.parse(ofConfig.body).message).toMatch(/64 bytes/);
      expect((await raw(h.url, '/apps/web/', 'POST', 'x'.repeat(64))).status).toBe(200);
      expect(seen.at(-1)!.length).toBe(64);
    });

    it('rate-limits a route per client when it says so, and no other route', async () => {
      expect((await raw(h.url, '/apps/limited/')).status).toBe(200);
      expect((await raw(h.url, '/apps/limited/')).status).toBe(200);
      const third = await raw(h.url, '/apps/limited/');
      expect(third.status).toBe(429);
      expect(JSON.parse(third.body).error).toBe('RATE_LIMITED');
      expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      for (let i = 0; i < 5; i++) expect((await raw(h.url, '/apps/web/')).status).toBe(200);
    });

    it('refuses option values that make no sense, and changes nothing', async () => {
      const head = await h.head();
      const bad = await h.call('PATCH', '/api/v1/routes/web', {
        maxBodyBytes: 2 ** 41,
        rateLimitPerMinute: 10,
      });
      expect(bad.status).toBe(400);
      expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
        'maxBodyBytes',
        'rateLimitBurst',
      ]);
      expect(await h.head()).toBe(head);
    });
  },
);

describe('routes recorded before the options existed', () => {
  it('read with their defaults (v1 events upcast to v2) and keep serving', async () => {
    const upstream = createServer((req, res) => res.end(`host=${req.headers.host}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'nekzus-v1-routes-'));
    const store = SqliteEventStore.open({
      path: join(dataDir, 'events.db'),
      schemas: loadSchemas(),
    });
    const v1Route = {
      routeId: 'old',
      appId: 'old',
      pathBase: '/apps/old/',
      to: target,
      containerId: '',
      scopes: [],
      publicAccess: true,
      websockets: false,
      stripPrefix: false,
      stripResponseCookies: false,
      rewriteCookiePaths: false,
      rewriteHTML: false,
      persistCookies: false,
      routingMode: '',
      subdomain: '',
      excludePaths: [],
      healthCheckPath: '',
      healthCheckTimeout: '',
      healthCheckInterval: '',
      expectedStatusCodes: [],
      skipHealthCheck: true,
    };
    await store.append(
      'route-old',
      [
        {
          id: '01936b9e-0000-7000-8000-000000000001',
          type: 'RouteAdded',
          schemaVersion: 1,
          data: { route: v1Route },
          metadata: { correlationId: 'c-1', actor: { kind: 'admin', id: 'local' } },
        },
      ],
      { streamState: 'no_stream' },
    );
    // A v1 route with a v2 field is refused: old versions stay what they were.
    await expect(
      store.append(
        'route-other',
        [
          {
            id: '01936b9e-0000-7000-8000-000000000002',
            type: 'RouteAdded',
            schemaVersion: 1,
            data: { route: { ...v1Route, routeId: 'other', tlsSkipVerify: true } },
            metadata: { correlationId: 'c-2', actor: { kind: 'admin', id: 'local' } },
          },
        ],
        { streamState: 'no_stream' },
      ),
    ).rejects.toThrow(/unknown field "tlsSkipVerify"/);
    await store.close();

    const h = await startHarness(dataDir);
    try {
      const route = (await h.call('GET', '/api/v1/routes/old')).body;
      expect(route).toMatchObject({
        tlsSkipVerify: false,
        preserveHost: true,
        maxBodyBytes: 0,
        rateLimitPerMinute: 0,
        rateLimitBurst: 0,
      });
      expect((await h.call('GET', '/apps/old/')).text).toMatch(/^host=127\.0\.0\.1:/);
    } finally {
      await h.stop();
      await new Promise((r) => upstream.close(r));
    }
  });
});
