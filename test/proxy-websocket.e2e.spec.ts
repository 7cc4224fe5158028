import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { startProxyHarness, UPSTREAM_CLIENTS, type Harness } from './support/gateway-harness';

/**
 * Who gets through the proxy (HTTP and WebSocket alike) and how tunnels behave, with
 * local-network trust off so every credential is really checked, and 127.0.0.1 configured as
 * a trusted proxy so forwarded chains can be tested too.
 */
const BOOTSTRAP = 'household-token-0123456789';
const PASSWORD = 'correct horse battery';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Sends a raw upgrade and returns the status line and everything the gateway wrote. */
function rawUpgrade(url: string, path: string, headers: string[] = []): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () =>
      socket.write(
        [
          `GET ${path} HTTP/1.1`,
          'Host: gw.test',
          'Connection: Upgrade',
          'Upgrade: websocket',
          'Sec-WebSocket-Version: 13',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          ...headers,
          '',
          '',
        ].join('\r\n'),
      ),
    );
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
}

describe.each(UPSTREAM_CLIENTS)('proxy: access and WebSocket tunnels (%s client)', (client) => {
  let h: Harness;
  let http: Server;
  let wss: WebSocketServer;
  let refusing: Server;
  let upstream: string;
  let adminToken: string;
  let phoneToken: string;
  let desktopToken: string;
  const httpSeen: IncomingHttpHeaders[] = [];
  const upgradesSeen: { url: string; headers: IncomingHttpHeaders }[] = [];

  beforeAll(async () => {
    http = createServer((req, res) => {
      httpSeen.push(req.headers);
      res.end(`ok ${req.url}`);
    });
    wss = new WebSocketServer({
      server: http,
      handleProtocols: (protocols) => (protocols.has('chat.v2') ? 'chat.v2' : false),
    });
    wss.on('connection', (ws, req) => {
      upgradesSeen.push({ url: req.url!, headers: req.headers });
      ws.on('message', (data, binary) => {
        const text = Buffer.from(data as Buffer).toString();
        if (text.startsWith('close:')) ws.close(Number(text.slice(6)), 'upstream says bye');
        else ws.send(binary ? data : `echo ${text}`, { binary });
      });
    });
    refusing = createServer((_req, res) => res.end());
    refusing.on('upgrade', (_req, socket) =>
      socket.end(
        'HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 6\r\n\r\nno way',
      ),
    );
    upstream = await listen(http);
    const refusingAt = await listen(refusing);

    const dir = mkdtempSync(join(tmpdir(), 'nekzus-proxy-ws-'));
    const config = join(dir, 'nekzus.yaml');
    writeFileSync(
      config,
      [
        'server:',
        '  trusted_proxies: ["127.0.0.1"]',
        'auth:',
        '  local_network_trust: "off"',
        'bootstrap:',
        `  tokens: ["${BOOTSTRAP}"]`,
        '',
      ].join('\n'),
    );
    h = await startProxyHarness(client, undefined, { config });
    await h.call('POST', '/api/v1/auth/setup', { username: 'admin', password: PASSWORD });
    adminToken = (
      await h.call('POST', '/api/v1/auth/login', { username: 'admin', password: PASSWORD })
    ).body.token;
    const pair = async (id: string, platform: string) =>
      (await h.call('POST', '/api/v1/auth/pair', { device: { id, platform } }, bearer(BOOTSTRAP)))
        .body.accessToken as string;
    phoneToken = await pair('phone-1', 'ios');
    desktopToken = await pair('desk-1', 'linux');
    const route = async (body: object) => {
      const r = await h.call('POST', '/api/v1/routes', body, bearer(adminToken));
      expect(r.status).toBe(201);
    };
    await route({
      routeId: 'chat',
      appId: 'chat',
      pathBase: '/apps/chat/',
      to: `http://${upstream}`,
      websockets: true,
      stripPrefix: true,
    });
    await route({
      routeId: 'media',
      appId: 'media',
      pathBase: '/apps/media/',
      to: `http://${upstream}`,
      scopes: ['media:watch'],
    });
    await route({
      routeId: 'open',
      appId: 'open',
      pathBase: '/apps/open/',
      to: `http://${upstream}`,
      publicAccess: true,
    });
    await route({
      routeId: 'refuse',
      appId: 'refuse',
      pathBase: '/apps/refuse/',
      to: `http://${refusingAt}`,
      publicAccess: true,
    });
    await route({
      routeId: 'gone',
      appId: 'gone',
      pathBase: '/apps/gone/',
      to: 'http://127.0.0.1:9',
      publicAccess: true,
    });
  });
  afterAll(async () => {
    await h.stop();
    wss.close();
    http.closeAllConnections();
    refusing.closeAllConnections();
    await new Promise((r) => http.close(r));
    await new Promise((r) => refusing.close(r));
  });

  it('lets a public route through without credentials and refuses the others with 401', async () => {
    expect((await h.call('GET', '/apps/open/x')).status).toBe(200);
    const anonymous = await h.call('GET', '/apps/chat/x');
    expect([anonymous.status, anonymous.body.error, anonymous.body.code]).toEqual([
      401,
      'AUTH_REQUIRED',
      1005,
    ]);
  });

  it('takes a device token carrying the route scopes and keeps it from the upstream', async () => {
    const r = await h.call('GET', '/apps/chat/x', undefined, bearer(phoneToken));
    expect([r.status, r.text]).toEqual([200, 'ok /x']);
    expect(httpSeen[httpSeen.length - 1]!.authorization).toBeUndefined();
    const denied = await h.call('GET', '/apps/media/', undefined, bearer(desktopToken));
    expect([denied.status, denied.body.error]).toEqual([403, 'PERMISSION_DENIED']);
    const altered = `${phoneToken.slice(0, -2)}xx`;
    expect((await h.call('GET', '/apps/chat/x', undefined, bearer(altered))).status).toBe(401);
  });

  it('keeps the chain a trusted proxy sent and names the first untrusted hop as the client', async () => {
    await h.call('GET', '/apps/open/chain', undefined, {
      'x-forwarded-for': '6.6.6.6, 10.0.0.5',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'apps.example',
    });
    const seen = httpSeen[httpSeen.length - 1]!;
    expect(seen['x-forwarded-for']).toBe('10.0.0.5, 127.0.0.1');
    expect(seen['x-real-ip']).toBe('10.0.0.5');
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen['x-forwarded-host']).toBe('apps.example');
  });

  it('tunnels a WebSocket with its subprotocol, Origin and Host, and passes close codes', async () => {
    const ws = new WebSocket(
      `${h.url.replace('http', 'ws')}/apps/chat/socket?room=1`,
      ['chat.v1', 'chat.v2'],
      {
        headers: { ...bearer(phoneToken), host: 'gw.lan:8080' },
        origin: 'https://gw.lan:8080',
      },
    );
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    expect(ws.protocol).toBe('chat.v2');
    const seen = upgradesSeen[upgradesSeen.length - 1]!;
    expect(seen.url).toBe('/socket?room=1');
    expect(seen.headers.origin).toBe('https://gw.lan:8080');
    expect(seen.headers.host).toBe('gw.lan:8080');
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['sec-websocket-extensions']).toContain('permessage-deflate');
    const reply = new Promise<string>((resolve) =>
      ws.once('message', (d) => resolve(Buffer.from(d as Buffer).toString())),
    );
    ws.send('hello');
    expect(await reply).toBe('echo hello');
    const closed = new Promise<[number, string]>((resolve) =>
      ws.once('close', (code, reason) => resolve([code, reason.toString()])),
    );
    ws.send('close:4001');
    expect(await closed).toEqual([4001, 'upstream says bye']);
  });

  it('refuses an upgrade without credentials before anything reaches the upstream', async () => {
    const before = upgradesSeen.length;
    const reply = await rawUpgrade(h.url, '/apps/chat/socket');
    expect(reply).toMatch(/^HTTP\/1\.1 401 Unauthorized/);
    expect(reply).toContain('"error":"AUTH_REQUIRED"');
    const scoped = await rawUpgrade(h.url, '/apps/media/socket', [
      `Authorization: Bearer ${desktopToken}`,
    ]);
    expect(scoped).toMatch(/^HTTP\/1\.1 403 Forbidden/);
    // Refused from memory, without a promise: an unknown key of ours, on the upgrade and on HTTP.
    const unknownKey = await rawUpgrade(h.url, '/apps/chat/socket', ['X-API-Key: nkz_unknown']);
    expect(unknownKey).toMatch(/^HTTP\/1\.1 401 Unauthorized/);
    expect(unknownKey).toContain('"error":"API_KEY_INVALID"');
    const viaHttp = await h.call('GET', '/apps/chat/x', undefined, { 'x-api-key': 'nkz_unknown' });
    expect([viaHttp.status, viaHttp.body.error]).toEqual([401, 'API_KEY_INVALID']);
    expect(upgradesSeen.length).toBe(before);
  });

  it('relays an upstream that refuses the upgrade, and answers 502 for one that is down', async () => {
    expect(await rawUpgrade(h.url, '/apps/refuse/ws')).toMatch(
      /^HTTP\/1\.1 403 Forbidden[\s\S]*no way$/,
    );
    const down = await rawUpgrade(h.url, '/apps/gone/ws');
    expect(down).toMatch(/^HTTP\/1\.1 502 Bad Gateway/);
    expect(down).toContain('"error":"BAD_GATEWAY"');
    // The process survived both: the gateway still answers.
    expect((await h.call('GET', '/apps/open/alive')).status).toBe(200);
  });

  it('cuts a revoked device off: its open tunnel closes and its next request is refused', async () => {
    const ws = new WebSocket(`${h.url.replace('http', 'ws')}/apps/chat/live`, {
      headers: bearer(phoneToken),
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const revoked = await h.call(
      'DELETE',
      '/api/v1/devices/phone-1',
      undefined,
      bearer(adminToken),
    );
    expect(revoked.status).toBeLessThan(300);
    expect(await closed).toBe(1006);
    const after = await h.call('GET', '/apps/chat/x', undefined, bearer(phoneToken));
    expect([after.status, after.body.error]).toEqual([401, 'DEVICE_REVOKED']);
    // The token's signature is still in the verified cache: the revocation is checked anyway.
    const before = upgradesSeen.length;
    const upgrade = await rawUpgrade(h.url, '/apps/chat/again', [
      `Authorization: Bearer ${phoneToken}`,
    ]);
    expect(upgrade).toMatch(/^HTTP\/1\.1 401 Unauthorized/);
    expect(upgrade).toContain('"error":"DEVICE_REVOKED"');
    expect(upgradesSeen.length).toBe(before);
  });
});
