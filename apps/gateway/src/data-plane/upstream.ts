import { Agent } from 'undici';
import type { RouteSpec } from '#libs/routing';

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
}

/** Defaults of a DataPlane built without limits; the gateway passes the `proxy.*` config. */
export const PROXY_DEFAULTS: ProxyLimits = {
  connectTimeoutMs: 10_000,
  firstByteTimeoutMs: 60_000,
  idleTimeoutMs: 300_000,
  maxRequestBodyBytes: Number.POSITIVE_INFINITY,
  upgradeTimeoutMs: 10_000,
  tunnelRecheckMs: 500,
};

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
  agent: Agent;
}

/**
 * One undici Agent per certificate policy, each keeping a keep-alive pool per origin. Targets
 * are cached per RouteSpec object: a route change replaces the object, so its entry goes too.
 */
export class Upstreams {
  private readonly verified: Agent;
  private readonly unverified: Agent;
  private readonly byRoute = new WeakMap<RouteSpec, Upstream>();

  constructor(limits: ProxyLimits) {
    const options = {
      connectTimeout: limits.connectTimeoutMs,
      headersTimeout: limits.firstByteTimeoutMs,
      bodyTimeout: limits.idleTimeoutMs,
      keepAliveTimeout: 4_000,
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
      upstream = {
        origin: target.origin,
        tls,
        hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: target.port ? Number(target.port) : tls ? 443 : 80,
        host: target.host,
        basePath: target.pathname.replace(/\/+$/, ''),
        verifyTls,
        agent: verifyTls ? this.verified : this.unverified,
      };
      this.byRoute.set(route, upstream);
    }
    return upstream;
  }

  async close(): Promise<void> {
    await Promise.all([this.verified.close(), this.unverified.close()]);
  }
}
