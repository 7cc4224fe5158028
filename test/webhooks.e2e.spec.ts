import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHarness, type Harness } from './support/gateway-harness';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
  status: number;
}

/** A receiver on 127.0.0.1 that answers `plan()` (default 200) and keeps what it got. */
async function receiver(plan: () => number = () => 200) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const status = plan();
      received.push({ headers: req.headers, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise((r) => server.close(r)),
  };
}

async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A subscription as the API shows it. */
async function subscription(h: Harness, id: string): Promise<Record<string, any>> {
  return (await h.call('GET', `/api/v1/webhooks/subscriptions/${id}`)).body as Record<string, any>;
}

const route = (id: string) => ({
  routeId: id,
  appId: id,
  pathBase: `/apps/${id}/`,
  to: 'http://127.0.0.1:9',
});
const FAST = { baseBackoffMs: 20, maxBackoffMs: 100 };
const ALLOW = { NEKZUS_WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true' };

describe('outbound webhooks', () => {
  let h: Harness | undefined;
  let closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    await h?.stop();
    h = undefined;
    for (const c of closers) await c();
    closers = [];
  });

  it('delivers matching events after creation, signed, each once; history is not replayed', async () => {
    const r = await receiver();
    closers.push(r.close);
    h = await startHarness(undefined, { env: ALLOW, webhooks: FAST });
    await h.call('POST', '/api/v1/routes', route('before'));
    const created = await h.call('POST', '/api/v1/webhooks/subscriptions', {
      url: r.url,
      eventTypes: ['RouteAdded'],
      allowPrivateTarget: true,
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await h.call('GET', '/api/v1/webhooks/subscriptions')).text).not.toContain(
      created.body.secret,
    );
    await h.call('POST', '/api/v1/routes', route('after'));
    await h.call('DELETE', '/api/v1/routes/after');
    const got = await eventually(
      () => (r.received.length >= 1 ? r.received[0] : undefined),
      'a delivery',
    );
    const body = JSON.parse(got.body) as { type: string; data: { route: { routeId: string } } };
    expect(body.type).toBe('RouteAdded');
    expect(body.data.route.routeId).toBe('after');
    const timestamp = String(got.headers['x-nekzus-timestamp']);
    const expected = `sha256=${createHmac('sha256', created.body.secret).update(`${timestamp}.${got.body}`).digest('hex')}`;
    expect(got.headers['x-nekzus-signature']).toBe(expected);
    expect(got.headers['x-nekzus-event']).toBe('RouteAdded');
    await eventually(
      async () =>
        (await h!.call('GET', `/api/v1/webhooks/subscriptions/${created.body.id}`)).body
          .delivered === 1
          ? true
          : undefined,
      'the delivery recorded',
    );
    expect(r.received).toHaveLength(1);
  });

  it('retries a failing receiver with backoff, records every failure, and survives a restart without duplicates', async () => {
    let failing = true;
    const r = await receiver(() => (failing ? 503 : 200));
    closers.push(r.close);
    h = await startHarness(undefined, { env: ALLOW, webhooks: FAST });
    const sub = (
      await h.call('POST', '/api/v1/webhooks/subscriptions', {
        url: r.url,
        eventTypes: ['RouteAdded'],
        allowPrivateTarget: true,
      })
    ).body;
    await h.call('POST', '/api/v1/routes', route('one'));
    await eventually(() => (r.received.length >= 2 ? true : undefined), 'two failed attempts');
    const dataDir = h.dataDir;
    await h.stop({ keepData: true });
    failing = false;
    h = await startHarness(dataDir, { env: ALLOW, webhooks: FAST });
    await h.call('POST', '/api/v1/routes', route('two'));
    await eventually(
      () => (r.received.filter((x) => x.status === 200).length >= 2 ? true : undefined),
      'both delivered',
    );
    await new Promise((r2) => setTimeout(r2, 300));
    const ok = r.received
      .filter((x) => x.status === 200)
      .map(
        (x) => (JSON.parse(x.body) as { data: { route: { routeId: string } } }).data.route.routeId,
      );
    expect(ok).toEqual(['one', 'two']);
    const view = await subscription(h, sub.id as string);
    expect(view.delivered).toBe(2);
    expect(view.failures).toBeGreaterThanOrEqual(2);
    expect(view.lastError).toBe('the receiver answered 503');
  });

  it('pauses a subscription that keeps failing, says why, and resumes on request', async () => {
    let failing = true;
    const r = await receiver(() => (failing ? 500 : 200));
    closers.push(r.close);
    h = await startHarness(undefined, { env: ALLOW, webhooks: { ...FAST, pauseAfterMs: 150 } });
    const sub = (
      await h.call('POST', '/api/v1/webhooks/subscriptions', {
        url: r.url,
        eventTypes: ['*'],
        allowPrivateTarget: true,
      })
    ).body;
    await h.call('POST', '/api/v1/routes', route('x'));
    const paused = await eventually(async () => {
      const v = await subscription(h!, sub.id);
      return v.status === 'paused' ? v : undefined;
    }, 'the pause');
    expect(paused.pausedReason).toMatch(/deliveries failed .*the receiver answered 500/);
    failing = false;
    expect(
      (await h.call('PATCH', `/api/v1/webhooks/subscriptions/${sub.id}`, { status: 'active' })).body
        .status,
    ).toBe('active');
    await eventually(
      () => (r.received.some((x) => x.status === 200) ? true : undefined),
      'delivery after resuming',
    );
  });

  it('refuses private targets unless both the subscription and the config allow them', async () => {
    const r = await receiver();
    closers.push(r.close);
    h = await startHarness(undefined, { webhooks: FAST });
    const sub = (
      await h.call('POST', '/api/v1/webhooks/subscriptions', {
        url: r.url,
        eventTypes: ['RouteAdded'],
        allowPrivateTarget: true,
      })
    ).body;
    await h.call('POST', '/api/v1/routes', route('y'));
    const view = await eventually(async () => {
      const v = await subscription(h!, sub.id);
      return v.failures > 0 ? v : undefined;
    }, 'a refused delivery');
    expect(view.lastError).toMatch(/127\.0\.0\.1 is a private address/);
    expect(r.received).toHaveLength(0);
    const bad = await h.call('POST', '/api/v1/webhooks/subscriptions', {
      url: 'ftp://x',
      eventTypes: [],
    });
    expect(bad.body.details.map((d: { field: string }) => d.field)).toEqual(['url', 'eventTypes']);
  });
});

describe('inbound webhooks', () => {
  it('send activity to the phones named, or to everyone', async () => {
    const h = await startHarness(undefined, {
      env: { NEKZUS_BOOTSTRAP_TOKEN: 'household-token-0123456789' },
    });
    try {
      const paired = await h.call(
        'POST',
        '/api/v1/auth/pair',
        { device: { id: 'phone-1', platform: 'ios' } },
        { authorization: 'Bearer household-token-0123456789' },
      );
      const open = (token: string) =>
        new Promise<{ ws: WebSocket; frames: { type: string; data: any }[] }>((resolve) => {
          const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/ws`);
          const frames: { type: string; data: any }[] = [];
          ws.on('message', (m: Buffer) => {
            const f = JSON.parse(m.toString()) as { type: string; data: any };
            frames.push(f);
            if (f.type === 'auth_success') resolve({ ws, frames });
          });
          ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', data: { token } })));
        });
      const phone = await open(paired.body.accessToken);
      const dashboard = await open('');
      const sent = await h.call('POST', '/api/v1/webhooks/activity', {
        message: 'Backup finished',
        deviceIds: ['phone-1'],
      });
      expect(sent.body).toMatchObject({
        success: true,
        eventId: expect.stringMatching(/^webhook-/),
      });
      await h.call('POST', '/api/v1/webhooks/notify', { type: 'custom', data: { n: 1 } });
      const firstWebhook = await eventually(
        () => phone.frames.find((f) => f.type === 'webhook'),
        'the phone’s message',
      );
      expect(firstWebhook.data).toMatchObject({
        type: 'webhook.activity',
        message: 'Backup finished',
        icon: 'Bell',
      });
      const dashboardGot = await eventually(
        () => dashboard.frames.find((f) => f.type === 'webhook'),
        'the broadcast',
      );
      expect(dashboardGot.data).toEqual({ type: 'custom', data: { n: 1 } });
      expect(dashboard.frames.filter((f) => f.type === 'webhook')).toHaveLength(1);
      expect((await h.call('POST', '/api/v1/webhooks/activity', { icon: 'x' })).status).toBe(400);
      phone.ws.close();
      dashboard.ws.close();
    } finally {
      await h.stop();
    }
  });
});
