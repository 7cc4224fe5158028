import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RouteSpec } from '#libs/routing';
import { PROXY_DEFAULTS, Upstreams } from './upstream';

/** Which upstream client the data plane takes, and that each one carries a request. */

const opened: { servers: Server[]; upstreams: Upstreams[] } = { servers: [], upstreams: [] };

afterEach(async () => {
  await Promise.all(opened.upstreams.splice(0).map((u) => u.close()));
  for (const server of opened.servers.splice(0)) server.close();
});

async function target(): Promise<string> {
  const server = createServer((req, res) =>
    res.end(`${req.method} ${req.url} via ${req.headers.host}`),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  opened.servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function upstreams(...args: ConstructorParameters<typeof Upstreams>): Upstreams {
  const u = new Upstreams(...args);
  opened.upstreams.push(u);
  return u;
}

/** One GET through the upstream of a route to `to`; the body it answered. */
function get(u: Upstreams, to: string): Promise<string> {
  const upstream = u.of({ to, tlsSkipVerify: false } as RouteSpec);
  return new Promise((resolve, reject) => {
    let body = '';
    upstream.dispatch(
      { path: '/x?y=1', method: 'GET', headers: ['Host', 'app.test'], body: null },
      {
        onConnect: () => undefined,
        onHeaders: (status) => status < 300,
        onData: (chunk) => ((body += chunk.toString()), true),
        onComplete: () => resolve(body),
        onError: reject,
      },
    );
  });
}

describe('Upstreams', () => {
  it('takes the llhttp client by default on a Node release that exposes the parser', async () => {
    const u = upstreams(PROXY_DEFAULTS);
    expect(u.client).toBe('llhttp');
    expect(await get(u, await target())).toBe('GET /x?y=1 via app.test');
  });

  it('falls back to undici where the parser is not exposed, and still proxies', async () => {
    const u = upstreams(PROXY_DEFAULTS, null);
    expect(u.client).toBe('undici');
    expect(await get(u, await target())).toBe('GET /x?y=1 via app.test');
  });

  it('takes undici when the config asks for it', async () => {
    const u = upstreams({ ...PROXY_DEFAULTS, upstreamClient: 'undici' });
    expect(u.client).toBe('undici');
    expect(await get(u, await target())).toBe('GET /x?y=1 via app.test');
  });
});
