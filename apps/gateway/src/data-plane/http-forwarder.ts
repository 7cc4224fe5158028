import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { Dispatcher } from 'undici';
import { errorBody, sendJson } from '#libs/http';
import { downstreamHeaders } from './headers';
import { HtmlRewriter } from './html-rewriter';
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
 * Streams one upstream response to the client as it arrives (undici's dispatch handler): no
 * buffering, backpressure both ways, the upstream request aborted when the client goes away.
 * Failures before the response started are answered with the contract's JSON error body.
 */
export class ForwardHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private rewriter: HtmlRewriter | undefined;
  private finished = false;
  private clientGone = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly ctx: ForwardContext,
  ) {
    res.once('close', this.onClientClose);
  }

  private readonly onClientClose = (): void => {
    if (this.finished) return;
    this.clientGone = true;
    this.controller?.abort(new ClientClosed());
  };

  private readonly resume = (): void => this.controller?.resume();

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.clientGone) controller.abort(new ClientClosed());
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    if (statusCode < 200) return;
    const { ctx, res } = this;
    ctx.metrics.observeLatency(ctx.traffic, performance.now() - ctx.started);
    ctx.traffic.responsesByClass[Math.min(5, Math.floor(statusCode / 100)) as 2]++;
    const out = downstreamHeaders(headers);
    if (ctx.mapper) this.rewriteHeaders(out, statusCode, ctx.mapper);
    if (ctx.stripCookies) delete out['set-cookie'];
    if (
      ctx.htmlBase !== undefined &&
      ctx.mapper &&
      this.req.method !== 'HEAD' &&
      statusCode !== 204 &&
      statusCode !== 304 &&
      isHtml(out['content-type']) &&
      isIdentity(out['content-encoding'])
    ) {
      this.rewriter = new HtmlRewriter(ctx.mapper.path.bind(ctx.mapper), ctx.htmlBase);
      delete out['content-length'];
    }
    try {
      res.writeHead(statusCode, statusMessage || undefined, out);
    } catch {
      // A header Node refuses to send (bad characters): the upstream's answer is unusable.
      controller.abort(new Error('the upstream sent a header that cannot be forwarded'));
      return;
    }
    // Event streams and other bodies of unknown length: the client sees the headers now.
    if (out['content-length'] === undefined) res.flushHeaders();
  }

  private rewriteHeaders(
    out: Record<string, string | string[]>,
    statusCode: number,
    mapper: PathMapper,
  ): void {
    const host = this.req.headers.host;
    const location = out['location'];
    if (typeof location === 'string' && statusCode >= 300 && statusCode < 400)
      out['location'] = mapper.location(location, host);
    const contentLocation = out['content-location'];
    if (typeof contentLocation === 'string')
      out['content-location'] = mapper.location(contentLocation, host);
    const cookies = out['set-cookie'];
    if (Array.isArray(cookies)) out['set-cookie'] = cookies.map((c) => mapper.cookie(c));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const data = this.rewriter ? this.rewriter.push(chunk) : chunk;
    this.ctx.traffic.bytesOut += data.length;
    if (data.length > 0 && !this.res.write(data)) {
      controller.pause();
      this.res.once('drain', this.resume);
    }
  }

  onResponseEnd(): void {
    this.finished = true;
    this.res.off('close', this.onClientClose);
    if (this.rewriter) {
      const rest = this.rewriter.end();
      this.ctx.traffic.bytesOut += rest.length;
      this.res.end(rest);
    } else this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
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

function isHtml(contentType: string | string[] | undefined): boolean {
  return typeof contentType === 'string' && /^\s*text\/html\b/i.test(contentType);
}

function isIdentity(encoding: string | string[] | undefined): boolean {
  return (
    encoding === undefined || (typeof encoding === 'string' && /^\s*identity\s*$/i.test(encoding))
  );
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
