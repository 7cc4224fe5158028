import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/gateway-harness';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const PASSWORD = 'correct horse battery';
const TRUST_OFF = { NEKZUS_LOCAL_NETWORK_TRUST: 'off' };

function cookiesOf(headers: Headers): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const line of headers.getSetCookie()) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    jar[pair!.slice(0, eq)] = line;
  }
  return jar;
}
const valueOf = (line: string) => line.split(';')[0]!.split('=').slice(1).join('=');

describe('administrator accounts', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('setup happens once; bad input changes nothing', async () => {
    h = await startHarness(undefined, { env: TRUST_OFF });
    expect((await h.call('GET', '/api/v1/auth/setup-status')).body).toEqual({
      setupRequired: true,
      hasUsers: false,
    });
    const head = await h.head();
    const weak = await h.call('POST', '/api/v1/auth/setup', {
      username: 'admin',
      password: 'short',
    });
    expect(weak.status).toBe(400);
    expect(weak.body.details).toEqual([{ field: 'password', message: 'at least 10 characters' }]);
    const badName = await h.call('POST', '/api/v1/auth/setup', {
      username: 'ad min',
      password: PASSWORD,
    });
    expect(badName.body.details[0].field).toBe('username');
    const extra = await h.call('POST', '/api/v1/auth/setup', {
      username: 'admin',
      password: PASSWORD,
      role: 'root',
    });
    expect(extra.status).toBe(400);
    expect(await h.head()).toBe(head);

    const [first, second] = await Promise.all([
      h.call('POST', '/api/v1/auth/setup', { username: 'admin', password: PASSWORD }),
      h.call('POST', '/api/v1/auth/setup', { username: 'mallory', password: PASSWORD }),
    ]);
    expect([first.status, second.status].sort()).toEqual([201, 409]);
    expect([first, second].find((r) => r.status === 409)!.body.error).toBe(
      'SETUP_ALREADY_COMPLETED',
    );
    const later = await h.call('POST', '/api/v1/auth/setup', {
      username: 'eve',
      password: PASSWORD,
    });
    expect(later.status).toBe(409);
    expect((await h.call('GET', '/api/v1/auth/setup-status')).body).toEqual({
      setupRequired: false,
      hasUsers: true,
    });
  });

  it('signs in with a bearer token and an httpOnly cookie; CSRF guards the cookie; sign-out ends both', async () => {
    h = await startHarness(undefined, { env: TRUST_OFF });
    await h.call('POST', '/api/v1/auth/setup', { username: 'admin', password: PASSWORD });
    const login = await h.call('POST', '/api/v1/auth/login', {
      username: 'admin',
      password: PASSWORD,
    });
    expect(login.status).toBe(200);
    expect(login.body.user).toMatchObject({ id: 1, username: 'admin', isActive: true });
    expect(login.body.user.lastLogin).toBeUndefined();
    const jar = cookiesOf(login.headers);
    expect(jar['nekzus_session']).toMatch(/HttpOnly/);
    expect(jar['nekzus_session']).toMatch(/SameSite=Strict/);
    expect(jar['nekzus_csrf']).not.toMatch(/HttpOnly/);
    const cookie = { cookie: `nekzus_session=${valueOf(jar['nekzus_session']!)}` };
    const csrf = valueOf(jar['nekzus_csrf']!);
    expect(csrf).toBe(login.body.csrfToken);

    expect(
      (await h.call('GET', '/api/v1/auth/me', undefined, bearer(login.body.token))).body.user
        .username,
    ).toBe('admin');
    expect((await h.call('GET', '/api/v1/auth/me', undefined, cookie)).body.user.username).toBe(
      'admin',
    );
    expect((await h.call('GET', '/api/v1/routes', undefined, cookie)).status).toBe(200);

    const route = {
      routeId: 'grafana',
      appId: 'grafana',
      pathBase: '/apps/grafana/',
      to: 'http://127.0.0.1:3000',
    };
    const forged = await h.call('POST', '/api/v1/routes', route, cookie);
    expect([forged.status, forged.body.error]).toEqual([403, 'CSRF_TOKEN_INVALID']);
    expect((await h.call('GET', '/api/v1/routes', undefined, cookie)).body).toEqual([]);
    expect(
      (await h.call('POST', '/api/v1/routes', route, { ...cookie, 'x-csrf-token': csrf })).status,
    ).toBe(201);
    // Scripts with the bearer token need no CSRF token.
    expect(
      (await h.call('DELETE', '/api/v1/routes/grafana', undefined, bearer(login.body.token)))
        .status,
    ).toBe(204);

    const out = await h.call('POST', '/api/v1/auth/logout', undefined, bearer(login.body.token));
    expect(out.body).toEqual({ message: 'Logged out successfully' });
    for (const headers of [bearer(login.body.token), cookie]) {
      const r = await h.call('GET', '/api/v1/routes', undefined, headers);
      expect([r.status, r.body.error, r.body.code]).toEqual([401, 'TOKEN_REVOKED', 1003]);
    }
    // The next sign-in reports the previous one.
    const again = await h.call('POST', '/api/v1/auth/login', {
      username: 'admin',
      password: PASSWORD,
    });
    expect(again.body.user.lastLogin).toEqual(expect.any(String));
    // Sign-outs are events: a restart does not bring the session back.
    const dataDir = h.dataDir;
    await h.stop({ keepData: true });
    h = await startHarness(dataDir, { env: TRUST_OFF });
    expect(
      (await h.call('GET', '/api/v1/routes', undefined, bearer(login.body.token))).body.code,
    ).toBe(1003);
    expect(
      (await h.call('GET', '/api/v1/routes', undefined, bearer(again.body.token))).status,
    ).toBe(200);
  });

  it('locks an account out after repeated failures, the right password included', async () => {
    h = await startHarness(undefined, { env: TRUST_OFF });
    await h.call('POST', '/api/v1/auth/setup', { username: 'admin', password: PASSWORD });
    const wrong = await h.call('POST', '/api/v1/auth/login', {
      username: 'admin',
      password: 'guess-0000',
    });
    expect([wrong.status, wrong.body.error]).toEqual([401, 'INVALID_CREDENTIALS']);
    const unknown = await h.call('POST', '/api/v1/auth/login', {
      username: 'nobody',
      password: 'guess-0000',
    });
    expect(unknown.body).toMatchObject({
      error: 'INVALID_CREDENTIALS',
      message: wrong.body.message,
    });
    for (let i = 1; i < 5; i++)
      await h.call('POST', '/api/v1/auth/login', { username: 'admin', password: `guess-${i}` });
    const locked = await h.call('POST', '/api/v1/auth/login', {
      username: 'admin',
      password: PASSWORD,
    });
    expect([locked.status, locked.body.error, locked.body.code]).toEqual([
      429,
      'RATE_LIMITED',
      4001,
    ]);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(60);
    const failures = [];
    for await (const e of h.gateway.infra.store.readAll())
      if (e.type === 'AdminSignInFailed') failures.push(e.data);
    // The sixth attempt was already refused (the address had five failures): nothing recorded.
    expect(failures).toHaveLength(5);
    // The lock-out is rebuilt from the events after a restart.
    const dataDir = h.dataDir;
    await h.stop({ keepData: true });
    h = await startHarness(dataDir, { env: TRUST_OFF });
    expect(
      (await h.call('POST', '/api/v1/auth/login', { username: 'admin', password: PASSWORD }))
        .status,
    ).toBe(429);
  });

  it('/auth/me is for signed-in administrators only', async () => {
    h = await startHarness();
    const me = await h.call('GET', '/api/v1/auth/me');
    expect([me.status, me.body.error]).toEqual([401, 'NOT_SIGNED_IN']);
  });
});

describe('the access policy', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.stop();
    h = undefined;
  });

  it('with trust off, loopback callers need credentials like anyone', async () => {
    h = await startHarness(undefined, { env: TRUST_OFF });
    const r = await h.call('GET', '/api/v1/routes');
    expect([r.status, r.body.error, r.body.code]).toEqual([401, 'AUTH_REQUIRED', 1005]);
    // Health and the pairing entry points stay public.
    expect((await h.call('GET', '/healthz')).status).toBe(200);
    expect((await h.call('GET', '/api/v1/auth/qr/status?code=ABCDEFGH')).status).toBe(200);
  });

  it('believes X-Forwarded-For only from trusted proxies; API keys work from anywhere with their scopes', async () => {
    h = await startHarness();
    // 127.0.0.1 is no trusted proxy by default: a spoofed header changes nothing.
    expect(
      (await h.call('GET', '/api/v1/routes', undefined, { 'x-forwarded-for': '203.0.113.9' }))
        .status,
    ).toBe(200);
    await h.stop();

    let offset = 0;
    const dir = mkdtempSync(join(tmpdir(), 'nekzus-access-'));
    const file = join(dir, 'nekzus.yaml');
    writeFileSync(file, 'server:\n  trusted_proxies: ["127.0.0.1"]\n');
    h = await startHarness(join(dir, 'data'), { config: file, clock: () => Date.now() + offset });
    const remote = { 'x-forwarded-for': '203.0.113.9' };
    const denied = await h.call('GET', '/api/v1/routes', undefined, remote);
    expect([denied.status, denied.body.code]).toEqual([401, 1005]);

    expect((await h.call('GET', '/api/v1/apikeys')).body).toEqual([]);
    const reader = await h.call('POST', '/api/v1/apikeys', {
      name: 'dashboard',
      scopes: ['read:catalog'],
    });
    expect(reader.status).toBe(201);
    expect(reader.body.key).toMatch(/^nkz_[0-9a-f]{64}$/);
    expect(reader.body.prefix).toBe(reader.body.key.slice(0, 12));
    const writer = await h.call('POST', '/api/v1/apikeys', {
      name: 'ci',
      scopes: ['write:routes'],
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    const listed = await h.call('GET', '/api/v1/apikeys');
    expect(listed.body.map((k: { name: string }) => k.name)).toEqual(['ci', 'dashboard']);
    expect(listed.text).not.toContain(reader.body.key);
    expect(listed.text).not.toContain('keyHash');

    const asReader = { ...remote, 'x-api-key': reader.body.key };
    expect((await h.call('GET', '/api/v1/routes', undefined, asReader)).status).toBe(200);
    const route = {
      routeId: 'wiki',
      appId: 'wiki',
      pathBase: '/apps/wiki/',
      to: 'http://127.0.0.1:9',
    };
    const forbidden = await h.call('POST', '/api/v1/routes', route, asReader);
    expect([forbidden.status, forbidden.body.error, forbidden.body.code]).toEqual([
      403,
      'PERMISSION_DENIED',
      2001,
    ]);
    const asWriter = { ...remote, ...bearer(writer.body.key) };
    expect((await h.call('POST', '/api/v1/routes', route, asWriter)).status).toBe(201);
    // A key administers only what its scopes say: not the keys themselves.
    expect((await h.call('GET', '/api/v1/apikeys', undefined, asWriter)).status).toBe(403);

    const bad = await h.call('POST', '/api/v1/apikeys', { name: ' ', scopes: ['root', 'read:*'] });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field)).toEqual(['name', 'scopes.0']);

    expect((await h.call('DELETE', `/api/v1/apikeys/${reader.body.id}`)).body).toEqual({
      message: 'API key revoked successfully',
    });
    const revoked = await h.call('GET', '/api/v1/routes', undefined, asReader);
    expect([revoked.status, revoked.body.error]).toEqual([401, 'API_KEY_INVALID']);
    expect((await h.call('GET', `/api/v1/apikeys/${reader.body.id}`)).body.revokedAt).toEqual(
      expect.any(String),
    );
    await h.call('DELETE', `/api/v1/apikeys/${reader.body.id}?permanent=true`);
    expect((await h.call('GET', `/api/v1/apikeys/${reader.body.id}`)).status).toBe(404);

    offset = 2 * 3600_000;
    const expired = await h.call('GET', '/api/v1/routes', undefined, asWriter);
    expect([expired.status, expired.body.error]).toEqual([401, 'API_KEY_EXPIRED']);
    await h.stop();
    h = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('a cross-site page cannot change things through local trust', async () => {
    h = await startHarness();
    const route = { routeId: 'x', appId: 'x', pathBase: '/apps/x/', to: 'http://127.0.0.1:9' };
    const r = await h.call('POST', '/api/v1/routes', route, { origin: 'https://evil.example' });
    expect([r.status, r.body.error]).toEqual([403, 'CROSS_SITE_REQUEST']);
    expect((await h.call('POST', '/api/v1/routes', route, { origin: h.url })).status).toBe(201);
  });
});

describe('access settings on reload', () => {
  it('bootstrap tokens, trust and rate limits follow the config file without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nekzus-reload-'));
    const file = join(dir, 'nekzus.yaml');
    writeFileSync(file, 'bootstrap:\n  tokens: ["token-one-0123456789abcdef"]\n');
    const h = await startHarness(join(dir, 'data'), { config: file });
    try {
      const pair = (token: string, id: string) =>
        h.call('POST', '/api/v1/auth/pair', { device: { id, platform: 'linux' } }, bearer(token));
      expect((await pair('token-one-0123456789abcdef', 'a')).status).toBe(200);
      expect((await pair('token-two-0123456789abcdef', 'b')).status).toBe(401);

      writeFileSync(
        file,
        [
          'bootstrap:',
          '  tokens: ["token-two-0123456789abcdef"]',
          'auth:',
          '  local_network_trust: "off"',
          'rate_limits:',
          '  pairing: { per_minute: 1, burst: 1 }',
        ].join('\n'),
      );
      const outcome = await h.gateway.reloadConfig();
      expect(outcome).toMatchObject({
        status: 'applied',
        changed: [
          'auth.local_network_trust',
          'bootstrap.tokens',
          'rate_limits.pairing.per_minute',
          'rate_limits.pairing.burst',
        ],
      });
      // The reload is an event naming what changed, never the secrets themselves.
      let applied: unknown;
      for await (const e of h.gateway.infra.store.readStream('config')) applied = e.data;
      expect(JSON.stringify(applied)).not.toContain('token-two');
      expect((await pair('token-one-0123456789abcdef', 'c')).body.error).toBe('INVALID_BOOTSTRAP');
      expect((await pair('token-two-0123456789abcdef', 'd')).status).toBe(200);
      expect((await h.call('GET', '/api/v1/routes')).status).toBe(401);
      const headers = { 'x-pairing-request': 'true' };
      expect((await h.call('POST', '/api/v1/pair', { code: 'AAAAAAAA' }, headers)).status).toBe(
        404,
      );
      expect((await h.call('POST', '/api/v1/pair', { code: 'AAAAAAAA' }, headers)).status).toBe(
        429,
      );
    } finally {
      await h.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
