import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LlhttpClient,
  UpstreamClosed,
  UpstreamProtocolError,
  UpstreamTimeout,
  type UpstreamEndpoint,
  type UpstreamRequest,
} from './llhttp-client';

/**
 * The llhttp upstream client against raw TCP servers on 127.0.0.1 that write exactly the
 * bytes each case needs: what the proxy e2e suites (run on both clients) cannot provoke from
 * a well-behaved node:http upstream.
 */

interface Upstream {
  endpoint: UpstreamEndpoint;
  /** Every connection the server accepted, in order. */
  connections: Socket[];
  /** What arrived on each connection, as text. */
  received: string[];
  server: Server;
}

const open: { servers: Server[]; clients: LlhttpClient[] } = { servers: [], clients: [] };

afterEach(async () => {
  await Promise.all(open.clients.splice(0).map((c) => c.close()));
  for (const server of open.servers.splice(0)) server.close();
});

/** A TCP server whose `onRequest` is called with each complete request head seen. */
async function upstream(
  onRequest: (socket: Socket, request: string, index: number) => void,
): Promise<Upstream> {
  const connections: Socket[] = [];
  const received: string[] = [];
  const server = createServer((socket) => {
    const at = connections.push(socket) - 1;
    received[at] = '';
    let pending = '';
    socket.on('error', () => undefined);
    socket.on('data', (data: Buffer) => {
      received[at] += data.toString('latin1');
      pending += data.toString('latin1');
      for (;;) {
        // Request bodies are skipped: the next head starts at the next request line.
        const start = pending.search(/[A-Z]+ \S+ HTTP\/1\.1\r\n/);
        if (start < 0) return;
        const end = pending.indexOf('\r\n\r\n', start);
        if (end < 0) return;
        const head = pending.slice(start, end + 4);
        pending = pending.slice(end + 4);
        onRequest(socket, head, at);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  open.servers.push(server);
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: { hostname: '127.0.0.1', port, tls: false, verifyTls: true },
    connections,
    received,
    server,
  };
}

function client(options: Partial<ConstructorParameters<typeof LlhttpClient>[0]> = {}) {
  const c = new LlhttpClient({
    connectTimeoutMs: 5_000,
    firstByteTimeoutMs: 5_000,
    idleTimeoutMs: 5_000,
    keepAliveMs: 4_000,
    ...options,
  });
  open.clients.push(c);
  return c;
}

interface Outcome {
  statuses: number[];
  headers: string[];
  body: string;
  error: Error | undefined;
  completed: boolean;
}

/** Sends one request and collects everything the handler hears. */
function send(
  c: LlhttpClient,
  endpoint: UpstreamEndpoint,
  request: Partial<UpstreamRequest> = {},
  hooks: { onHeaders?: (abort: (e?: Error) => void) => boolean } = {},
): Promise<Outcome> {
  return new Promise((resolve) => {
    const outcome: Outcome = {
      statuses: [],
      headers: [],
      body: '',
      error: undefined,
      completed: false,
    };
    let abort: (e?: Error) => void = () => undefined;
    c.to(endpoint)(
      { path: '/', method: 'GET', headers: ['Host', 'app.test'], body: null, ...request },
      {
        onConnect: (a) => (abort = a),
        onHeaders(status, headers) {
          outcome.statuses.push(status);
          if (status >= 200) outcome.headers = headers;
          return status >= 200 && hooks.onHeaders ? hooks.onHeaders(abort) : true;
        },
        onData(chunk) {
          outcome.body += chunk.toString('latin1');
          return true;
        },
        onComplete() {
          if (outcome.completed || outcome.error) throw new Error('the handler heard twice');
          outcome.completed = true;
          resolve(outcome);
        },
        onError(error) {
          if (outcome.completed || outcome.error) throw new Error('the handler heard twice');
          outcome.error = error;
          resolve(outcome);
        },
      },
    );
  });
}

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/**
 * A GET whose body goes to `onChunk` (false pauses reading); `resume` is the one its handler
 * was given, and `done` settles with the answer.
 */
function streamed(
  c: LlhttpClient,
  endpoint: UpstreamEndpoint,
  onChunk: (chunk: Buffer) => boolean,
): { done: Promise<void>; resume: () => void } {
  const out = { done: Promise.resolve(), resume: () => undefined as void };
  out.done = new Promise<void>((resolve, reject) =>
    c.to(endpoint)(
      { path: '/', method: 'GET', headers: [], body: null },
      {
        onHeaders: (_s, _h, resume) => ((out.resume = resume), true),
        onData: onChunk,
        onComplete: () => resolve(),
        onError: reject,
      },
    ),
  );
  return out;
}

describe('LlhttpClient', () => {
  it('reuses a kept-alive connection, and opens another only when one is busy', async () => {
    const up = await upstream((socket) => socket.write(OK));
    const c = client();
    expect((await send(c, up.endpoint)).body).toBe('ok');
    expect((await send(c, up.endpoint)).body).toBe('ok');
    expect(up.connections).toHaveLength(1);
    const both = await Promise.all([send(c, up.endpoint), send(c, up.endpoint)]);
    expect(both.map((o) => o.body)).toEqual(['ok', 'ok']);
    expect(up.connections).toHaveLength(2);
  });

  it('passes 1xx answers to the handler, then the final answer on the same connection', async () => {
    const up = await upstream((socket) =>
      socket.write(
        'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n' +
          'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello',
      ),
    );
    const c = client();
    const outcome = await send(c, up.endpoint);
    expect(outcome.statuses).toEqual([103, 200]);
    expect(outcome.body).toBe('hello');
    expect((await send(c, up.endpoint)).body).toBe('hello');
    expect(up.connections).toHaveLength(1);
  });

  it('reads a body without length until the upstream closes, and never reuses that socket', async () => {
    const up = await upstream((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, ');
      setImmediate(() => socket.end('part two'));
    });
    const c = client();
    expect(await send(c, up.endpoint)).toMatchObject({
      completed: true,
      body: 'part one, part two',
    });
    expect((await send(c, up.endpoint)).body).toBe('part one, part two');
    expect(up.connections).toHaveLength(2);
  });

  it('gives every header in order, however many and however the bytes are split', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `X-Header-${i}`);
    const answer =
      'HTTP/1.1 200 OK\r\n' +
      names.map((n, i) => `${n}: value ${i}\r\n`).join('') +
      'Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 3\r\n\r\nabc';
    const up = await upstream((socket) => {
      // One byte per write, each flushed on its own: the parser sees the head in pieces.
      socket.setNoDelay(true);
      let i = 0;
      const next = () => {
        if (i < answer.length) socket.write(answer[i++]!, () => setImmediate(next));
      };
      next();
    });
    const outcome = await send(client(), up.endpoint);
    expect(outcome.body).toBe('abc');
    const expected = names.flatMap((n, i) => [n, `value ${i}`]);
    expected.push('Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'Content-Length', '3');
    expect(outcome.headers).toEqual(expected);
  });

  it('sends a request again on a fresh socket when a pooled one turns out closed', async () => {
    const up = await upstream((socket, _request, index) => {
      // The first connection answers once, then drops the next request unanswered.
      if (index === 0 && up.received[0]!.split('\r\n\r\n').length > 2) socket.destroy();
      else socket.write(OK);
    });
    const c = client();
    await send(c, up.endpoint);
    const again = await send(c, up.endpoint);
    expect(again).toMatchObject({ completed: true, body: 'ok' });
    expect(up.connections).toHaveLength(2);
  });

  it('does not send a request with a body twice: the upstream may have acted on it', async () => {
    const up = await upstream((socket, _request, index) => {
      if (index === 0 && up.received[0]!.split('\r\n\r\n').length > 2) socket.destroy();
      else socket.write(OK);
    });
    const c = client();
    await send(c, up.endpoint);
    const post = await send(c, up.endpoint, {
      method: 'POST',
      headers: ['Host', 'app.test', 'Content-Length', '3'],
      body: Readable.from([Buffer.from('abc')]),
    });
    expect(post.error).toBeInstanceOf(UpstreamClosed);
    expect(up.connections).toHaveLength(1);
  });

  it("honours the upstream's Keep-Alive timeout: a socket it is about to close is not kept", async () => {
    const up = await upstream((socket) =>
      socket.write('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok'),
    );
    const c = client();
    await send(c, up.endpoint);
    await send(c, up.endpoint);
    expect(up.connections).toHaveLength(2);
  });

  it('frames a body of unknown length as chunks, and sends a sized one as it is', async () => {
    const up = await upstream((socket) => socket.write(OK));
    const c = client();
    const body = new PassThrough();
    const sent = send(c, up.endpoint, { method: 'PUT', body });
    body.write('hello ');
    body.end('world');
    await sent;
    await send(c, up.endpoint, {
      method: 'PUT',
      headers: ['Host', 'app.test', 'Content-Length', '5'],
      body: Readable.from([Buffer.from('12345')]),
    });
    await send(c, up.endpoint, { method: 'POST' });
    const [chunked, sized, empty] = up.received[0]!.split(/(?=PUT |POST )/);
    expect(chunked).toBe(
      'PUT / HTTP/1.1\r\nHost: app.test\r\ntransfer-encoding: chunked\r\n\r\n' +
        '6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n',
    );
    expect(sized).toBe('PUT / HTTP/1.1\r\nHost: app.test\r\nContent-Length: 5\r\n\r\n12345');
    expect(empty).toBe('POST / HTTP/1.1\r\nHost: app.test\r\ncontent-length: 0\r\n\r\n');
  });

  it("names the upstream in Host when the request carries none (an HTTP/1.0 client's)", async () => {
    const up = await upstream((socket) => socket.write(OK));
    await send(client(), up.endpoint, { headers: ['Accept', '*/*'] });
    expect(up.received[0]).toBe(
      `GET / HTTP/1.1\r\nAccept: */*\r\nhost: 127.0.0.1:${up.endpoint.port}\r\n\r\n`,
    );
  });

  it('takes an answer that comes before the body is all sent, then closes that socket', async () => {
    // An upstream that stops reading after the head and refuses at once: the client's socket
    // fills, so the body is paused when the answer arrives.
    const accepted: Socket[] = [];
    const server = createServer((socket) => {
      accepted.push(socket);
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.pause();
        socket.write('HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    open.servers.push(server);
    const endpoint = {
      hostname: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      tls: false,
      verifyTls: true,
    };
    const c = client();
    const body = new PassThrough();
    const sent = send(c, endpoint, {
      method: 'POST',
      headers: ['Host', 'app.test', 'Content-Length', String(64 << 20)],
      body,
    });
    for (let i = 0; i < 64; i++) body.write(Buffer.alloc(1 << 20));
    body.end();
    expect(await sent).toMatchObject({ completed: true, statuses: [413] });
    // The rest is read and dropped, so whoever writes the body is never left waiting.
    await finished(body);
    // And the socket, mid-message, is closed: the upstream reads to its end.
    const closed = once(accepted[0]!, 'close');
    accepted[0]!.resume();
    await closed;
  });

  it('answers HEAD without waiting for the body its Content-Length announces', async () => {
    const up = await upstream((socket) =>
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n'),
    );
    const c = client();
    expect(await send(c, up.endpoint, { method: 'HEAD' })).toMatchObject({
      completed: true,
      body: '',
    });
    await send(c, up.endpoint, { method: 'HEAD' });
    expect(up.connections).toHaveLength(1);
  });

  it('fails with a protocol error on bytes that are not HTTP', async () => {
    const up = await upstream((socket) => socket.write('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    const outcome = await send(client(), up.endpoint);
    expect(outcome.error).toBeInstanceOf(UpstreamProtocolError);
    expect(outcome.error?.message).toMatch(/not valid HTTP \(HPE_/);
  });

  it('fails when the upstream closes before the announced body is complete', async () => {
    const up = await upstream((socket) =>
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b'),
    );
    const outcome = await send(client(), up.endpoint);
    expect(outcome.statuses).toEqual([200]);
    expect(outcome.body).toBe('only ten b');
    expect(outcome.error).toBeInstanceOf(UpstreamClosed);
  });

  it('times out waiting for the answer, and between two chunks of a body', async () => {
    const silent = await upstream(() => undefined);
    const stalled = await upstream((socket) =>
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nfirst'),
    );
    const c = client({ firstByteTimeoutMs: 100, idleTimeoutMs: 100 });
    const [headers, body] = await Promise.all([
      send(c, silent.endpoint),
      send(c, stalled.endpoint),
    ]);
    expect(headers.error).toBeInstanceOf(UpstreamTimeout);
    expect((headers.error as UpstreamTimeout).phase).toBe('headers');
    expect(body.error).toBeInstanceOf(UpstreamTimeout);
    expect((body.error as UpstreamTimeout).phase).toBe('body');
    expect(body.body).toBe('first');
  });

  it('closes a pooled socket once its keep-alive has run out', async () => {
    const up = await upstream((socket) => socket.write(OK));
    const c = client({ keepAliveMs: 50 });
    await send(c, up.endpoint);
    await once(up.connections[0]!, 'close');
    await send(c, up.endpoint);
    expect(up.connections).toHaveLength(2);
  });

  it('does not count a pause of its own handler as upstream silence', async () => {
    const up = await upstream((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nfirst');
      setTimeout(() => socket.write('-last'), 300);
    });
    const c = client({ idleTimeoutMs: 100 });
    let body = '';
    const get = streamed(c, up.endpoint, (chunk) => {
      body += chunk.toString();
      // Paused past the idle timeout, then resumed before the rest comes.
      if (body === 'first') setTimeout(() => get.resume(), 250);
      return body !== 'first';
    });
    await get.done;
    expect(body).toBe('first-last');
  });

  it('reports a refused connection with its code', async () => {
    const up = await upstream(() => undefined);
    up.server.close();
    await once(up.server, 'close');
    const outcome = await send(client(), up.endpoint);
    expect((outcome.error as Error & { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('aborts: the socket closes, the handler hears the reason once and nothing after', async () => {
    const up = await upstream((socket) =>
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'),
    );
    const reason = new Error('client went away');
    const outcome = await send(
      client(),
      up.endpoint,
      {},
      {
        onHeaders: (abort) => {
          abort(reason);
          return false;
        },
      },
    );
    expect(outcome.error).toBe(reason);
    expect(outcome.body).toBe('');
    await once(up.connections[0]!, 'close');
  });

  it('turns a handler that throws inside a parser callback into that exchange failing', async () => {
    const up = await upstream((socket) => socket.write(OK));
    const c = client();
    const broken = new Error('handler bug');
    const heard = await new Promise<Error>((resolve) =>
      c.to(up.endpoint)(
        { path: '/', method: 'GET', headers: [], body: null },
        {
          onHeaders: () => {
            throw broken;
          },
          onComplete: () => resolve(new Error('completed')),
          onError: resolve,
        },
      ),
    );
    expect(heard).toBe(broken);
    expect((await send(c, up.endpoint)).body).toBe('ok');
  });

  it('stops reading while the handler is paused and resumes when asked', async () => {
    const total = 8 << 20;
    const up = await upstream((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
      socket.write(Buffer.alloc(total, 97));
    });
    const c = client();
    let received = 0;
    let paused = false;
    const get = streamed(c, up.endpoint, (chunk) => {
      received += chunk.length;
      if (received < total && !paused) {
        paused = true;
        return false;
      }
      return true;
    });
    // Let the upstream fill every buffer it can while the handler is paused.
    await new Promise((r) => setTimeout(r, 200));
    const whilePaused = received;
    expect(whilePaused).toBeLessThan(total / 4);
    get.resume();
    await get.done;
    expect(received).toBe(total);
  });

  it("ignores a resume from an earlier exchange's handler once the socket serves the next", async () => {
    const total = 8 << 20;
    const up = await upstream((socket, _request, index) => {
      if (up.received[index]!.split('\r\n\r\n').length <= 2) socket.write(OK);
      else {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`);
        socket.write(Buffer.alloc(total, 97));
      }
    });
    const c = client();
    const first = streamed(c, up.endpoint, () => true);
    await first.done;
    const stale = first.resume;
    let received = 0;
    const second = streamed(c, up.endpoint, (chunk) => {
      received += chunk.length;
      return received >= total; // paused after the first chunk
    });
    await new Promise((r) => setTimeout(r, 100));
    const before = received;
    expect(before).toBeLessThan(total / 4);
    stale();
    await new Promise((r) => setTimeout(r, 200));
    expect(up.connections).toHaveLength(1);
    expect(received).toBe(before);
    // The handler's own resume is called each time it has taken a chunk.
    const pump = setInterval(() => second.resume(), 5);
    await second.done;
    clearInterval(pump);
    expect(received).toBe(total);
  });

  it('closes idle sockets on close() and refuses new requests after it', async () => {
    const up = await upstream((socket) => socket.write(OK));
    const c = client();
    await send(c, up.endpoint);
    const closed = once(up.connections[0]!, 'close');
    await c.close();
    await closed;
    const after = await send(c, up.endpoint);
    expect(after.error?.message).toMatch(/shutting down/);
  });
});
