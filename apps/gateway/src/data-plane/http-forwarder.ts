import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { errorBody, sendJson } from '#libs/http';
import { downstreamHeaders, type DownstreamHeaders } from './headers';
import { HtmlRewriter } from './html-rewriter';
import { UpstreamProtocolError, UpstreamTimeout, type UpstreamHandler } from './llhttp-client';
import type { PathMapper } from './paths';
import type { ProxyFailure, ProxyMetrics, RouteTraffic } from './proxy-metrics';

/** A request body went over the route's limit while streaming. */
export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the request body is larger than ${limit} bytes`);
  }
}

class ClientClosed extends Error {
  constructor() {
    super('the client closed the connection');
  }
}

/** What one forwarded request needs besides the request and response themselves. */
export interface ForwardContext {
  routeId: string;
  requestId: string;
  traffic: RouteTraffic;
  metrics: ProxyMetrics;
  /** `performance.now()` when the request reached the data plane. */
  started: number;
  /** Set when responses of this route are rewritten (Location, cookies). */
  mapper: PathMapper | undefined;
  stripCookies: boolean;
  /** The page's external directory when HTML bodies are rewritten. */
  htmlBase: string | undefined;
}

/**
 * Streams one upstream response to the client as it arrives: no buffering, backpressure both
 * ways, the upstream request aborted when the client goes away. Failures before the response
 * started are answered with the contract's JSON error body.
 *
 * It implements undici's older handler hooks (`onConnect`, `onHeaders`, `onData`,
 * `onComplete`, `onError`), which both upstream clients call: the llhttp client of
 * `llhttp-client.ts` and undici 7, which calls them directly. They receive the response's raw
 * header list, passed on to `writeHead` as a flat array, where undici's newer hooks would
 * parse it into an object (and wrap every handler in two more objects) first. The difference
 * is measured in docs/decisions/0011.
 */
export class ForwardHandler implements UpstreamHandler {
  private abortUpstream: ((reason: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  private rewriter: HtmlRewriter | undefined;
  private finished = false;
  private clientGone = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly ctx: ForwardContext,
  ) {
    res.on('close', this.onClientClose);
  }

  private readonly onClientClose = (): void => {
    if (this.finished) return;
    this.clientGone = true;
    this.abortUpstream?.(new ClientClosed());
  };

  private readonly resume = (): void => this.resumeUpstream?.();

  onConnect(abort: (reason?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.clientGone) abort(new ClientClosed());
  }

  onHeaders(
    statusCode: number,
    rawHeaders: readonly (Buffer | string)[],
    resume: () => void,
    statusMessage: string,
  ): boolean {
    if (statusCode < 200) return true;
    this.resumeUpstream = resume;
    const { ctx, res } = this;
    ctx.metrics.observeLatency(ctx.traffic, performance.now() - ctx.started);
    ctx.traffic.responsesByClass[Math.min(5, Math.floor(statusCode / 100)) as 2]++;
    const out = downstreamHeaders(rawHeaders);
    if (ctx.mapper || ctx.stripCookies) this.rewriteHeaders(out, statusCode);
    if (
      ctx.htmlBase !== undefined &&
      ctx.mapper &&
      this.req.method !== 'HEAD' &&
      statusCode !== 204 &&
      statusCode !== 304 &&
      isHtml(out.contentType) &&
      isIdentity(out.contentEncoding)
    ) {
      this.rewriter = new HtmlRewriter(ctx.mapper.path.bind(ctx.mapper), ctx.htmlBase);
      removeHeader(out.list, 'content-length');
      out.contentLength = false;
    }
    try {
      res.writeHead(statusCode, statusMessage || undefined, out.list);
    } catch {
      // A header Node refuses to send (bad characters): the upstream's answer is unusable.
      this.abortUpstream?.(new Error('the upstream sent a header that cannot be forwarded'));
      return false;
    }
    // Event streams and other bodies of unknown length: the client sees the headers now.
    if (!out.contentLength) res.flushHeaders();
    return true;
  }

  /** Location and cookie paths mapped into the route's prefix; cookies dropped when asked. */
  private rewriteHeaders(out: DownstreamHeaders, statusCode: number): void {
    const { mapper, stripCookies } = this.ctx;
    const host = this.req.headers.host;
    const list = out.list;
    for (let i = 0; i < list.length; i += 2) {
      const name = list[i]!.toLowerCase();
      if (name === 'set-cookie') {
        if (stripCookies) {
          list.splice(i, 2);
          i -= 2;
        } else if (mapper) list[i + 1] = mapper.cookie(list[i + 1]!);
      } else if (!mapper) continue;
      else if (name === 'location' && statusCode >= 300 && statusCode < 400)
        list[i + 1] = mapper.location(list[i + 1]!, host);
      else if (name === 'content-location') list[i + 1] = mapper.location(list[i + 1]!, host);
    }
  }

  onData(chunk: Buffer): boolean {
    const data = this.rewriter ? this.rewriter.push(chunk) : chunk;
    this.ctx.traffic.bytesOut += data.length;
    if (data.length > 0 && !this.res.write(data)) {
      this.res.once('drain', this.resume);
      return false;
    }
    return true;
  }

  onComplete(): void {
    this.finished = true;
    this.res.off('close', this.onClientClose);
    if (this.rewriter) {
      const rest = this.rewriter.end();
      this.ctx.traffic.bytesOut += rest.length;
      this.res.end(rest);
    } else this.res.end();
  }

  onError(error: Error): void {
    this.fail(error);
  }

  /** Answers a failure: JSON error before the response started, a cut connection after. */
  fail(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    const { ctx, res } = this;
    res.off('close', this.onClientClose);
    const failure = failureOf(error, this.clientGone);
    ctx.traffic.failures[failure.kind]++;
    if (failure.kind === 'client_closed') {
      res.destroy();
      return;
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    ctx.traffic.responsesByClass[Math.floor(failure.status / 100) as 5]++;
    // The rest of an unread request body is not worth draining.
    if (!this.req.complete) res.shouldKeepAlive = false;
    sendJson(
      res,
      failure.status,
      errorBody(failure.code, `${failure.message} (route "${ctx.routeId}")`, {
        requestId: ctx.requestId,
      }),
    );
  }
}

function removeHeader(list: string[], lowerName: string): void {
  for (let i = list.length - 2; i >= 0; i -= 2)
    if (list[i]!.toLowerCase() === lowerName) list.splice(i, 2);
}

interface Failure {
  kind: ProxyFailure;
  status: number;
  code: string;
  message: string;
}

/** Maps what went wrong to the contract's answer, without leaking upstream details. */
export function failureOf(error: unknown, clientGone = false): Failure {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (error instanceof BodyTooLarge || cause instanceof BodyTooLarge) {
    const limit = error instanceof BodyTooLarge ? error.limit : (cause as BodyTooLarge).limit;
    return {
      kind: 'too_large',
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: `the request body is larger than this route allows (${limit} bytes)`,
    };
  }
  if (clientGone || error instanceof ClientClosed)
    return { kind: 'client_closed', status: 499, code: 'CLIENT_CLOSED', message: 'client closed' };
  if (error instanceof UpstreamTimeout)
    return { kind: 'timeout', status: 504, code: 'GATEWAY_TIMEOUT', message: error.message };
  if (error instanceof UpstreamProtocolError) return bad(error.message);
  const code =
    (error as { code?: unknown } | undefined)?.code ??
    (cause as { code?: unknown } | undefined)?.code;
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return {
        kind: 'timeout',
        status: 504,
        code: 'GATEWAY_TIMEOUT',
        message:
          code === 'UND_ERR_CONNECT_TIMEOUT'
            ? 'the upstream did not accept the connection in time'
            : 'the upstream did not answer in time',
      };
    case 'ECONNREFUSED':
      return bad('the upstream refused the connection');
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return bad('the upstream closed the connection without a complete answer');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return bad("the upstream's host name does not resolve");
    default:
      // UNABLE_TO_VERIFY_LEAF_SIGNATURE, DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID…
      if (typeof code === 'string' && /CERT|SELF_SIGNED|TLS|SSL|VERIFY|ISSUER/i.test(code))
        return bad("the upstream's TLS certificate was not accepted");
      return bad('the upstream could not be reached');
  }
}

function bad(message: string): Failure {
  return { kind: 'bad_gateway', status: 502, code: 'BAD_GATEWAY', message };
}

/** One `Content-Type` that is HTML (null: several). */
function isHtml(contentType: string | null | undefined): boolean {
  return typeof contentType === 'string' && /^\s*text\/html\b/i.test(contentType);
}

/** No `Content-Encoding`, or one that says identity (null: several). */
function isIdentity(encoding: string | null | undefined): boolean {
  return encoding === undefined || (encoding !== null && /^\s*identity\s*$/i.test(encoding));
}

/**
 * The request body for the upstream: streamed as it comes, cut with 413 past `limit` bytes,
 * its size added to the route's `bytesIn`.
 */
export function limitedBody(req: IncomingMessage, limit: number, traffic: RouteTraffic): Readable {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      seen += chunk.length;
      traffic.bytesIn += chunk.length;
      if (seen > limit) done(new BodyTooLarge(limit));
      else done(null, chunk);
    },
  });
  req.on('error', (error) => counter.destroy(error));
  return req.pipe(counter);
}
