import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProxyHarness, UPSTREAM_CLIENTS, type Harness } from './support/gateway-harness';

/**
 * The proxy's HTTP behaviour against real upstreams on 127.0.0.1, through the whole gateway.
 * One echo upstream records what it received; the others misbehave on purpose.
 */
interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A raw request, so the test controls every header (fetch adds and refuses some). */
function raw(
  url: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const options = { hostname, port, path, method, headers, agent: false };
    const req = request(options, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString('latin1')));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const PAGE = [
  '<!DOCTYPE html><html><head><meta charset="utf-8"><title>a < b</title>',
  '<link rel="stylesheet" href="/static/app.css"></head><body>',
  '<img src="/img/logo.png" alt=x><a href="/settings?tab=1">s</a><a href="//cdn.example/x.js">c</a>',
  '<a href=\'relative/page\'>r</a><a href="/apps/site/already">a</a><form action=/login></form>',
  '<script>if (1 < 2) { document.write("<a href=\'/inside-script\'>") }</script>',
  '<!-- <img src="/in-comment"> --><a href="/api/v1/status">api</a></body></html>',
].join('');

describe.each(UPSTREAM_CLIENTS)('proxy: HTTP behaviour (%s client)', (client) => {
  let h: Harness;
  const seen: Seen[] = [];
  const servers: Server[] = [];
  let echo: string;
  let resetUrl: string;
  let slowUrl: string;

  beforeAll(async () => {
    const echoServer = createServer((req, res) => {
      seen.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        rawHeaders: req.rawHeaders,
      });
      const path = req.url!.replace(/^\/base/, '');
      if (path.includes('/redirect-abs')) {
        res.writeHead(302, { location: `http://${req.headers.host}/login?next=1` });
        res.end();
      } else if (path.includes('/redirect-upstream')) {
        res.writeHead(302, { location: `${echo}/base/welcome` });
        res.end();
      } else if (path.includes('/redirect-elsewhere')) {
        res.writeHead(302, { location: 'https://example.org/x' });
        res.end();
      } else if (path.includes('/redirect')) {
        res.writeHead(302, { location: '/login?next=%2Fhome' });
        res.end();
      } else if (path.includes('/one-cookie')) {
        res.writeHead(200, { 'set-cookie': 'only=1; Path=/; HttpOnly' });
        res.end('ok');
      } else if (path.includes('/cookies')) {
        res.writeHead(200, {
          'set-cookie': [
            'session=abc; Path=/; HttpOnly',
            'pref=1; Path=/api; SameSite=Lax',
            'plain=1',
            'ex=1; Path=/api/v1/',
          ],
        });
        res.end('ok');
      } else if (path.includes('/page')) {
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-length': PAGE.length,
        });
        // Cut inside a tag and inside the script, so the rewriter sees split constructs.
        res.write(PAGE.slice(0, 150));
        setTimeout(() => {
          res.write(PAGE.slice(150, 420));
          res.end(PAGE.slice(420));
        }, 5);
      } else if (path.includes('/hop')) {
        res.writeHead(200, {
          connection: 'x-secret-hop',
          'x-secret-hop': 'leak',
          'keep-alive': 'timeout=5',
          'cache-control': 'max-age=60',
        });
        res.end('hop');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`saw ${req.method} ${req.url}`);
      }
    });
    // Accepts the connection and the request, then resets it.
    const resetServer = createServer((req) => req.socket.resetAndDestroy());
    // Never answers (the first-byte timeout must fire).
    const slowServer = createServer(() => undefined);
    servers.push(echoServer, resetServer, slowServer);
    echo = await listen(echoServer);
    resetUrl = await listen(resetServer);
    slowUrl = await listen(slowServer);

    const dir = mkdtempSync(join(tmpdir(), 'nekzus-proxy-'));
    const config = join(dir, 'nekzus.yaml');
    writeFileSync(config, 'proxy:\n  response_timeout: 300ms\n  max_request_body_bytes: 1024\n');
    h = await startProxyHarness(client, join(dir, 'data'), { config });
    const route = (body: object) => h.call('POST', '/api/v1/routes', body);
    await route({ routeId: 'keep', appId: 'keep', pathBase: '/apps/keep/', to: echo });
    await route({
      routeId: 'site',
      appId: 'site',
      pathBase: '/apps/site/',
      to: `${echo}/base/`,
      stripPrefix: true,
      rewriteHTML: true,
      excludePaths: ['/api/v1/'],
    });
    await route({ routeId: 'site-admin', appId: 'site', pathBase: '/apps/site/admin/', to: echo });
    await route({ routeId: 'case-upper', appId: 'case', pathBase: '/apps/Case/', to: echo });
    await route({ routeId: 'reset', appId: 'reset', pathBase: '/apps/reset/', to: resetUrl });
    await route({ routeId: 'slow', appId: 'slow', pathBase: '/apps/slow/', to: slowUrl });
    await route({
      routeId: 'down',
      appId: 'down',
      pathBase: '/apps/down/',
      to: 'http://127.0.0.1:9',
    });
  });
  afterAll(async () => {
    await h.stop();
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  const last = () => seen[seen.length - 1]!;

  it('matches the longest path base on segment boundaries, case-sensitively', async () => {
    expect((await h.call('GET', '/apps/site/admin/users')).text).toBe(
      'saw GET /apps/site/admin/users',
    );
    expect((await h.call('GET', '/apps/site/administrator')).text).toBe(
      'saw GET /base/administrator',
    );
    expect((await h.call('GET', '/apps/Case/x')).text).toBe('saw GET /apps/Case/x');
    expect((await h.call('GET', '/apps/case/x')).status).toBe(404);
  });

  it('redirects /apps/x to /apps/x/ keeping the query, and cleans dot segments', async () => {
    const bare = await h.call('GET', '/apps/site?tab=2&x=%20');
    expect([bare.status, bare.headers.get('location')]).toEqual([301, '/apps/site/?tab=2&x=%20']);
    const dots = await raw(h.url, '/apps/keep/a/../../site/b?q=1');
    expect([dots.status, dots.headers.location]).toEqual([301, '/apps/site/b?q=1']);
  });

  it('strips the prefix, joins the target path with one slash, and leaves encoded characters alone', async () => {
    expect((await h.call('GET', '/apps/site/')).text).toBe('saw GET /base/');
    expect((await h.call('GET', '/apps/site/my%20doc%2Fx.pdf?a=%2F&b')).text).toBe(
      'saw GET /base/my%20doc%2Fx.pdf?a=%2F&b',
    );
    expect(last().headers['x-forwarded-prefix']).toBe('/apps/site');
  });

  it('sets X-Forwarded-* and X-Real-IP from the socket, ignoring what an untrusted client claims', async () => {
    await raw(h.url, '/apps/keep/h', {
      'X-Forwarded-For': '6.6.6.6',
      'X-Real-IP': '6.6.6.6',
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Host': 'evil.example',
      Host: 'gateway.lan:8080',
    });
    const headers = last().headers;
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-real-ip']).toBe('127.0.0.1');
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-host']).toBe('gateway.lan:8080');
    expect(headers['host']).toBe('gateway.lan:8080');
    expect(headers['x-forwarded-prefix']).toBeUndefined();
  });

  it('removes hop-by-hop headers and those Connection names, both ways', async () => {
    const r = await raw(h.url, '/apps/keep/hop', {
      Connection: 'keep-alive, X-Private',
      'X-Private': 'secret',
      'Proxy-Authorization': 'Basic eA==',
      TE: 'trailers',
      'X-Kept': 'yes',
    });
    const headers = last().headers;
    expect(headers['x-private']).toBeUndefined();
    expect(headers['proxy-authorization']).toBeUndefined();
    expect(headers['te']).toBeUndefined();
    expect(headers['x-kept']).toBe('yes');
    expect(r.headers['x-secret-hop']).toBeUndefined();
    expect(r.headers['cache-control']).toBe('max-age=60');
  });

  it('adds nothing to responses: no CORS, no cache policy, no framing rules', async () => {
    const r = await raw(h.url, '/apps/keep/plain');
    for (const name of [
      'access-control-allow-origin',
      'x-frame-options',
      'strict-transport-security',
      'x-content-type-options',
      'cache-control',
    ])
      expect(r.headers[name]).toBeUndefined();
  });

  it('rewrites redirect targets into the prefix, and leaves other sites alone', async () => {
    const loc = async (path: string) => (await h.call('GET', path)).headers.get('location');
    expect(await loc('/apps/site/redirect')).toBe('/apps/site/login?next=%2Fhome');
    expect(await loc('/apps/site/redirect-abs')).toBe(`${h.url}/apps/site/login?next=1`);
    expect(await loc('/apps/site/redirect-upstream')).toBe('/apps/site/welcome');
    expect(await loc('/apps/site/redirect-elsewhere')).toBe('https://example.org/x');
    // Without strip-prefix the app sees the full path, so its redirects are already right.
    expect(await loc('/apps/keep/redirect')).toBe('/login?next=%2Fhome');
  });

  it('scopes cookie paths to the prefix when stripping, except excluded paths', async () => {
    const r = await raw(h.url, '/apps/site/cookies');
    expect(r.headers['set-cookie']).toEqual([
      'session=abc; Path=/apps/site/; HttpOnly',
      'pref=1; Path=/apps/site/api; SameSite=Lax',
      'plain=1',
      'ex=1; Path=/api/v1/',
    ]);
    // A lone Set-Cookie is scoped as well.
    const one = await raw(h.url, '/apps/site/one-cookie');
    expect(one.headers['set-cookie']).toEqual(['only=1; Path=/apps/site/; HttpOnly']);
  });

  it('rewrites absolute URLs of an HTML page and adds a <base> for the external directory, streaming', async () => {
    const r = await raw(h.url, '/apps/site/page', {
      'Accept-Encoding': 'gzip',
      Accept: 'text/html',
    });
    expect(last().headers['accept-encoding']).toBeUndefined();
    expect(r.headers['content-length']).toBeUndefined();
    const body = r.body;
    expect(body).toContain(
      '<title>a < b</title><base href="/apps/site/"><link rel="stylesheet" href="/apps/site/static/app.css">',
    );
    expect(body).toContain('<img src="/apps/site/img/logo.png" alt=x>');
    expect(body).toContain('<a href="/apps/site/settings?tab=1">');
    expect(body).toContain('<a href="//cdn.example/x.js">');
    expect(body).toContain("<a href='relative/page'>");
    expect(body).toContain('<a href="/apps/site/already">');
    expect(body).toContain('<form action=/apps/site/login>');
    expect(body).toContain("<a href='/inside-script'>");
    expect(body).toContain('<img src="/in-comment">');
    expect(body).toContain('<a href="/api/v1/status">');
  });

  it('answers a refused, reset or silent upstream with the contract JSON: 502, 502, 504', async () => {
    const down = await h.call('GET', '/apps/down/');
    expect([down.status, down.body.error, down.body.code]).toEqual([502, 'BAD_GATEWAY', 6002]);
    const reset = await h.call('GET', '/apps/reset/');
    expect([reset.status, reset.body.error]).toEqual([502, 'BAD_GATEWAY']);
    const slow = await h.call('GET', '/apps/slow/');
    expect([slow.status, slow.body.error]).toEqual([504, 'GATEWAY_TIMEOUT']);
    expect(down.text).not.toContain('127.0.0.1');
  });

  it('refuses a body over the limit with 413, declared or streamed', async () => {
    const big = 'x'.repeat(4096);
    const declared = await h.call('POST', '/apps/keep/upload', big, {
      'content-type': 'text/plain',
    });
    expect([declared.status, declared.body.error]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const streamed = await fetch(`${h.url}/apps/keep/upload`, {
      method: 'POST',
      body: new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode(big));
          c.close();
        },
      }),
      duplex: 'half',
    });
    expect(streamed.status).toBe(413);
  });

  it('picks up a route change on the next request of an open keep-alive connection', async () => {
    const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string) =>
      new Promise<string>((resolve, reject) => {
        request(`${h.url}${path}`, { agent }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(body));
        })
          .on('error', reject)
          .end();
      });
    expect(await get('/apps/keep/x')).toBe('saw GET /apps/keep/x');
    await h.call('PATCH', '/api/v1/routes/keep', { to: `${echo}/moved`, stripPrefix: true });
    expect(await get('/apps/keep/x')).toBe('saw GET /moved/x');
    agent.destroy();
  });
});
