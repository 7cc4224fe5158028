import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/gateway-harness';

const TOKEN = 'household-token-0123456789';
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

async function pair(h: Harness, id: string, model: string, platform = 'android'): Promise<string> {
  const r = await h.call(
    'POST',
    '/api/v1/auth/pair',
    { device: { id, model, platform } },
    bearer(TOKEN),
  );
  expect(r.status).toBe(200);
  return r.body.accessToken as string;
}

describe('stats and activity (Nekzus shapes, served from projections)', () => {
  let h: Harness;
  let upstream: Server;
  let upstreamUrl: string;

  beforeAll(async () => {
    upstream = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    h = await startHarness(undefined, { env: { NEKZUS_BOOTSTRAP_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await h.stop();
    await new Promise((r) => upstream.close(r));
  });

  it('starts empty: an empty feed and cards that say so', async () => {
    expect((await h.call('GET', '/api/v1/activity/recent')).body).toEqual([]);
    const stats = (await h.call('GET', '/api/v1/stats')).body;
    expect(stats.routes).toEqual({ value: 0, trend: '0 active', trendUp: false });
    expect(stats.devices).toEqual({ value: 0, trend: 'No devices', trendUp: false });
    expect(stats.discoveries).toEqual({ value: 0, trend: 'No pending', trendUp: false });
  });

  it('records pairings, webhook activity and revocations in the feed, newest first', async () => {
    await pair(h, 'phone-a', 'Pixel 9');
    const sent = await h.call('POST', '/api/v1/webhooks/activity', {
      message: 'Backup finished',
      icon: 'HardDrive',
      iconClass: 'success',
      details: '42 GB',
    });
    expect(sent.status).toBe(200);
    await pair(h, 'phone-b', 'Galaxy S30');
    expect((await h.call('DELETE', '/api/v1/devices/phone-b')).status).toBe(200);

    const feed = (await h.call('GET', '/api/v1/activity/recent')).body as Record<string, unknown>[];
    expect(feed.map((a) => [a.type, a.message])).toEqual([
      ['device_revoked', 'Device revoked: Galaxy S30'],
      ['device_paired', 'Device paired: Galaxy S30'],
      ['webhook.activity', 'Backup finished'],
      ['device_paired', 'Device paired: Pixel 9'],
    ]);
    expect(feed[0]).toMatchObject({
      id: 'device_revoked_phone-b',
      icon: 'XCircle',
      iconClass: '',
      details: 'Device id phone-b',
    });
    expect(feed[2]).toMatchObject({
      id: sent.body.eventId,
      icon: 'HardDrive',
      iconClass: 'success',
      details: '42 GB',
    });
    expect(feed[3]).toMatchObject({ id: 'device_paired_phone-a', icon: 'Smartphone' });
    expect(feed[3]).not.toHaveProperty('details');
    for (const a of feed)
      expect(Math.abs(Date.now() - (a.timestamp as number))).toBeLessThan(60_000);

    const page = (await h.call('GET', '/api/v1/activity/recent?limit=2&offset=1')).body;
    expect(page).toMatchObject({ total: 4, limit: 2, offset: 1 });
    expect(page.activities.map((a: { message: string }) => a.message)).toEqual([
      'Device paired: Galaxy S30',
      'Backup finished',
    ]);
    const bad = (await h.call('GET', '/api/v1/activity/recent?limit=x')).body;
    expect(bad).toMatchObject({ total: 4, limit: -1, offset: 0 });
    expect(bad.activities).toHaveLength(4);
  });

  it('counts routes, devices and requests, proxied ones included, with bytes per app', async () => {
    expect(
      (
        await h.call('POST', '/api/v1/routes', {
          routeId: 'web',
          appId: 'webapp',
          pathBase: '/apps/web/',
          to: upstreamUrl,
        })
      ).status,
    ).toBe(201);
    const before = (await h.call('GET', '/api/v1/metrics/dashboard')).body;
    for (let i = 0; i < 3; i++) expect((await h.call('GET', '/apps/web/x')).text).toBe('ok');
    const after = (await h.call('GET', '/api/v1/metrics/dashboard')).body;
    expect(after.proxy.totalRequests - before.proxy.totalRequests).toBe(3);
    expect(after.proxy.byApp).toEqual([
      expect.objectContaining({ appId: 'webapp', routeId: 'web', requests: 3, bytesOut: 6 }),
    ]);
    expect(after.http.totalRequests).toBeGreaterThan(before.http.totalRequests);
    expect(after.http.byMethod.GET).toBeGreaterThan(0);
    expect(after.http.topPaths.map((p: { path: string }) => p.path)).toContain(
      '/api/v1/metrics/dashboard',
    );
    expect(after.system.projections.map((p: { projection: string }) => p.projection)).toContain(
      'activity',
    );
    expect(after.system.eventStoreHead).toBe(Number(await h.head()));
    expect(after.auth.pairingSuccess).toBe(2);

    const stats = (await h.call('GET', '/api/v1/stats')).body;
    expect(stats.routes).toEqual({ value: 1, trend: '1 active', trendUp: true });
    expect(stats.devices).toEqual({ value: 1, trend: '1 online now', trendUp: true });
    expect(stats.requests.value).toBeGreaterThanOrEqual(after.http.totalRequests + 3);
    expect(stats.requests.trend).toBe(`${stats.requests.value} total`);

    const quick = (await h.call('GET', '/api/v1/stats/quick')).body;
    const apps = (await h.call('GET', '/api/v1/apps')).body as unknown[];
    expect(quick).toMatchObject({
      servicesTotal: apps.length,
      servicesOffline: 0,
      servicesOnline: apps.length,
      devicesTotal: 1,
      devicesOnline: 1,
      routesTotal: 1,
      uptimePercent: 100,
    });
    expect(quick.avgLatency).toBeGreaterThan(0);
  });

  it('tells who it is', async () => {
    const info = (await h.call('GET', '/api/v1/admin/info')).body;
    expect(info).toEqual({
      version: '0.1.0',
      nekzusId: expect.stringMatching(/^nkz_[A-Za-z0-9_-]{16}$/),
      capabilities: ['catalog', 'events', 'proxy', 'discovery'],
      buildDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
  });
});

describe('stats and activity access', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(undefined, {
      env: { NEKZUS_BOOTSTRAP_TOKEN: TOKEN, NEKZUS_LOCAL_NETWORK_TRUST: 'off' },
    });
  });
  afterAll(() => h.stop());

  it('needs a credential, and read:metrics for the numbers', async () => {
    expect((await h.call('GET', '/api/v1/stats')).status).toBe(401);
    expect((await h.call('GET', '/api/v1/activity/recent')).status).toBe(401);
    // A desktop device gets only read:catalog and read:events.
    const desktop = await pair(h, 'laptop', 'ThinkPad', 'linux');
    const refused = await h.call('GET', '/api/v1/stats', undefined, bearer(desktop));
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBeTruthy();
    expect(
      (await h.call('GET', '/api/v1/activity/recent', undefined, bearer(desktop))).status,
    ).toBe(200);
    const phone = await pair(h, 'phone', 'Pixel 9');
    expect((await h.call('GET', '/api/v1/stats/quick', undefined, bearer(phone))).status).toBe(200);
  });

  it('keeps the feed across a restart: it is a projection of the log', async () => {
    const dataDir = h.dataDir;
    const first = (
      await h.call(
        'GET',
        '/api/v1/activity/recent',
        undefined,
        bearer(await pair(h, 'tablet', 'iPad', 'ios')),
      )
    ).body as { message: string }[];
    await h.stop({ keepData: true });
    h = await startHarness(dataDir, {
      env: { NEKZUS_BOOTSTRAP_TOKEN: TOKEN, NEKZUS_LOCAL_NETWORK_TRUST: 'off' },
    });
    const token = await pair(h, 'tablet-2', 'iPad mini', 'ios');
    const again = (await h.call('GET', '/api/v1/activity/recent', undefined, bearer(token)))
      .body as { message: string }[];
    expect(again.map((a) => a.message)).toEqual([
      'Device paired: iPad mini',
      ...first.map((a) => a.message),
    ]);
  });
});
