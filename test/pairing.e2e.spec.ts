import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHarness, type Harness } from './support/gateway-harness';

const ALPHABET = /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$/;
const PAIR_HEADERS = { 'x-pairing-request': 'true' };

/** The app's integrity check, written from the contract (A §2.4), not from our code. */
function expectedV(
  code: string,
  config: { baseUrl: string; nekzusId: string; bootstrapToken: string; spkiPins: string[] },
): string {
  const text = `${code}:${config.baseUrl}${config.nekzusId}${config.bootstrapToken}${config.spkiPins.join(',')}`;
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const claimsOf = (token: string): Record<string, any> =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, any>;

async function pairPhone(h: Harness, id = 'phone-1', platform = 'android') {
  const qr = await h.call('GET', '/api/v1/auth/qr');
  const config = await h.call('POST', '/api/v1/pair', { code: qr.body.code }, PAIR_HEADERS);
  const paired = await h.call(
    'POST',
    '/api/v1/auth/pair',
    { device: { id, model: 'Pixel 9', platform } },
    bearer(config.body.bootstrapToken),
  );
  expect(paired.status).toBe(200);
  return { qr: qr.body, config: config.body, token: paired.body.accessToken as string };
}

describe('pairing, as the mobile app does it', () => {
  let h: Harness | undefined;
  let upstream: Server | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
    upstream?.close();
    upstream = undefined;
  });

  it('QR → pair → auth/pair → WebSocket auth → refresh, with the integrity hash the app checks', async () => {
    h = await startHarness();
    const qr = await h.call('GET', '/api/v1/auth/qr');
    expect(qr.status).toBe(200);
    expect(qr.body.code).toMatch(ALPHABET);
    expect(qr.body.qr.c).toBe(qr.body.code);
    expect(qr.body.qr.u).toBe(h.gateway.baseUrl);

    // The PNG shows the same code: no second code is issued.
    const headBefore = await h.head();
    const png = await fetch(`${h.url}/api/v1/auth/qr?format=png`);
    expect(png.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await png.arrayBuffer());
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(png.headers.get('x-pairing-code')).toBe(qr.body.code);
    expect(await h.head()).toBe(headBefore);

    expect((await h.call('GET', `/api/v1/auth/qr/status?code=${qr.body.code}`)).body).toMatchObject(
      { valid: true, redeemed: false, status: 'issued' },
    );

    const missingHeader = await h.call('POST', '/api/v1/pair', { code: qr.body.code });
    expect(missingHeader.status).toBe(400);
    expect(missingHeader.body.error).toBe('MISSING_HEADER');

    const config = await h.call(
      'POST',
      '/api/v1/pair',
      { code: qr.body.code.toLowerCase() },
      PAIR_HEADERS,
    );
    expect(config.status).toBe(200);
    expect(Object.keys(config.body).sort()).toEqual([
      'baseUrl',
      'bootstrapToken',
      'capabilities',
      'expiresAt',
      'name',
      'nekzusId',
      'spkiPins',
    ]);
    expect(config.body.bootstrapToken).toMatch(/^temp_[A-Za-z0-9_-]{43}$/);
    expect(config.body.nekzusId).toMatch(/^nkz_[A-Za-z0-9_-]{16}$/);
    expect(config.body.capabilities).toEqual(['catalog', 'events', 'proxy', 'discovery']);
    expect(qr.body.qr.v).toBe(expectedV(qr.body.code, config.body));
    // Redeeming again gives the same config until the device has paired.
    expect(
      (await h.call('POST', '/api/v1/pair', { code: qr.body.code }, PAIR_HEADERS)).body,
    ).toEqual(config.body);
    expect((await h.call('GET', `/api/v1/auth/qr/status?code=${qr.body.code}`)).body).toMatchObject(
      { redeemed: true, status: 'redeemed' },
    );

    const paired = await h.call(
      'POST',
      '/api/v1/auth/pair',
      { device: { id: 'phone-1', model: 'Pixel 9', platform: 'android', pushToken: null } },
      bearer(config.body.bootstrapToken),
    );
    expect(paired.status).toBe(200);
    expect(paired.body).toMatchObject({
      expiresIn: 43200,
      deviceId: 'phone-1',
      scopes: ['read:catalog', 'read:events', 'access:mobile', 'access:*', 'read:*'],
    });
    const token = paired.body.accessToken as string;
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    const claims = claimsOf(token);
    expect(Object.keys(claims).sort()).toEqual([
      'aud',
      'exp',
      'iat',
      'iss',
      'jti',
      'scopes',
      'sub',
    ]);
    expect(claims).toMatchObject({ iss: 'nekzus', aud: 'nekzus-mobile', sub: 'phone-1' });
    expect(claims.exp - claims.iat).toBe(43200);
    expect((await h.call('GET', `/api/v1/auth/qr/status?code=${qr.body.code}`)).body).toMatchObject(
      { status: 'used', deviceId: 'phone-1' },
    );

    // The token works; the code and its bootstrap token are spent.
    const devices = await h.call('GET', '/api/v1/devices', undefined, bearer(token));
    expect(devices.status).toBe(200);
    expect(devices.body).toEqual([
      expect.objectContaining({
        id: 'phone-1',
        name: 'Pixel 9',
        platform: 'android',
        platformVersion: '',
        status: 'online',
      }),
    ]);
    const reused = await h.call(
      'POST',
      '/api/v1/auth/pair',
      { device: { id: 'phone-2', platform: 'ios' } },
      bearer(config.body.bootstrapToken),
    );
    expect(reused.status).toBe(401);
    expect(reused.body).toMatchObject({ error: 'INVALID_BOOTSTRAP', code: 5002 });
    expect(
      (await h.call('POST', '/api/v1/pair', { code: qr.body.code }, PAIR_HEADERS)).body.error,
    ).toBe('INVALID_CODE');

    // The app then opens the WebSocket and authenticates in band with its token.
    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/api/v1/ws`);
    await new Promise((resolve) => ws.once('open', resolve));
    const first = new Promise<string>((resolve) =>
      ws.once('message', (m: Buffer) => resolve(m.toString())),
    );
    ws.send(JSON.stringify({ type: 'auth', data: { token } }));
    expect(JSON.parse(await first)).toMatchObject({
      type: 'auth_success',
      data: { deviceId: 'phone-1' },
    });
    ws.close();

    const refreshed = await h.call('POST', '/api/v1/auth/refresh', undefined, bearer(token));
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ deviceId: 'phone-1', expiresIn: 43200 });
    expect(claimsOf(refreshed.body.accessToken).jti).not.toBe(claims.jti);
  });

  it('two racing redemptions of one bootstrap token pair exactly one device', async () => {
    h = await startHarness();
    const qr = await h.call('GET', '/api/v1/auth/qr');
    const config = await h.call('POST', '/api/v1/pair', { code: qr.body.code }, PAIR_HEADERS);
    const results = await Promise.all(
      ['racer-a', 'racer-b', 'racer-c'].map((id) =>
        h!.call(
          'POST',
          '/api/v1/auth/pair',
          { device: { id, platform: 'ios' } },
          bearer(config.body.bootstrapToken),
        ),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
    const list = await h.call('GET', '/api/v1/devices');
    expect(list.body).toHaveLength(1);
    const paired = [];
    for await (const e of h.gateway.infra.store.readAll())
      if (e.type === 'DevicePaired') paired.push(e);
    expect(paired).toHaveLength(1);
  });

  it('answers every bad input with its code and changes nothing', async () => {
    let offset = 0;
    h = await startHarness(undefined, {
      clock: () => Date.now() + offset,
      env: {
        NEKZUS_LOCAL_NETWORK_TRUST: 'off',
        NEKZUS_BOOTSTRAP_TOKEN: 'household-token-0123456789',
      },
    });
    const secret = readFileSync(join(h.dataDir, 'jwt-secret'), 'utf8').trim();
    const paired = await h.call(
      'POST',
      '/api/v1/auth/pair',
      { device: { id: 'phone-1', platform: 'ios' } },
      bearer('household-token-0123456789'),
    );
    const token = paired.body.accessToken as string;
    expect((await h.call('GET', '/api/v1/devices', undefined, bearer(token))).status).toBe(200);
    const head = await h.head();
    const sign = (claims: object, options: jwt.SignOptions = {}) =>
      jwt.sign({ sub: 'phone-1', scopes: ['read:*'], jti: 'x', ...claims }, secret, {
        issuer: 'nekzus',
        audience: 'nekzus-mobile',
        ...('exp' in claims ? {} : { expiresIn: 3600 }),
        ...options,
      });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const [header, , signature] = token.split('.');
    const cases: [string, Record<string, string>, number, string, number | undefined][] = [
      ['no token', {}, 401, 'AUTH_REQUIRED', 1005],
      ['garbage', bearer('not-a-token'), 401, 'TOKEN_INVALID', 1002],
      [
        'tampered',
        bearer(`${header}.${b64({ ...claimsOf(token), scopes: ['access:*'] })}.${signature}`),
        401,
        'TOKEN_INVALID',
        1002,
      ],
      [
        'alg none',
        bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claimsOf(token))}.`),
        401,
        'TOKEN_INVALID',
        1002,
      ],
      ['wrong issuer', bearer(sign({}, { issuer: 'evil' })), 401, 'TOKEN_INVALID', 1002],
      ['wrong audience', bearer(sign({}, { audience: 'evil' })), 401, 'TOKEN_INVALID', 1002],
      [
        'expired',
        bearer(sign({ exp: Math.floor(Date.now() / 1000) - 60 })),
        401,
        'TOKEN_EXPIRED',
        1001,
      ],
      ['unknown device', bearer(sign({ sub: 'never-paired' })), 401, 'DEVICE_REVOKED', 1004],
      [
        'desktop scopes',
        bearer(sign({ scopes: ['read:catalog'] })),
        403,
        'PERMISSION_DENIED',
        2001,
      ],
    ];
    for (const [name, headers, status, error, code] of cases) {
      const r = await h.call('GET', '/api/v1/devices', undefined, headers);
      expect([name, r.status, r.body.error, r.body.code]).toEqual([name, status, error, code]);
    }

    // Pairing inputs: an administrator issues the code.
    await h.call('POST', '/api/v1/auth/setup', {
      username: 'admin',
      password: 'correct horse battery',
    });
    const login = await h.call('POST', '/api/v1/auth/login', {
      username: 'admin',
      password: 'correct horse battery',
    });
    const admin = bearer(login.body.token);
    const noBearer = await h.call('POST', '/api/v1/auth/pair', { device: { platform: 'ios' } });
    expect([noBearer.status, noBearer.body.code]).toEqual([401, 1005]);
    const guessed = await h.call(
      'POST',
      '/api/v1/auth/pair',
      { device: { platform: 'ios' } },
      bearer('temp_guessed'),
    );
    expect([guessed.status, guessed.body.error, guessed.body.code]).toEqual([
      401,
      'INVALID_BOOTSTRAP',
      5002,
    ]);
    expect((await h.call('GET', '/api/v1/auth/qr')).status).toBe(401);
    const qr = await h.call('GET', '/api/v1/auth/qr', undefined, admin);
    const config = await h.call('POST', '/api/v1/pair', { code: qr.body.code }, PAIR_HEADERS);
    const headAfterRedeem = await h.head();
    const badBody = await h.call(
      'POST',
      '/api/v1/auth/pair',
      { device: { platform: 'symbian', id: 'user-admin' } },
      bearer(config.body.bootstrapToken),
    );
    expect(badBody.status).toBe(400);
    expect(badBody.body.details.map((d: { field: string }) => d.field)).toEqual([
      'device.platform',
      'device.id',
    ]);
    // A bad body does not spend the token: the device can retry.
    expect((await h.call('GET', `/api/v1/auth/qr/status?code=${qr.body.code}`)).body.status).toBe(
      'redeemed',
    );

    // Five minutes later the code and its token are refused.
    offset = 6 * 60_000;
    expect(
      (await h.call('POST', '/api/v1/pair', { code: qr.body.code }, PAIR_HEADERS)).status,
    ).toBe(404);
    const late = await h.call(
      'POST',
      '/api/v1/auth/pair',
      { device: { platform: 'ios' } },
      bearer(config.body.bootstrapToken),
    );
    expect([late.status, late.body.error]).toEqual([401, 'INVALID_BOOTSTRAP']);
    expect((await h.call('GET', `/api/v1/auth/qr/status?code=${qr.body.code}`)).body).toMatchObject(
      { expired: true, status: 'expired', ttl: 0 },
    );
    const unknown = await h.call('POST', '/api/v1/pair', { code: 'ZZZZZZZZ' }, PAIR_HEADERS);
    expect([unknown.status, unknown.body.error]).toEqual([404, 'INVALID_CODE']);
    // None of the refusals recorded anything.
    expect(await h.head()).toBe(headAfterRedeem);
    expect(head).toBeLessThan(headAfterRedeem);
  });

  it('guessing pairing codes runs into the rate limit', async () => {
    h = await startHarness();
    const statuses: number[] = [];
    let limited: Headers | undefined;
    for (let i = 0; i < 8; i++) {
      const r = await h.call('POST', '/api/v1/pair', { code: `ZZZZZZZ${i}` }, PAIR_HEADERS);
      statuses.push(r.status);
      if (r.status === 429) limited = r.headers;
    }
    expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    expect(limited?.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    expect(limited?.get('ratelimit-remaining')).toBe('0');
  });

  it('a revoked device is refused by REST, refresh and the proxy, also after a restart', async () => {
    upstream = createServer((_req, res) => res.end('upstream says hi'));
    await new Promise<void>((r) => upstream!.listen(0, '127.0.0.1', r));
    const port = (upstream.address() as AddressInfo).port;
    h = await startHarness();
    const created = await h.call('POST', '/api/v1/routes', {
      routeId: 'hello',
      appId: 'hello',
      pathBase: '/apps/hello/',
      to: `http://127.0.0.1:${port}`,
      scopes: ['access:hello'],
    });
    expect(created.status).toBe(201);
    const { token } = await pairPhone(h);
    expect((await h.call('GET', '/apps/hello/', undefined, bearer(token))).text).toBe(
      'upstream says hi',
    );

    const revoked = await h.call('DELETE', '/api/v1/devices/phone-1');
    expect(revoked.body).toMatchObject({ status: 'revoked', deviceId: 'phone-1' });
    const check = async () => {
      for (const [method, path] of [
        ['GET', '/api/v1/devices'],
        ['POST', '/api/v1/auth/refresh'],
        ['GET', '/apps/hello/'],
      ] as const) {
        const r = await h!.call(method, path, undefined, bearer(token));
        expect([path, r.status, r.body?.error, r.body?.code]).toEqual([
          path,
          401,
          'DEVICE_REVOKED',
          1004,
        ]);
      }
    };
    await check();
    expect((await h.call('GET', '/api/v1/devices/phone-1')).status).toBe(404);

    const dataDir = h.dataDir;
    await h.stop({ keepData: true });
    h = await startHarness(dataDir);
    await check();
  });

  it('codes, the instance id and devices survive a restart', async () => {
    h = await startHarness();
    const qr = await h.call('GET', '/api/v1/auth/qr');
    const first = await h.call('POST', '/api/v1/pair', { code: qr.body.code }, PAIR_HEADERS);
    const dataDir = h.dataDir;
    await h.stop({ keepData: true });
    h = await startHarness(dataDir);
    const again = await h.call('POST', '/api/v1/pair', { code: qr.body.code }, PAIR_HEADERS);
    expect(again.status).toBe(200);
    expect(again.body.nekzusId).toBe(first.body.nekzusId);
    expect(again.body.bootstrapToken).toBe(first.body.bootstrapToken);
    const paired = await h.call(
      'POST',
      '/api/v1/auth/pair',
      { device: { id: 'tablet', platform: 'ios' } },
      bearer(again.body.bootstrapToken),
    );
    expect(paired.status).toBe(200);
  });

  it('permanent bootstrap tokens pair without a QR code but cannot take over a paired id', async () => {
    h = await startHarness(undefined, {
      env: { NEKZUS_BOOTSTRAP_TOKEN: 'household-token-0123456789' },
    });
    const pair = (id: string) =>
      h!.call(
        'POST',
        '/api/v1/auth/pair',
        { device: { id, platform: 'linux' } },
        bearer('household-token-0123456789'),
      );
    const first = await pair('laptop');
    expect(first.status).toBe(200);
    expect(first.body.scopes).toEqual(['read:catalog', 'read:events']);
    expect((await pair('desktop')).status).toBe(200);
    const takeover = await pair('laptop');
    expect([takeover.status, takeover.body.error]).toEqual([409, 'DEVICE_ID_TAKEN']);
  });

  it('re-pairing an id through a QR code retires the tokens of the earlier pairing', async () => {
    let offset = 0;
    h = await startHarness(undefined, { clock: () => Date.now() + offset });
    const { token: old } = await pairPhone(h, 'phone-9');
    offset = 2000;
    const { token: fresh } = await pairPhone(h, 'phone-9');
    expect((await h.call('GET', '/api/v1/devices', undefined, bearer(fresh))).status).toBe(200);
    const stale = await h.call('GET', '/api/v1/devices', undefined, bearer(old));
    expect([stale.status, stale.body.error, stale.body.code]).toEqual([401, 'TOKEN_REVOKED', 1003]);
  });

  it('serves the /pair page only to whoever may pair devices', async () => {
    h = await startHarness();
    const page = await fetch(`${h.url}/pair`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<img src="data:image\/png;base64,/);
    const code = /<strong id="code">([A-Z0-9]{8})<\/strong>/.exec(html)?.[1];
    expect(code).toMatch(ALPHABET);
    expect((await h.call('GET', `/api/v1/auth/qr/status?code=${code}`)).body.status).toBe('issued');
    await h.stop();
    h = await startHarness(undefined, { env: { NEKZUS_LOCAL_NETWORK_TRUST: 'off' } });
    const refused = await fetch(`${h.url}/pair`);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toMatch(/Only an administrator/);
  });
});
