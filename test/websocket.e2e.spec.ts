import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHarness, type Harness } from './support/gateway-harness';
import { connect } from './support/ws-client';

const TOKEN = 'household-token-0123456789';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function pair(h: Harness, id: string, platform = 'ios'): Promise<string> {
  const r = await h.call('POST', '/api/v1/auth/pair', { device: { id, platform } }, bearer(TOKEN));
  expect(r.status).toBe(200);
  return r.body.accessToken as string;
}

describe('WebSocket /api/v1/ws', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('authenticates a device in band: auth_success, hello, device_status, in that order', async () => {
    h = await startHarness(undefined, {
      env: { NEKZUS_BOOTSTRAP_TOKEN: TOKEN, NEKZUS_LOCAL_NETWORK_TRUST: 'off' },
    });
    const token = await pair(h, 'phone-1');
    const ws = connect(h);
    await ws.opened;
    ws.send('auth', { token });
    await ws.next('device_status');
    expect(ws.frames.map((f) => f.type)).toEqual(['auth_success', 'hello', 'device_status']);
    expect(ws.frames[0]!.data).toEqual({ deviceId: 'phone-1', message: 'authenticated' });
    expect(ws.frames[1]!.data).toMatchObject({
      message: 'connected',
      nekzusId: h.gateway.nekzusId,
      version: expect.any(String),
    });
    expect(ws.frames[2]!.data).toEqual({ deviceId: 'phone-1', status: 'online' });
    for (const f of ws.frames) {
      expect(f.expiresAt).toBe('0001-01-01T00:00:00Z');
      expect(Date.parse(f.timestamp)).not.toBeNaN();
    }
    const clients = await h.call(
      'GET',
      '/api/v1/admin/websocket/clients',
      undefined,
      bearer(token),
    );
    expect(clients.body).toEqual({ totalConnections: 1, devices: { 'phone-1': 1 } });
    ws.socket.close();
  });

  it('refuses what is not a valid first message, with auth_failed and a close frame', async () => {
    h = await startHarness(undefined, {
      env: { NEKZUS_BOOTSTRAP_TOKEN: TOKEN, NEKZUS_LOCAL_NETWORK_TRUST: 'off' },
      websocket: { authTimeoutMs: 300 },
    });
    const silent = connect(h);
    await silent.opened;
    expect((await silent.next('auth_failed')).data).toEqual({
      error: 'timeout waiting for auth message',
    });
    expect((await silent.closed).code).toBe(1008);

    const wrong = connect(h);
    await wrong.opened;
    wrong.send('subscribe', { topics: ['#'] });
    expect((await wrong.next('auth_failed')).data).toEqual({ error: 'expected auth message' });
    expect((await wrong.closed).code).toBe(1008);

    const anonymous = connect(h);
    await anonymous.opened;
    anonymous.send('auth', { token: '' });
    expect((await anonymous.next('auth_failed')).data).toEqual({
      error: 'token required for external connections',
    });

    const forged = connect(h);
    await forged.opened;
    forged.send('auth', { token: 'a.b.c' });
    expect((await forged.next('auth_failed')).data).toMatchObject({
      code: 'TOKEN_INVALID',
      numericCode: 1002,
    });
    expect((await forged.closed).code).toBe(1008);
  });

  it('lets a local admin in without a token only where local trust is on', async () => {
    h = await startHarness();
    const ws = connect(h);
    await ws.opened;
    ws.send('auth', { token: '' });
    expect((await ws.next('auth_success')).data.deviceId).toBe('admin');
    ws.socket.close();
  });

  it('sends route_added / route_removed and device events, filtered by subscriptions', async () => {
    h = await startHarness(undefined, { env: { NEKZUS_BOOTSTRAP_TOKEN: TOKEN } });
    const all = connect(h);
    const routesOnly = connect(h);
    await Promise.all([all.opened, routesOnly.opened]);
    all.send('auth', { token: '' });
    routesOnly.send('auth', { token: await pair(h, 'tablet') });
    await Promise.all([all.next('auth_success'), routesOnly.next('auth_success')]);
    routesOnly.send('subscribe', { topics: ['route.#'] });
    expect((await routesOnly.next('suback')).data).toEqual({ topics: ['route.#'], success: true });
    routesOnly.send('subscribe', { topics: ['a.#.b'] });
    expect((await routesOnly.next('suback', (f) => !f.data.success)).data.error).toMatch(
      /must be a whole level and the last/,
    );

    await pair(h, 'laptop', 'linux');
    await h.call('POST', '/api/v1/routes', {
      routeId: 'wiki',
      appId: 'wiki',
      pathBase: '/apps/wiki/',
      to: 'http://127.0.0.1:9',
    });
    await h.call('DELETE', '/api/v1/routes/wiki');
    expect((await all.next('device_paired', (f) => f.data.deviceId === 'laptop')).data).toEqual({
      deviceId: 'laptop',
      deviceName: 'linux Device',
      platform: 'linux',
    });
    expect((await all.next('route_added')).data).toEqual({
      routeId: 'wiki',
      appId: 'wiki',
      pathBase: '/apps/wiki/',
    });
    expect((await routesOnly.next('route_removed')).data).toEqual({
      routeId: 'wiki',
      appId: 'wiki',
      pathBase: '/apps/wiki/',
    });
    await all.next('route_removed');
    // The subscribed client saw route events only.
    const after = routesOnly.frames.slice(
      routesOnly.frames.findIndex((f) => f.type === 'suback') + 1,
    );
    expect(after.filter((f) => !['suback'].includes(f.type)).map((f) => f.type)).toEqual([
      'route_added',
      'route_removed',
    ]);
    all.socket.close();
    routesOnly.socket.close();
  });

  it('closes a revoked device at once, with a close frame, and tells the others', async () => {
    h = await startHarness(undefined, { env: { NEKZUS_BOOTSTRAP_TOKEN: TOKEN } });
    const phone = connect(h);
    const admin = connect(h);
    await Promise.all([phone.opened, admin.opened]);
    phone.send('auth', { token: await pair(h, 'phone-2') });
    admin.send('auth', { token: '' });
    await Promise.all([phone.next('auth_success'), admin.next('auth_success')]);
    const revoked = await h.call('DELETE', '/api/v1/devices/phone-2');
    expect(revoked.status).toBe(200);
    // The DELETE returned after the revocation was applied: the socket is already closing.
    expect((await phone.next('auth_failed')).data).toMatchObject({
      code: 'DEVICE_REVOKED',
      numericCode: 1004,
    });
    expect(await phone.closed).toEqual({ code: 1008, reason: 'device revoked' });
    expect((await admin.next('device_revoked')).data).toEqual({ deviceId: 'phone-2' });
    expect((await admin.next('device_status', (f) => f.data.status === 'offline')).data).toEqual({
      deviceId: 'phone-2',
      status: 'offline',
    });
    admin.socket.close();
  });

  it('refuses other sites, oversized frames, and lets an admin disconnect a device', async () => {
    h = await startHarness();
    const evil = connect(h, { headers: { origin: 'https://evil.example' } });
    await expect(evil.opened).rejects.toThrow(/HTTP 403/);
    const same = connect(h, { headers: { origin: h.url } });
    await same.opened;
    same.send('auth', { token: '' });
    await same.next('auth_success');
    same.socket.send('x'.repeat(100 * 1024));
    expect((await same.closed).code).toBe(1009);

    const a = connect(h);
    await a.opened;
    a.send('auth', { token: '' });
    await a.next('auth_success');
    const out = await h.call('DELETE', '/api/v1/admin/websocket/disconnect/admin');
    expect(out.body).toEqual({ deviceId: 'admin', disconnectedCount: 1 });
    expect((await a.closed).code).toBe(1008);
  });

  it('drops a client that stops answering pings', async () => {
    h = await startHarness(undefined, { websocket: { pingIntervalMs: 250 } });
    const alive = connect(h);
    const mute = connect(h, { autoPong: false });
    await Promise.all([alive.opened, mute.opened]);
    alive.send('auth', { token: '' });
    mute.send('auth', { token: '' });
    await Promise.all([alive.next('auth_success'), mute.next('auth_success')]);
    expect((await mute.closed).code).toBe(1006);
    expect(alive.socket.readyState).toBe(WebSocket.OPEN);
    alive.socket.close();
  });
});
