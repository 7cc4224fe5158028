import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHarness, type Harness } from './support/gateway-harness';

const promtool = spawnSync('promtool', ['--version']).status === 0;

/** The value of one series, written exactly as the exposition writes it (`name{a="b"}`). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(h: Harness, path = '/metrics'): Promise<string> {
  const r = await h.call('GET', path);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return r.text;
}

describe('/metrics', () => {
  let h: Harness;
  let upstream: Server;

  beforeAll(async () => {
    upstream = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    h = await startHarness();
    await h.call('POST', '/api/v1/routes', {
      routeId: 'web',
      appId: 'web',
      pathBase: '/apps/web/',
      to: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    });
    await h.call('POST', '/api/v1/routes', {
      routeId: 'down',
      appId: 'down',
      pathBase: '/apps/down/',
      to: 'http://127.0.0.1:9',
    });
  });
  afterAll(async () => {
    await h.stop();
    await new Promise((r) => upstream.close(r));
  });

  it.skipIf(!promtool)('passes promtool check metrics, every line of it', async () => {
    await h.call('GET', '/apps/web/');
    await h.call('GET', '/apps/down/');
    const text = await scrape(h);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });

  it('counts proxied requests, their latency and upstream errors per route', async () => {
    const before = await scrape(h);
    const count = (t: string) => sample(t, 'nekzus_proxy_requests_total{route_id="web"}') ?? 0;
    const latency = (t: string) =>
      sample(t, 'nekzus_proxy_request_duration_seconds_count{route_id="web"}') ?? 0;
    for (let i = 0; i < 3; i++) expect((await h.call('GET', '/apps/web/x')).status).toBe(200);
    expect((await h.call('GET', '/apps/down/')).status).toBe(502);
    const after = await scrape(h);
    expect(count(after) - count(before)).toBe(3);
    expect(latency(after) - latency(before)).toBe(3);
    expect(
      sample(after, 'nekzus_proxy_request_duration_seconds_bucket{route_id="web",le="+Inf"}'),
    ).toBe(latency(after));
    expect(sample(after, 'nekzus_proxy_responses_total{route_id="web",code="2xx"}')).toBe(
      count(after),
    );
    expect(
      sample(after, 'nekzus_proxy_upstream_errors_total{route_id="down",error_type="bad_gateway"}'),
    ).toBeGreaterThanOrEqual(1);
  });

  it('counts the bytes of request and response bodies per route', async () => {
    const bytesIn = (t: string) =>
      sample(t, 'nekzus_proxy_request_bytes_total{route_id="web"}') ?? 0;
    const bytesOut = (t: string) =>
      sample(t, 'nekzus_proxy_response_bytes_total{route_id="web"}') ?? 0;
    const before = await scrape(h);
    const body = { note: 'twenty-six bytes!' };
    expect((await h.call('POST', '/apps/web/upload', body)).text).toBe('ok');
    expect((await h.call('GET', '/apps/web/page')).text).toBe('ok');
    const after = await scrape(h);
    expect(bytesIn(after) - bytesIn(before)).toBe(JSON.stringify(body).length);
    expect(bytesOut(after) - bytesOut(before)).toBe(4);
  });

  it('times appends to the event store, stored and refused apart', async () => {
    const ok = 'nekzus_event_store_append_duration_seconds_count{outcome="ok"}';
    const before = await scrape(h);
    const route = {
      routeId: 'timed',
      appId: 'timed',
      pathBase: '/apps/timed/',
      to: 'http://127.0.0.1:9',
    };
    expect((await h.call('POST', '/api/v1/routes', route)).status).toBe(201);
    const after = await scrape(h);
    expect(sample(after, ok)! - (sample(before, ok) ?? 0)).toBeGreaterThanOrEqual(1);
    expect(
      sample(after, 'nekzus_event_store_append_duration_seconds_bucket{le="+Inf",outcome="ok"}'),
    ).toBe(sample(after, ok));
    expect(
      sample(after, 'nekzus_event_store_append_duration_seconds_sum{outcome="ok"}'),
    ).toBeGreaterThan(0);
  });

  it('counts control-plane requests by route pattern, not raw path', async () => {
    const series =
      'nekzus_http_requests_total{method="GET",path="/api/v1/apps/:appId",status="404"}';
    const before = sample(await scrape(h), series) ?? 0;
    await h.call('GET', '/api/v1/apps/first-unknown');
    await h.call('GET', '/api/v1/apps/second-unknown');
    const after = await scrape(h);
    expect(sample(after, series)).toBe(before + 2);
    expect(after).not.toContain('second-unknown');
  });

  it('shows the event store, the projections, WebSocket clients and the process', async () => {
    const before = await scrape(h);
    const routeAdds = (t: string) =>
      sample(t, 'nekzus_events_appended_total{type="RouteAdded"}') ?? 0;
    await h.call('POST', '/api/v1/routes', {
      routeId: 'extra',
      appId: 'extra',
      pathBase: '/apps/extra/',
      to: 'http://127.0.0.1:9',
    });
    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/ws`);
    const authed = new Promise<void>((resolve) =>
      ws.on('message', (raw: Buffer) => {
        if ((JSON.parse(raw.toString()) as { type: string }).type === 'auth_success') resolve();
      }),
    );
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'auth', data: { token: '' } }));
    await authed;
    await h.call('POST', '/api/v1/webhooks/subscriptions', {
      url: 'https://hooks.example/in',
      eventTypes: ['RouteAdded'],
    });

    const after = await scrape(h);
    ws.close();
    expect(routeAdds(after) - routeAdds(before)).toBe(1);
    expect(sample(after, 'nekzus_event_store_head_position')).toBe(Number(await h.head()));
    expect(sample(after, 'nekzus_projection_lag_events{projection="route-table"}')).toBe(0);
    expect(sample(after, 'nekzus_projection_state{projection="route-table",state="live"}')).toBe(1);
    expect(sample(after, 'nekzus_websocket_connections_active')).toBe(1);
    expect(sample(after, 'nekzus_webhook_subscriptions{status="active"}')).toBe(1);
    expect(sample(after, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(after).toMatch(/^nekzus_build_info\{version="[^"]+",nodejs_version="v20\./m);
    expect(after).not.toMatch(/^nodejs_active_handles_total/m);
  });
});

describe('/metrics settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nekzus-metrics-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers 404 while metrics.enabled is off', async () => {
    const config = join(dir, 'off.yaml');
    writeFileSync(config, 'metrics:\n  enabled: false\n');
    const h = await startHarness(undefined, { config });
    try {
      const r = await h.call('GET', '/metrics');
      expect(r.status).toBe(404);
      expect(r.text).not.toContain('nekzus_');
    } finally {
      await h.stop();
    }
  });

  it('asks scrapers for credentials with metrics.require_auth', async () => {
    const config = join(dir, 'auth.yaml');
    writeFileSync(config, 'metrics:\n  require_auth: true\nauth:\n  local_network_trust: "off"\n');
    const h = await startHarness(undefined, {
      config,
      env: { NEKZUS_BOOTSTRAP_TOKEN: 'household-token-0123456789' },
    });
    try {
      expect((await h.call('GET', '/metrics')).body.code).toBe(1005);
      const phone = await h.call(
        'POST',
        '/api/v1/auth/pair',
        { device: { id: 'laptop', platform: 'linux' } },
        { authorization: 'Bearer household-token-0123456789' },
      );
      const token = phone.body.accessToken as string;
      const denied = await h.call('GET', '/metrics', undefined, {
        authorization: `Bearer ${token}`,
      });
      expect([denied.status, denied.body.error]).toEqual([403, 'PERMISSION_DENIED']);
      await h.call('POST', '/api/v1/auth/setup', {
        username: 'admin',
        password: 'correct horse battery',
      });
      const login = await h.call('POST', '/api/v1/auth/login', {
        username: 'admin',
        password: 'correct horse battery',
      });
      const key = await h.call(
        'POST',
        '/api/v1/apikeys',
        { name: 'prometheus', scopes: ['read:metrics'] },
        { authorization: `Bearer ${login.body.token}` },
      );
      const ok = await h.call('GET', '/metrics', undefined, { 'x-api-key': key.body.key });
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('nekzus_http_requests_total');
    } finally {
      await h.stop();
    }
  });

  it('serves at metrics.path', async () => {
    const config = join(dir, 'path.yaml');
    writeFileSync(config, 'metrics:\n  path: /internal/metrics\n');
    const h = await startHarness(undefined, { config });
    try {
      expect(await scrape(h, '/internal/metrics')).toContain('nekzus_http_requests_total');
      expect((await h.call('GET', '/metrics')).status).toBe(404);
    } finally {
      await h.stop();
    }
  });
});
