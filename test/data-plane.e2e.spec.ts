import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/gateway-harness';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('data plane: plain HTTP basics', () => {
  let h: Harness;
  let upstream: Server;
  let upstreamUrl: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': 'yes' });
        res.end(`upstream saw ${req.method} ${req.url}`);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    h = await startHarness();
    await h.call('POST', '/api/v1/routes', {
      routeId: 'keep',
      appId: 'keep',
      pathBase: '/apps/keep/',
      to: `${upstreamUrl}/base`,
    });
    await h.call('POST', '/api/v1/routes', {
      routeId: 'strip',
      appId: 'strip',
      pathBase: '/apps/strip/',
      to: upstreamUrl,
      stripPrefix: true,
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

  it('forwards path, query, method and body, prefixing the target path', async () => {
    const r = await h.call('POST', '/apps/keep/api/items?page=2', { name: 'x' });
    expect(r.status).toBe(200);
    expect(r.text).toBe('upstream saw POST /base/apps/keep/api/items?page=2');
    expect(r.headers.get('x-upstream')).toBe('yes');
    const last = seen[seen.length - 1]!;
    expect(JSON.parse(last.body)).toEqual({ name: 'x' });
    // Nothing is stripped, so there is no prefix to announce; the client's Host is kept.
    expect(last.headers['x-forwarded-prefix']).toBeUndefined();
    expect(last.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(last.headers['host']).toBe(new URL(h.url).host);
  });

  it('strips the path base when the route says so', async () => {
    expect((await h.call('GET', '/apps/strip/dashboard/1')).text).toBe(
      'upstream saw GET /dashboard/1',
    );
  });

  it('redirects the bare path base to its slash form, keeping the query', async () => {
    const r = await h.call('GET', '/apps/keep?x=1');
    expect(r.status).toBe(301);
    expect(r.headers.get('location')).toBe('/apps/keep/?x=1');
  });

  it('follows route changes without a restart', async () => {
    await h.call('PATCH', '/api/v1/routes/keep', { to: `${upstreamUrl}/moved` });
    expect((await h.call('GET', '/apps/keep/a')).text).toBe('upstream saw GET /moved/apps/keep/a');
  });

  it('answers an unknown app with a JSON 404 and a dead upstream with a JSON 502', async () => {
    const missing = await h.call('GET', '/apps/nothing/here');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'ROUTE_NOT_FOUND' });
    const down = await h.call('GET', '/apps/down/');
    expect(down.status).toBe(502);
    expect(down.body).toMatchObject({ error: 'BAD_GATEWAY', code: 6002 });
  });

  it('answers upgrades it cannot serve with a real HTTP response instead of a hanging socket', async () => {
    const port = new URL(h.url).port;
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          'GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        );
      });
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 404 Not Found/);
    expect(reply).toContain('"error":"NOT_FOUND"');
  });
});
