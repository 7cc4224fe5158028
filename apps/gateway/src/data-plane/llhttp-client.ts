import { createRequire } from 'node:module';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

/**
 * The upstream side of the data plane without a client library: a keep-alive pool of plain
 * sockets per origin, each answer parsed by the llhttp binding node:http itself uses. It costs
 * 21-29 % less CPU per request than undici's dispatcher on this machine (docs/decisions/0018,
 * 0019). It speaks to the same handler hooks as undici's older interface, so the data plane
 * runs on either; undici stays the fallback where the binding is missing.
 */

/**
 * The hooks a forwarded request reports to (undici's older `DispatchHandler` interface). This
 * client calls those that are there; undici refuses a handler without all five.
 */
export interface UpstreamHandler {
  /** Called first, with the function that aborts the exchange. */
  onConnect?(abort: (reason?: Error) => void): void;
  /** Response headers as a flat raw list; 1xx answers come here too. False pauses the body. */
  onHeaders?(
    statusCode: number,
    rawHeaders: string[],
    resume: () => void,
    statusMessage: string,
  ): boolean;
  /** One chunk of the response body; false pauses the upstream until `resume`. */
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: string[] | null): void;
  onError?(error: Error): void;
}

/** One request for the upstream. */
export interface UpstreamRequest {
  path: string;
  method: string;
  /** `[name, value, …]`; values come from llhttp-parsed requests or validated route fields. */
  headers: string[];
  /** Streamed; chunked unless the headers carry a Content-Length. Null: no body. */
  body: Readable | null;
}

/** Where the requests go: one pool per distinct endpoint and certificate policy. */
export interface UpstreamEndpoint {
  hostname: string;
  port: number;
  /** `host[:port]` for a request that carries no Host (HTTP/1.0 clients); else hostname:port. */
  host?: string;
  tls: boolean;
  verifyTls: boolean;
}

export interface LlhttpClientOptions {
  connectTimeoutMs: number;
  /** From the request written to the response headers. */
  firstByteTimeoutMs: number;
  /** Longest silence while a response body streams. */
  idleTimeoutMs: number;
  /** How long an idle pooled socket is kept (an upstream's shorter Keep-Alive hint wins). */
  keepAliveMs: number;
}

/** An idle timeout of one phase of an upstream exchange. */
export class UpstreamTimeout extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly phase: 'connect' | 'headers' | 'body') {
    super(
      phase === 'connect'
        ? 'the upstream did not accept the connection in time'
        : 'the upstream did not answer in time',
    );
  }
}

/** The upstream's bytes are not an HTTP/1.x answer (llhttp's `HPE_*` code kept). */
export class UpstreamProtocolError extends Error {
  constructor(readonly code: string) {
    super(`the upstream sent an answer that is not valid HTTP (${code})`);
  }
}

/** The upstream closed the connection before the answer was complete. */
export class UpstreamClosed extends Error {
  readonly code = 'ECONNRESET';
  constructor() {
    super('the upstream closed the connection without a complete answer');
  }
}

/** The parts of a socket's libuv stream handle the client uses. */
interface StreamHandle {
  isStreamBase?: boolean;
  _consumed?: boolean;
  readStart(): number;
  readStop(): number;
}

interface ParserBinding {
  new (): Parser;
  RESPONSE: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
}

interface Parser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  finish(): number | Error | undefined;
  close(): void;
  /** Reads the socket's handle directly in C++; results come to `kOnExecute`. */
  consume(handle: unknown): void;
  unconsume(): void;
  [key: number]: unknown;
}

/**
 * Node's llhttp binding, through `_http_common` (what node:http's client and server use; no
 * deprecation warning, unlike `process.binding('http_parser')`). Undefined where a Node
 * release no longer exposes it: the data plane then runs on undici.
 */
export const llhttpBinding: ParserBinding | undefined = (() => {
  try {
    const common = createRequire(__filename)('_http_common') as { HTTPParser?: ParserBinding };
    const binding = common.HTTPParser;
    if (typeof binding !== 'function' || typeof binding.kOnHeadersComplete !== 'number')
      return undefined;
    const probe = new binding();
    probe.initialize(binding.RESPONSE, {}, 0, 0);
    probe.close();
    return binding;
  } catch {
    return undefined;
  }
})();

/** Methods whose requests carry a body: an empty one is still announced (undici does too). */
const PAYLOAD_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const CRLF = '\r\n';
const LAST_CHUNK = '0\r\n\r\n';

/**
 * One request and its answer on one connection. `abort` ends it from outside (the client went
 * away, the request body was refused); whatever ends it first wins, and the handler hears
 * exactly one of onComplete or onError.
 */
class Exchange {
  conn: Connection | undefined;
  done = false;
  /** An answer (even 1xx) has begun: the request can no longer be sent again elsewhere. */
  answered = false;
  informational = false;
  keepAlive = true;
  requestSent = false;
  resumeBody: (() => void) | undefined;
  readonly skipBody: boolean;
  /** Sent once on a fresh connection after a pooled one failed before any answer. */
  retried = false;

  constructor(
    readonly request: UpstreamRequest,
    readonly handler: UpstreamHandler,
  ) {
    this.skipBody = request.method === 'HEAD';
  }

  readonly abort = (reason?: Error): void => {
    this.fail(reason ?? new Error('the request was aborted'));
  };

  /**
   * Given to the handler with the headers. Bound to this exchange: a handler whose answer has
   * ended (a late 'drain') cannot restart reads for the next exchange on the same socket.
   */
  readonly resume = (): void => {
    this.conn?.resumeFor(this);
  };

  fail(error: Error): void {
    if (this.done) return;
    this.done = true;
    const conn = this.conn;
    this.conn = undefined;
    this.request.body?.destroy();
    if (conn) {
      conn.exchange = undefined;
      conn.socket.destroy();
    }
    this.handler.onError?.(error);
  }
}

class Connection {
  readonly socket: Socket;
  readonly parser: Parser;
  exchange: Exchange | undefined;
  /** Exchanges this connection has carried; a pooled socket may have gone stale. */
  served = 0;
  connected = false;
  /** When the current phase times out, on the pool's coarse clock; 0 for never. */
  deadline: number;
  keepAliveMs: number;
  private headers: string[] = [];
  /** The socket's handle while the parser consumes it. */
  private handle: StreamHandle | undefined;

  constructor(
    readonly pool: Pool,
    binding: ParserBinding,
  ) {
    const { endpoint, options } = pool;
    this.keepAliveMs = options.keepAliveMs;
    if (endpoint.tls) {
      this.socket = tlsConnect({
        host: endpoint.hostname,
        port: endpoint.port,
        rejectUnauthorized: endpoint.verifyTls,
        ALPNProtocols: ['http/1.1'],
        ...(isIP(endpoint.hostname) === 0 ? { servername: endpoint.hostname } : {}),
      });
      this.socket.once('secureConnect', this.onConnected);
    } else {
      this.socket = netConnect(endpoint.port, endpoint.hostname);
      this.socket.once('connect', this.onConnected);
    }
    this.socket.setNoDelay(true);
    this.socket.setKeepAlive(true, 60_000);
    this.deadline = pool.clock.now + options.connectTimeoutMs;
    const parser = new binding();
    parser.initialize(binding.RESPONSE, {}, 0, 0);
    parser[binding.kOnHeaders] = this.onHeaderPart;
    parser[binding.kOnHeadersComplete] = this.onHeadersComplete;
    parser[binding.kOnBody] = this.onBody;
    parser[binding.kOnMessageComplete] = this.onMessageComplete;
    parser[binding.kOnExecute] = this.onExecuted;
    this.parser = parser;
    this.socket.on('data', this.onData);
    this.socket.on('end', this.onEnd);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
  }

  private readonly onConnected = (): void => {
    this.connected = true;
    // As node:http's server does: the parser reads the socket's handle itself, so answers
    // skip the socket's readable stream ('data' events) entirely. End of stream and errors
    // still come through the socket.
    const handle = (this.socket as unknown as { _handle?: StreamHandle | null })._handle;
    if (handle?.isStreamBase && !handle._consumed) {
      handle._consumed = true;
      this.parser.consume(handle);
      this.handle = handle;
    }
    if (this.exchange) this.deadline = this.pool.clock.now + this.pool.options.firstByteTimeoutMs;
  };

  /** Writes the request head, then streams its body. */
  start(x: Exchange): void {
    this.exchange = x;
    x.conn = this;
    this.served++;
    if (this.connected) this.deadline = this.pool.clock.now + this.pool.options.firstByteTimeoutMs;
    const { method, path, headers, body } = x.request;
    let head = `${method} ${path} HTTP/1.1\r\n`;
    let sized = false;
    let hosted = false;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      if (name.length === 14 && name.toLowerCase() === 'content-length') sized = true;
      else if (name.length === 4 && name.toLowerCase() === 'host') hosted = true;
      head += `${name}: ${headers[i + 1]!}\r\n`;
    }
    // HTTP/1.1 requires a Host; an HTTP/1.0 client may not have sent one.
    if (!hosted) {
      const { endpoint } = this.pool;
      head += `host: ${endpoint.host ?? `${endpoint.hostname}:${endpoint.port}`}\r\n`;
    }
    if (body === null) {
      if (!sized && PAYLOAD_METHODS.has(method)) head += `content-length: 0\r\n`;
      this.socket.write(`${head}\r\n`, 'latin1');
      x.requestSent = true;
      return;
    }
    if (!sized) head += 'transfer-encoding: chunked\r\n';
    this.socket.write(`${head}\r\n`, 'latin1');
    this.streamBody(x, body, !sized);
  }

  private streamBody(x: Exchange, body: Readable, chunked: boolean): void {
    const socket = this.socket;
    const resume = (): void => void body.resume();
    x.resumeBody = resume;
    body.on('data', (chunk: Buffer) => {
      // Once the exchange has left this socket the rest is read and dropped, so the client's
      // connection is not left holding an unread body.
      if (x.conn !== this) return;
      // Still sending: the wait for the answer starts again from the last chunk.
      if (this.connected)
        this.deadline = this.pool.clock.now + this.pool.options.firstByteTimeoutMs;
      let flushed: boolean;
      if (chunked) {
        if (chunk.length === 0) return;
        socket.cork();
        socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
        socket.write(chunk);
        flushed = socket.write(CRLF, 'latin1');
        socket.uncork();
      } else flushed = socket.write(chunk);
      if (!flushed) {
        body.pause();
        socket.once('drain', resume);
      }
    });
    body.once('end', () => {
      if (x.conn !== this) return;
      if (chunked) socket.write(LAST_CHUNK, 'latin1');
      x.requestSent = true;
    });
    body.once('error', (error: Error) => x.fail(error));
  }

  /** Bytes read through the socket (before the handle is consumed, and on TLS until then). */
  private readonly onData = (data: Buffer): void => {
    this.onExecuted(this.parser.execute(data));
  };

  /** What the parser made of bytes it was given, or read itself from a consumed handle. */
  private readonly onExecuted = (result: number | Error): void => {
    if (result instanceof Error) {
      const code = (result as Error & { code?: string }).code ?? 'HPE_INVALID';
      this.failOrDrop(new UpstreamProtocolError(code));
    }
  };

  /** The upstream finished sending: a body read until close ends here. */
  private readonly onEnd = (): void => {
    // An error (the answer stopped short) or an exchange still waiting: either way unfinished.
    if (this.parser.finish() instanceof Error || this.exchange)
      this.failOrDrop(new UpstreamClosed());
    else this.socket.destroy();
  };

  /** Called by the pool's clock once `deadline` has passed. */
  readonly onTimeout = (): void => {
    const x = this.exchange;
    if (!x) {
      // An idle pooled socket whose keep-alive ran out.
      this.socket.destroy();
      return;
    }
    const phase = !this.connected ? 'connect' : x.answered ? 'body' : 'headers';
    x.fail(new UpstreamTimeout(phase));
  };

  private readonly onError = (error: Error): void => {
    this.failOrDrop(error);
  };

  private readonly onClose = (): void => {
    this.pool.forget(this);
    if (this.handle) {
      this.handle = undefined;
      this.parser.unconsume();
    }
    if (this.exchange) this.failOrDrop(new UpstreamClosed());
    // Not while a parser callback may still be on the stack.
    setImmediate(() => this.parser.close());
  };

  /**
   * Ends the connection. Its exchange fails, unless the connection was a pooled one that went
   * stale before any answer to a request without a body: that request goes out once more, on
   * a fresh connection (what browsers do; the upstream never saw it).
   */
  private failOrDrop(error: Error): void {
    const x = this.exchange;
    this.exchange = undefined;
    this.socket.destroy();
    if (!x || x.done) return;
    x.conn = undefined;
    if (this.served > 1 && !x.answered && !x.retried && x.request.body === null) {
      x.retried = true;
      this.pool.fresh().start(x);
      return;
    }
    x.fail(error);
  }

  private readonly onHeaderPart = (headers: string[]): void => {
    for (const value of headers) this.headers.push(value);
  };

  private readonly onHeadersComplete = (
    _major: number,
    _minor: number,
    parsed: string[] | undefined,
    _method: unknown,
    _url: unknown,
    status: number,
    message: string,
    upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    let headers = parsed;
    if (headers === undefined) {
      headers = this.headers;
      this.headers = [];
    } else if (this.headers.length > 0) {
      headers = this.headers.concat(headers);
      this.headers = [];
    }
    const x = this.exchange;
    if (!x || x.done) return 1;
    x.answered = true;
    try {
      if (status < 200 && status !== 101) {
        x.informational = true;
        x.handler.onHeaders?.(status, headers, x.resume, message);
        return 1;
      }
      if (upgrade || status === 101) {
        x.fail(new UpstreamProtocolError('UNEXPECTED_UPGRADE'));
        return 1;
      }
      x.keepAlive = keepAlive;
      if (keepAlive) this.keepAliveMs = keepAliveHint(headers, this.pool.options.keepAliveMs);
      this.deadline = this.pool.clock.now + this.pool.options.idleTimeoutMs;
      if (x.handler.onHeaders?.(status, headers, x.resume, message) === false && !x.done)
        this.pause();
      return x.skipBody ? 1 : 0;
    } catch (error) {
      this.handlerThrew(error);
      return 1;
    }
  };

  /**
   * A handler threw inside a parser callback. Every callback that calls a handler catches, as
   * nothing above the parser would: on a consumed handle the exception would reach the process
   * as uncaught. That exchange fails instead.
   */
  private handlerThrew(error: unknown): void {
    this.failOrDrop(error instanceof Error ? error : new Error(String(error)));
  }

  /**
   * The client is not taking the body as fast as it comes: stop reading. The upstream is not
   * silent then, so the idle timeout waits until reading resumes.
   */
  private pause(): void {
    if (this.handle) this.handle.readStop();
    else this.socket.pause();
    this.deadline = 0;
  }

  private resumeReading(): void {
    if (this.handle) {
      if (!this.socket.destroyed) this.handle.readStart();
    } else this.socket.resume();
  }

  /** Reading goes on for `x`, unless the connection has moved on from it. */
  resumeFor(x: Exchange): void {
    if (this.exchange !== x) return;
    this.deadline = this.pool.clock.now + this.pool.options.idleTimeoutMs;
    this.resumeReading();
  }

  private readonly onBody = (chunk: Buffer): void => {
    const x = this.exchange;
    if (!x || x.done) return;
    try {
      if (x.handler.onData?.(chunk) === false && !x.done) this.pause();
      else if (this.deadline !== 0)
        this.deadline = this.pool.clock.now + this.pool.options.idleTimeoutMs;
    } catch (error) {
      this.handlerThrew(error);
    }
  };

  private readonly onMessageComplete = (): void => {
    const x = this.exchange;
    if (!x || x.done) return;
    if (x.informational) {
      x.informational = false;
      return;
    }
    x.done = true;
    try {
      x.handler.onComplete?.(null);
    } catch (error) {
      this.handlerThrew(error);
      return;
    }
    this.release(x);
  };

  /** After an answer: back to the pool when both sides allow it, else closed. */
  private release(x: Exchange): void {
    if (this.exchange !== x) return;
    this.exchange = undefined;
    x.conn = undefined;
    if (!x.requestSent) {
      // Answered before the whole body went out (an early 413, a redirect): the socket is
      // mid-message, so it closes, and the rest of the body is read and dropped.
      x.resumeBody?.();
      this.socket.destroy();
      return;
    }
    if (!x.keepAlive || this.keepAliveMs <= 0 || this.socket.destroyed || this.pool.closing) {
      this.socket.destroy();
      return;
    }
    this.resumeReading();
    this.deadline = this.pool.clock.now + this.keepAliveMs;
    this.pool.idle.push(this);
  }
}

/**
 * The shorter of our keep-alive and the upstream's `Keep-Alive: timeout=N` less a second, so
 * a socket is never reused just as the upstream closes it.
 */
function keepAliveHint(headers: string[], ours: number): number {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (name.length !== 10 || name.toLowerCase() !== 'keep-alive') continue;
    const match = /timeout\s*=\s*(\d+)/i.exec(headers[i + 1]!);
    if (match) return Math.max(0, Math.min(ours, Number(match[1]) * 1000 - 1000));
  }
  return ours;
}

/**
 * A coarse clock and the timeouts of every connection, checked a few times per shortest
 * timeout: moving a deadline is then an assignment, where `socket.setTimeout` would re-arm a
 * timer (and bind a callback) several times per request. A timeout fires up to a quarter of
 * its length early or late (at most 250 ms).
 */
class Clock {
  now = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly everyMs: number;

  constructor(
    options: LlhttpClientOptions,
    private readonly pools: Map<string, Pool>,
  ) {
    const shortest = Math.min(
      options.connectTimeoutMs,
      options.firstByteTimeoutMs,
      options.idleTimeoutMs,
      options.keepAliveMs,
    );
    this.everyMs = Math.max(5, Math.min(250, Math.floor(shortest / 4)));
  }

  /** Ticks while there are connections. */
  start(): void {
    if (this.timer) return;
    this.now = Date.now();
    this.timer = setInterval(this.tick, this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private readonly tick = (): void => {
    const now = (this.now = Date.now());
    let open = 0;
    for (const pool of this.pools.values())
      for (const conn of pool.all) {
        open++;
        if (conn.deadline !== 0 && conn.deadline <= now) {
          conn.deadline = 0;
          conn.onTimeout();
        }
      }
    if (open === 0) this.stop();
  };
}

/**
 * The connections to one endpoint. A pool lives as long as its client, empty or not: a route
 * resolves its pool once, and the pools are one small object per target ever used.
 */
class Pool {
  readonly idle: Connection[] = [];
  readonly all = new Set<Connection>();
  closing = false;

  constructor(
    readonly endpoint: UpstreamEndpoint,
    readonly options: LlhttpClientOptions,
    readonly clock: Clock,
    private readonly binding: ParserBinding,
    private readonly onEmpty: () => void,
  ) {}

  /** The most recently used idle connection (warm), else a new one. */
  take(): Connection {
    for (;;) {
      const conn = this.idle.pop();
      if (!conn) return this.fresh();
      if (!conn.socket.destroyed) return conn;
    }
  }

  fresh(): Connection {
    this.clock.start();
    const conn = new Connection(this, this.binding);
    this.all.add(conn);
    return conn;
  }

  forget(conn: Connection): void {
    this.all.delete(conn);
    const at = this.idle.indexOf(conn);
    if (at >= 0) this.idle.splice(at, 1);
    if (this.all.size === 0) this.onEmpty();
  }
}

/** Sends one request on a pool's connection; the handler hears how it goes. */
export type SendUpstream = (request: UpstreamRequest, handler: UpstreamHandler) => void;

/** The keep-alive pools of every upstream endpoint, and the dispatch into them. */
export class LlhttpClient {
  private readonly pools = new Map<string, Pool>();
  private readonly clock: Clock;
  private closed = false;
  private drained: (() => void) | undefined;

  constructor(
    private readonly options: LlhttpClientOptions,
    private readonly binding: ParserBinding = llhttpBinding!,
  ) {
    if (!binding) throw new Error("this Node release does not expose node:http's llhttp binding");
    this.clock = new Clock(options, this.pools);
  }

  /**
   * The sender to one endpoint, its pool resolved here once: the data plane keeps one per
   * route version, so a request does no lookup.
   */
  to(endpoint: UpstreamEndpoint): SendUpstream {
    const key = `${endpoint.tls ? 's' : ''}${endpoint.verifyTls ? '' : '!'}${endpoint.hostname}:${endpoint.port}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool(endpoint, this.options, this.clock, this.binding, () => {
        if (this.closed && this.open() === 0) this.drained?.();
      });
      this.pools.set(key, pool);
    }
    const target = pool;
    return (request, handler) => {
      if (this.closed) {
        handler.onError?.(new Error('the data plane is shutting down'));
        return;
      }
      const x = new Exchange(request, handler);
      handler.onConnect?.(x.abort);
      if (x.done) return;
      target.take().start(x);
    };
  }

  private open(): number {
    let open = 0;
    for (const pool of this.pools.values()) open += pool.all.size;
    return open;
  }

  /** Closes idle sockets now and the others once their exchange ends. */
  close(): Promise<void> {
    this.closed = true;
    for (const pool of this.pools.values()) {
      pool.closing = true;
      for (const conn of pool.idle.splice(0)) conn.socket.destroy();
    }
    if (this.open() === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }
}
