import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect } from '#libs/event-store';
import { startHarness, type Harness } from './support/gateway-harness';

const PAIR_HEADERS = { 'x-pairing-request': 'true' };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` passes: events outside the routing API are applied shortly after they answer. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 100 && !check(value); i++) {
    await sleep(20);
    value = await read();
  }
  return value;
}

interface Log {
  id: number;
  timestamp: string;
  action: string;
  actorId: string;
  actorIp: string;
  targetId: string;
  details: unknown;
  success: boolean;
  error?: string;
  correlationId: string;
  actorKind: string;
  actorName?: string;
  targetName?: string;
}

describe('the audit API', () => {
  let h: Harness;
  let snapshot: { at: string; apps: unknown; routes: unknown; devices: unknown };

  beforeAll(async () => {
    h = await startHarness();
    expect(
      (
        await h.call('POST', '/api/v1/auth/setup', {
          username: 'alice',
          password: 'correct horse battery',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await h.call('POST', '/api/v1/auth/login', {
          username: 'alice',
          password: 'wrong password!',
        })
      ).status,
    ).toBe(401);
    expect(
      (await h.call('POST', '/api/v1/apikeys', { name: 'ci', scopes: ['read:catalog'] })).status,
    ).toBe(201);
    for (let i = 0; i < 4; i++)
      await h.call(
        'POST',
        '/api/v1/routes',
        { routeId: `r${i}`, appId: 'shop', pathBase: `/apps/r${i}/`, to: 'http://10.0.0.2' },
        { 'x-request-id': `create-r${i}` },
      );
    const qr = await h.call('GET', '/api/v1/auth/qr');
    const config = await h.call('POST', '/api/v1/pair', { code: qr.body.code }, PAIR_HEADERS);
    const paired = await h.call(
      'POST',
      '/api/v1/auth/pair',
      { device: { id: 'phone-1', model: 'Pixel 9', platform: 'android' } },
      bearer(config.body.bootstrapToken),
    );
    expect(paired.status).toBe(200);
    await h.call('PATCH', '/api/v1/devices/phone-1', { deviceName: 'Work phone' });
    const head = await h.head();
    await eventually(
      () => h.call('GET', '/api/v1/audit-logs?limit=1'),
      (r) => r.body.logs[0]?.id === Number(head),
    );
    // What the read models say now, and the time that "now" is.
    snapshot = {
      at: new Date().toISOString(),
      apps: (await h.call('GET', '/api/v1/apps')).body,
      routes: (await h.call('GET', '/api/v1/routes')).body,
      devices: (await h.call('GET', '/api/v1/devices')).body,
    };
    await sleep(5);
    // Later history: the state at `snapshot.at` must not see any of it.
    await h.call('PATCH', '/api/v1/routes/r0', { to: 'http://10.9.9.9' });
    await h.call('DELETE', '/api/v1/routes/r1');
    await h.call('POST', '/api/v1/routes', {
      routeId: 'late',
      appId: 'later',
      pathBase: '/apps/late/',
      to: 'http://10.0.0.3',
    });
    await h.call('DELETE', '/api/v1/devices/phone-1');
  });

  afterAll(async () => {
    await h.stop();
  });

  it('lists every event newest first in Nekzus shape, with who, what, where and no secret', async () => {
    const head = Number(await h.head());
    const res = await eventually(
      () => h.call('GET', '/api/v1/audit-logs?limit=1000'),
      (r) => r.body.logs[0]?.id === head,
    );
    expect(res.status).toBe(200);
    const logs = res.body.logs as Log[];
    expect(res.body).toMatchObject({ limit: 1000, offset: 0, count: head, nextCursor: null });
    expect(logs.map((l) => l.id)).toEqual(Array.from({ length: head }, (_, i) => head - i));
    const added = logs.find((l) => l.action === 'route.added' && l.targetId === 'r2')!;
    expect(added).toMatchObject({
      actorId: 'local',
      actorKind: 'admin',
      actorIp: '127.0.0.1',
      success: true,
      correlationId: 'create-r2',
      details: { route: { routeId: 'r2', to: 'http://10.0.0.2' } },
    });
    expect(Object.keys(added).slice(0, 8)).toEqual([
      'id',
      'timestamp',
      'action',
      'actorId',
      'actorIp',
      'targetId',
      'details',
      'success',
    ]);
    expect(logs.find((l) => l.action === 'admin.sign_in_failed')).toMatchObject({
      success: false,
      error: 'wrong-password',
      targetId: 'alice',
    });
    expect(logs.find((l) => l.action === 'device.renamed')).toMatchObject({
      targetId: 'phone-1',
      targetName: 'Work phone',
    });
    expect(logs.find((l) => l.action === 'device.paired')).toMatchObject({ targetName: 'Pixel 9' });
    // Every secret the log holds is masked in the audit log.
    const secrets: string[] = [];
    for (const e of await collect(h.gateway.infra.store.readAll())) {
      const d = e.data as Record<string, unknown>;
      for (const key of ['passwordHash', 'keyHash', 'codeHash', 'tokenDigest'])
        if (typeof d[key] === 'string') secrets.push(d[key]);
    }
    expect(secrets.length).toBeGreaterThanOrEqual(4);
    for (const secret of secrets) expect(res.text).not.toContain(secret);
    expect(res.text).toContain('[redacted]');
  });

  it('filters by action, actor, target, correlation id and time, and pages with a cursor', async () => {
    const q = async (query: string) =>
      (await h.call('GET', `/api/v1/audit-logs?${query}`)).body.logs as Log[];
    expect((await q('action=route.added')).map((l) => l.targetId)).toEqual([
      'late',
      'r3',
      'r2',
      'r1',
      'r0',
    ]);
    expect((await q('correlationId=create-r1')).map((l) => l.action)).toEqual(['route.added']);
    expect((await q('target=route:r1')).map((l) => l.action)).toEqual([
      'route.removed',
      'route.added',
    ]);
    const byPhone = await q('actor=device:phone-1');
    expect(byPhone.length).toBeGreaterThan(0);
    for (const l of byPhone) expect(l).toMatchObject({ actorKind: 'device', actorId: 'phone-1' });
    expect(await q('actor=nobody')).toEqual([]);
    expect((await q(`until=${snapshot.at}&action=route.removed`)).length).toBe(0);
    expect((await q(`since=${snapshot.at}&action=route.removed`)).map((l) => l.targetId)).toEqual([
      'r1',
    ]);

    const seen: number[] = [];
    let after: number | null | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const res = await h.call(
        'GET',
        `/api/v1/audit-logs?limit=3${after !== undefined ? `&after=${after}` : ''}`,
      );
      seen.push(...(res.body.logs as Log[]).map((l) => l.id));
      after = res.body.nextCursor as number | null;
      if (after === null) break;
    }
    const head = Number(await h.head());
    expect(seen).toEqual(Array.from({ length: head }, (_, i) => head - i));
    const oldest = await q('order=asc&limit=2&after=1');
    expect(oldest.map((l) => l.id)).toEqual([2, 3]);
  });

  it('answers a bad query with 400 naming every bad value, in the contract error body', async () => {
    const res = await h.call(
      'GET',
      '/api/v1/audit-logs?limit=0&since=yesterday&order=sideways&after=-1',
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'VALIDATION_FAILED', code: 5003 });
    expect((res.body.details as { field: string }[]).map((d) => d.field).sort()).toEqual([
      'after',
      'limit',
      'order',
      'since',
    ]);
    expect((await h.call('GET', '/api/v1/audit/state?at=tomorrow')).status).toBe(400);
    expect((await h.call('GET', '/api/v1/audit/verify?expectHead=abc')).status).toBe(400);
  });

  it('the state at a past time equals what the read models said at that time, folded from the log', async () => {
    const then = await h.call('GET', `/api/v1/audit/state?at=${snapshot.at}`);
    expect(then.status).toBe(200);
    const routes = snapshot.routes as { routeId: string }[];
    expect(then.body.routes.map((r: { spec: unknown }) => r.spec)).toEqual(
      (then.body.routes as { id: string }[]).map(({ id }) => {
        const {
          status: _s,
          createdAt: _c,
          updatedAt: _u,
          ...spec
        } = routes.find((r) => r.routeId === id) as Record<string, unknown>;
        return spec;
      }),
    );
    expect(then.body.routes.map((r: { id: string }) => r.id)).toEqual(
      routes.map((r) => r.routeId).sort(),
    );
    expect(then.body.apps.map((a: { id: string }) => a.id)).toEqual(
      (snapshot.apps as { id: string }[]).map((a) => a.id).sort(),
    );
    expect(
      then.body.devices.map((d: { id: string; name: string; active: boolean }) => [
        d.id,
        d.name,
        d.active,
      ]),
    ).toEqual(
      (snapshot.devices as { id: string; name: string }[]).map((d) => [d.id, d.name, true]),
    );
    expect(then.body.admins.map((a: { username: string }) => a.username)).toEqual(['alice']);
    expect(then.body.apiKeys.map((k: { name: string }) => k.name)).toEqual(['ci']);
    expect(then.text).not.toMatch(/keyHash|passwordHash/);

    const now = (await h.call('GET', '/api/v1/audit/state')).body;
    expect(now.position).toBe(Number(await h.head()));
    const liveRoutes = (await h.call('GET', '/api/v1/routes')).body as {
      routeId: string;
      to: string;
    }[];
    expect(now.routes.map((r: { id: string; spec: { to: string } }) => [r.id, r.spec.to])).toEqual(
      liveRoutes.map((r) => [r.routeId, r.to]).sort(),
    );
    expect(now.devices).toMatchObject([{ id: 'phone-1', active: false }]);
  });

  it('reports the chain intact up to the head, and a head recorded earlier as found', async () => {
    const status = (await h.call('GET', '/api/v1/audit/verify')).body;
    expect(status).toMatchObject({ intact: true, headPosition: Number(await h.head()) });
    expect(status.headHash).toMatch(/^[0-9a-f]{64}$/);
    const again = (await h.call('GET', `/api/v1/audit/verify?expectHead=${status.headHash}`)).body;
    expect(again.expectedHead).toEqual({
      hash: status.headHash,
      position: status.headPosition,
      newerEvents: 0,
    });
  });

  it('lets a desktop device with read:events read the log, but not the state or the chain', async () => {
    const other = await startHarness();
    try {
      const qr = await other.call('GET', '/api/v1/auth/qr');
      const config = await other.call('POST', '/api/v1/pair', { code: qr.body.code }, PAIR_HEADERS);
      const paired = await other.call(
        'POST',
        '/api/v1/auth/pair',
        { device: { id: 'laptop-2', model: 'ThinkPad', platform: 'linux' } },
        bearer(config.body.bootstrapToken),
      );
      // A valid token decides who calls, also from this (trusted) machine. A desktop gets
      // read:catalog and read:events only (phones also get access:*, which passes every check).
      const asPhone = bearer(paired.body.accessToken as string);
      const logs = await other.call('GET', '/api/v1/audit-logs', undefined, asPhone);
      expect(logs.status).toBe(200);
      expect(logs.body.logs[0]).toMatchObject({ action: 'device.paired', targetId: 'laptop-2' });
      for (const path of ['/api/v1/audit/state', '/api/v1/audit/verify'])
        expect((await other.call('GET', path, undefined, asPhone)).body).toMatchObject({
          error: 'PERMISSION_DENIED',
        });
    } finally {
      await other.stop();
    }
  });
});
