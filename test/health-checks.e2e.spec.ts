import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { collect } from '#libs/event-store';
import { startGateway, type RunningGateway } from '../apps/gateway/src/gateway';
import { createLogger } from '../apps/gateway/src/logger';
import { loadSettings } from '../apps/gateway/src/settings';

/** The gateway with a fast health-check schedule (the routes below ask for 50 ms intervals). */
async function start(dataDir: string): Promise<RunningGateway> {
  const settings = loadSettings({}, { addr: '127.0.0.1:0', dataDir, logLevel: 'error' });
  const gateway = await startGateway(settings, createLogger('error'), {
    health: { tickMs: 10, jitter: 0.2 },
  });
  await gateway.configApplied;
  return gateway;
}

async function call(g: RunningGateway, method: string, path: string, body?: unknown) {
  const res = await fetch(`${g.url}${path}`, {
    method,
    redirect: 'manual',
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Polls until `check` holds; the schedule is fast, the deadline only guards a hang. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A real upstream on a fixed port of 127.0.0.1 that can be taken down and brought back. */
class Upstream {
  private server: Server | undefined;
  port = 0;
  readonly probes: string[] = [];

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const agent = req.headers['user-agent'] ?? '';
      if (agent.startsWith('Nekzus-HealthCheck/')) this.probes.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`upstream ${req.url}`);
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', r));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

describe('service health checks against a real upstream', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nekzus-health-'));
  const upstream = new Upstream();
  let g: RunningGateway;

  const health = (appId: string) => call(g, 'GET', `/api/v1/services/${appId}/health`);
  const healthEvents = async () =>
    (
      await collect(
        g.infra.store.readAll({
          filter: { eventTypes: ['ServiceBecameHealthy', 'ServiceBecameUnhealthy'] },
        }),
      )
    ).map((e) => ({ type: e.type, ...(e.data as object) }));

  beforeAll(async () => {
    await upstream.up();
    g = await start(dataDir);
    expect((await call(g, 'POST', '/api/v1/apps', { id: 'web', name: 'Web UI' })).status).toBe(201);
    const added = await call(g, 'POST', '/api/v1/routes', {
      routeId: 'web',
      appId: 'web',
      pathBase: '/apps/web/',
      to: `http://127.0.0.1:${upstream.port}`,
      healthCheckPath: '/healthz',
      healthCheckInterval: '50ms',
      healthCheckTimeout: '2s',
    });
    expect(added.status).toBe(201);
    // Its target refuses connections, but it is never probed, so never gated.
    await call(g, 'POST', '/api/v1/routes', {
      routeId: 'legacy',
      appId: 'legacy',
      pathBase: '/apps/legacy/',
      to: 'http://127.0.0.1:9',
      healthCheckInterval: '50ms',
      skipHealthCheck: true,
    });
  });
  afterAll(async () => {
    await g.close();
    await upstream.down();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records healthy once the upstream answers, and reports it', async () => {
    const r = await eventually(
      () => health('web'),
      (r) => r.body.status === 'healthy',
    );
    expect(r.status).toBe(200);
    expect(r.headers.get('x-health-status')).toBe('healthy');
    expect(r.headers.get('cache-control')).toBe('no-cache');
    expect(r.body).toMatchObject({ appId: 'web', checks: 'on', consecutiveFailures: 0 });
    expect(Date.parse(r.body.lastCheckTime as string)).not.toBeNaN();
    expect(r.body.latencyMs).toBeGreaterThanOrEqual(0);
    expect(upstream.probes[0]).toBe('GET /healthz');
    expect((await call(g, 'GET', '/apps/web/page')).body).toBe('upstream /apps/web/page');
  });

  it('never gates an app whose checks are skipped', async () => {
    const r = await health('legacy');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ appId: 'legacy', status: 'healthy', checks: 'skipped' });
    expect((await call(g, 'GET', '/apps/legacy/')).status).toBe(502);
  });

  it('answers 404 SERVICE_NOT_FOUND for an app it does not know', async () => {
    const r = await health('nothing-here');
    expect(r.status).toBe(404);
    expect(r.body.error).toBe('SERVICE_NOT_FOUND');
  });

  it('goes unhealthy when the upstream goes down: 503 from the proxy and the endpoint, one event, one WebSocket message', async () => {
    const ws = new WebSocket(`${g.url.replace('http', 'ws')}/api/v1/ws`);
    const frames: { type: string; data: any }[] = [];
    ws.on('message', (raw: Buffer) =>
      frames.push(JSON.parse(raw.toString()) as (typeof frames)[0]),
    );
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'auth', data: { token: '' } }));
    await eventually(
      async () => frames,
      (f) => f.some((x) => x.type === 'auth_success'),
    );

    await upstream.down();
    const r = await eventually(
      () => health('web'),
      (r) => r.body.status === 'unhealthy',
    );
    expect(r.status).toBe(503);
    expect(r.headers.get('x-health-status')).toBe('unhealthy');
    expect(Number(r.headers.get('x-consecutive-failures'))).toBeGreaterThanOrEqual(2);
    expect(r.body.message).toMatch(/^request failed: /);

    const proxied = await call(g, 'GET', '/apps/web/page');
    expect(proxied.status).toBe(503);
    expect(proxied.body).toMatchObject({
      error: 'SERVICE_UNHEALTHY',
      message: 'Service is currently unhealthy',
    });

    const change = await eventually(
      async () => frames.find((f) => f.type === 'health_change'),
      (f) => f !== undefined,
    );
    expect(change!.data).toMatchObject({
      appId: 'web',
      appName: 'Web UI',
      proxyPath: '/apps/web/',
      status: 'unhealthy',
    });
    expect(change!.data.message).toMatch(/^request failed: /);
    expect(Number.isInteger(change!.data.timestamp)).toBe(true);
    ws.close();
    expect(frames.filter((f) => f.type === 'health_change')).toHaveLength(1);

    const metrics = (await call(g, 'GET', '/metrics')).body as string;
    expect(metrics).toContain('\nnekzus_service_health_status{app_id="web"} 2\n');
    expect(metrics).toMatch(
      /\nnekzus_service_health_checks_total\{app_id="web",result="failure"\} [1-9]/,
    );
    expect(metrics).not.toContain('app_id="legacy"');

    expect(await healthEvents()).toMatchObject([
      { type: 'ServiceBecameHealthy', appId: 'web', previous: 'unknown' },
      { type: 'ServiceBecameUnhealthy', appId: 'web', previous: 'healthy', routeId: 'web' },
    ]);
  });

  it('keeps the status across a gateway restart, then recovers when the upstream is back', async () => {
    await g.close();
    g = await start(dataDir);
    // Straight from the log: gated before any probe of this run.
    expect((await call(g, 'GET', '/apps/web/page')).status).toBe(503);
    expect((await health('web')).body.status).toBe('unhealthy');

    await upstream.up();
    const r = await eventually(
      () => health('web'),
      (r) => r.body.status === 'healthy',
    );
    expect(r.status).toBe(200);
    expect(r.body.message).toBeUndefined();
    expect((await call(g, 'GET', '/apps/web/page')).body).toBe('upstream /apps/web/page');

    // Many probes, three transitions: only changes are recorded, none twice.
    expect((await healthEvents()).map((e) => `${e.type}:${(e as any).previous}`)).toEqual([
      'ServiceBecameHealthy:unknown',
      'ServiceBecameUnhealthy:healthy',
      'ServiceBecameHealthy:unhealthy',
    ]);
  });
});
