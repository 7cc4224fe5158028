import { createServer, request, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, UPSTREAM_CLIENTS, type Harness } from './support/gateway-harness';

/**
 * Streaming through the proxy: event streams reach the client before the upstream finishes,
 * large bodies go through both ways without being held in memory, and thousands of failing
 * requests leave no sockets or memory behind. Gateway, upstream and client share this
 * process, so its RSS bounds all three.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MB = 1024 * 1024;
const TRANSFER = 192 * MB;
const CHUNK = Buffer.alloc(64 * 1024, 'z');

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Writes `total` bytes honouring backpressure. */
async function pump(out: NodeJS.WritableStream, total: number): Promise<void> {
  for (let sent = 0; sent < total; sent += CHUNK.length) {
    if (!out.write(CHUNK)) await new Promise((r) => out.once('drain', r));
  }
}

function rssSampler(): { stop(): number } {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss) - base;
    },
  };
}

describe.each(UPSTREAM_CLIENTS)('proxy: streaming and resource hygiene (%s client)', (client) => {
  let h: Harness;
  let upstream: Server;
  let resetting: Server;
  const log: string[] = [];
  let releaseSecondEvent: () => void = () => undefined;
  let uploaded = 0;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      if (req.url === '/events') void events(res);
      else if (req.url === '/download') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        void pump(res, TRANSFER).then(() => res.end());
      } else if (req.url === '/upload') {
        uploaded = 0;
        req.on('data', (d: Buffer) => (uploaded += d.length));
        req.on('end', () => res.end(String(uploaded)));
      } else res.end('ok');
    });
    const events = async (res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('id: 1\ndata: first\n\n');
      log.push('upstream sent 1');
      await new Promise<void>((r) => (releaseSecondEvent = r));
      res.write('id: 2\ndata: second\n\n');
      log.push('upstream sent 2');
      res.end();
      log.push('upstream ended');
    };
    resetting = createServer((req) => req.socket.resetAndDestroy());
    const at = await listen(upstream);
    const resetAt = await listen(resetting);
    h = await startProxyHarness(client);
    const route = (body: object) => h.call('POST', '/api/v1/routes', body);
    await route({
      routeId: 'stream',
      appId: 'stream',
      pathBase: '/apps/stream/',
      to: at,
      stripPrefix: true,
    });
    await route({
      routeId: 'refused',
      appId: 'refused',
      pathBase: '/apps/refused/',
      to: 'http://127.0.0.1:9',
      publicAccess: true,
    });
    await route({
      routeId: 'reset',
      appId: 'reset',
      pathBase: '/apps/reset/',
      to: resetAt,
      publicAccess: true,
    });
  });
  afterAll(async () => {
    await h.stop();
    for (const s of [upstream, resetting]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it('delivers the first server-sent event before the upstream has finished', async () => {
    const res = await fetch(`${h.url}/apps/stream/events`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('data: first\n\n')) text += decoder.decode((await reader.read()).value);
    log.push('client got 1');
    releaseSecondEvent();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    log.push('client got the end');
    expect(text).toBe('id: 1\ndata: first\n\nid: 2\ndata: second\n\n');
    expect(log).toEqual([
      'upstream sent 1',
      'client got 1',
      'upstream sent 2',
      'upstream ended',
      'client got the end',
    ]);
  });

  it(`streams a ${TRANSFER / MB} MB download and upload without holding them in memory`, async () => {
    gc();
    let sampler = rssSampler();
    const received = await new Promise<number>((resolve, reject) => {
      request(`${h.url}/apps/stream/download`, (res) => {
        let n = 0;
        res.on('data', (d: Buffer) => (n += d.length));
        res.on('end', () => resolve(n));
      })
        .on('error', reject)
        .end();
    });
    const downloadGrowth = sampler.stop();
    expect(received).toBe(TRANSFER);

    gc();
    sampler = rssSampler();
    const answer = await new Promise<string>((resolve, reject) => {
      const req = request(`${h.url}/apps/stream/upload`, { method: 'POST' }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      void pump(req, TRANSFER).then(() => req.end());
    });
    const uploadGrowth = sampler.stop();
    expect(answer).toBe(String(TRANSFER));
    expect(uploaded).toBe(TRANSFER);
    // A buffering proxy would grow by the whole body (twice: the proxy and the peer); half
    // of it leaves room for GC timing on a loaded machine and still catches buffering.
    expect(downloadGrowth).toBeLessThan(TRANSFER / 2);
    expect(uploadGrowth).toBeLessThan(TRANSFER / 2);
  });

  it('leaves no sockets or memory behind after 10,000 failing requests', async () => {
    // Pipelined raw requests: the cheapest client, since the gateway, the upstreams and the
    // client share this process's event loop.
    const { port } = new URL(h.url);
    const burst = (path: string, count: number) =>
      new Promise<number>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write(`GET ${path} HTTP/1.1\r\nHost: gw\r\n\r\n`.repeat(count)),
        );
        let text = '';
        let answered = 0;
        socket.on('data', (d: Buffer) => {
          text += d.toString('latin1');
          const parts = text.split('HTTP/1.1 502 ');
          answered += parts.length - 1;
          text = parts[parts.length - 1]!;
          if (answered >= count) socket.end();
        });
        socket.on('close', () => resolve(answered));
        socket.on('error', reject);
      });
    // Nine in ten refused, one in ten reset after the request was read (a new upstream
    // connection each time, the costlier case here).
    const run = async (count: number) => {
      const per = count / 40;
      const answered = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          burst(i % 10 === 0 ? '/apps/reset/x' : '/apps/refused/x', per),
        ),
      );
      return answered.reduce((a, b) => a + b, 0);
    };
    const settle = async () => {
      // Closed sockets leave the handle list once the loop has run their close callbacks.
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 10));
      gc();
      return {
        handles: process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length,
        heap: process.memoryUsage().heapUsed,
      };
    };
    await run(400);
    const before = await settle();
    const answered502 = await run(10_000);
    const after = await settle();
    expect(answered502).toBe(10_000);
    expect(after.handles).toBeLessThanOrEqual(before.handles);
    expect(after.heap - before.heap).toBeLessThan(8 * MB);
  });
});
