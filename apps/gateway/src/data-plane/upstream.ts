import { Agent } from 'undici';
import type { RouteSpec } from '#libs/routing';
import {
  LlhttpClient,
  llhttpBinding,
  type UpstreamHandler,
  type UpstreamRequest,
} from './llhttp-client';

/** Idle timeouts and limits of the data plane. None of them is an absolute deadline. */
export interface ProxyLimits {
  /** TCP (and TLS) connect to the upstream. */
  connectTimeoutMs: number;
  /** From the request sent to the upstream's response headers. */
  firstByteTimeoutMs: number;
  /** Longest silence between two chunks of a response body (SSE and downloads run forever otherwise). */
  idleTimeoutMs: number;
  /** Request bodies above this answer 413; Infinity for none (Nekzus has none either). */
  maxRequestBodyBytes: number;
  /** From the upgrade request sent to the upstream's 101 (or refusal). */
  upgradeTimeoutMs: number;
  /** How often open WebSocket tunnels re-check that their device is still paired. */
  tunnelRecheckMs: number;
  /** The HTTP client behind the proxy (`proxy.upstream_client`). */
  upstreamClient: UpstreamClientKind;
}

export type UpstreamClientKind = 'llhttp' | 'undici';

/** Defaults of a DataPlane built without limits; the gateway passes the `proxy.*` config. */
export const PROXY_DEFAULTS: ProxyLimits = {
  connectTimeoutMs: 10_000,
  firstByteTimeoutMs: 60_000,
  idleTimeoutMs: 300_000,
  maxRequestBodyBytes: Number.POSITIVE_INFINITY,
  upgradeTimeoutMs: 10_000,
  tunnelRecheckMs: 500,
  upstreamClient: 'llhttp',
};

/** How long an idle upstream socket is kept for the next request. */
const KEEP_ALIVE_MS = 4_000;

/** A route's target, parsed once per route version. */
export interface Upstream {
  /** `http://host:port`, the key of undici's per-origin pool. */
  origin: string;
  tls: boolean;
  hostname: string;
  port: number;
  /** `host[:port]` as the target URL names it. */
  host: string;
  /** The target URL's path without its final slash, prefixed to every forwarded path. */
  basePath: string;
  /** Upstream certificates are checked unless the route opts out (self-signed LAN devices). */
  verifyTls: boolean;
  /** Sends one request to this upstream; the handler hears how it goes. */
  dispatch(request: UpstreamRequest, handler: UpstreamHandler): void;
}

/**
 * The upstream client of the data plane, with a keep-alive pool per origin: the llhttp client
 * (docs/decisions/0019) unless the config asks for undici or this Node release lacks the
 * parser binding; then one undici Agent per certificate policy. Targets are cached per
 * RouteSpec object: a route change replaces the object, so its entry goes too.
 */
export class Upstreams {
  /** The client actually in use. */
  readonly client: UpstreamClientKind;
  private readonly llhttp: LlhttpClient | undefined;
  private readonly verified: Agent | undefined;
  private readonly unverified: Agent | undefined;
  private readonly byRoute = new WeakMap<RouteSpec, Upstream>();

  /** `binding` is node:http's parser, when this Node release exposes it (null: it does not). */
  constructor(limits: ProxyLimits, binding: typeof llhttpBinding | null = llhttpBinding) {
    this.client = 'undici';
    if (limits.upstreamClient === 'llhttp' && binding) {
      this.client = 'llhttp';
      this.llhttp = new LlhttpClient(
        {
          connectTimeoutMs: limits.connectTimeoutMs,
          firstByteTimeoutMs: limits.firstByteTimeoutMs,
          idleTimeoutMs: limits.idleTimeoutMs,
          keepAliveMs: KEEP_ALIVE_MS,
        },
        binding,
      );
      return;
    }
    const options = {
      connectTimeout: limits.connectTimeoutMs,
      headersTimeout: limits.firstByteTimeoutMs,
      bodyTimeout: limits.idleTimeoutMs,
      keepAliveTimeout: KEEP_ALIVE_MS,
      pipelining: 1,
    };
    this.verified = new Agent({ ...options, connect: { rejectUnauthorized: true } });
    this.unverified = new Agent({ ...options, connect: { rejectUnauthorized: false } });
  }

  of(route: RouteSpec): Upstream {
    let upstream = this.byRoute.get(route);
    if (!upstream) {
      const target = new URL(route.to);
      const tls = target.protocol === 'https:';
      const verifyTls = !route.tlsSkipVerify;
      const endpoint = {
        origin: target.origin,
        tls,
        hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: target.port ? Number(target.port) : tls ? 443 : 80,
        host: target.host,
        basePath: target.pathname.replace(/\/+$/, ''),
        verifyTls,
      };
      upstream = { ...endpoint, dispatch: this.dispatcherFor(endpoint) };
      this.byRoute.set(route, upstream);
    }
    return upstream;
  }

  private dispatcherFor(endpoint: Omit<Upstream, 'dispatch'>): Upstream['dispatch'] {
    if (this.llhttp) return this.llhttp.to(endpoint);
    const agent = endpoint.verifyTls ? this.verified! : this.unverified!;
    const origin = endpoint.origin;
    return (request, handler) =>
      agent.dispatch(
        { origin, ...request },
        // The older hooks undici 7 still calls directly (docs/decisions/0011).
        handler as Parameters<Agent['dispatch']>[1],
      );
  }

  async close(): Promise<void> {
    await Promise.all([this.llhttp?.close(), this.verified?.close(), this.unverified?.close()]);
  }
}
