import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  ADMIN_SCOPE,
  AuthRequired,
  hasScopes,
  type Authenticator,
  type TokenClaims,
} from '#libs/access';
import type { LiveConfig } from '#libs/config';
import {
  errorBody,
  RateLimiter,
  requestIdOf,
  sendError,
  sendJson,
  statusOf,
  type Principal,
} from '#libs/http';
import { DomainError } from '#libs/kernel';
import type { RouteSpec, RouteTable } from '#libs/routing';
import { upstreamRequestHeaders } from './data-plane/headers';
import {
  BodyTooLarge,
  ForwardHandler,
  limitedBody,
  type ForwardContext,
} from './data-plane/http-forwarder';
import { cleanedPath, PathMapper, upstreamPathOf } from './data-plane/paths';
import { ProxyMetrics, type RouteTraffic } from './data-plane/proxy-metrics';
import {
  PROXY_DEFAULTS,
  Upstreams,
  type ProxyLimits,
  type Upstream,
  type UpstreamClientKind,
} from './data-plane/upstream';
import { openTunnel, refuseUpgrade, type Tunnel } from './data-plane/websocket-tunnel';

export { refuseUpgrade } from './data-plane/websocket-tunnel';
export { PROXY_DEFAULTS, type ProxyLimits } from './data-plane/upstream';
export { ProxyMetrics, LATENCY_BUCKETS_MS, type RouteTraffic } from './data-plane/proxy-metrics';

/** What the data plane keeps per route version (a change replaces the RouteSpec object). */
interface RouteRuntime {
  upstream: Upstream;
  /** Present when responses can need rewriting (strip-prefix, or a target with its own path). */
  mapper: PathMapper | undefined;
  traffic: RouteTraffic;
  /** Per client address, when the route sets `rateLimitPerMinute`. */
  limiter: RateLimiter | undefined;
  /** The Host sent upstream when the route does not preserve the client's. */
  host: string | undefined;
}

/** Asked before forwarding: whether the app behind the route is probed and failing. */
export interface HealthGate {
  refuses(route: RouteSpec): boolean;
}

/** How the data plane authenticates: only our own API keys count in `X-API-Key`. */
const FOR_PROXY = { forProxy: true } as const;

const NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'TRACE']);

/**
 * The data plane: `/apps/<id>/…` resolved against the in-memory route table, authorised from
 * in-memory state, and streamed to the upstream through keep-alive pools: the llhttp client
 * by default, undici as the fallback (docs/decisions/0019, 0005). No database, no Nest
 * pipeline, no log line per request.
 */
export class DataPlane {
  /** Per-route counters and latency histogram, for the metrics endpoint. */
  readonly metrics = new ProxyMetrics();
  private readonly limits: ProxyLimits;
  private readonly upstreams: Upstreams;
  private readonly runtimes = new WeakMap<RouteSpec, RouteRuntime>();
  /** Open WebSocket tunnels of device tokens, by device id. */
  private readonly tunnels = new Map<string, Set<Tunnel>>();
  private recheck: NodeJS.Timeout | undefined;
  /** Host → route decisions of requests in flight (null: no route owns the host). */
  private readonly hostOwners = new WeakMap<IncomingMessage, RouteSpec | null>();

  constructor(
    private readonly routes: RouteTable,
    private readonly authenticator: Authenticator,
    private readonly config: LiveConfig,
    limits: Partial<ProxyLimits> = {},
    private readonly health?: HealthGate,
  ) {
    this.limits = { ...PROXY_DEFAULTS, ...limits };
    this.upstreams = new Upstreams(this.limits);
  }

  /** Whether the request is the proxy's: an `/apps/…` path, or a host routed to an app. */
  handles(req: IncomingMessage): boolean {
    if (this.ownerOf(req)) return true;
    const url = req.url;
    return (
      url !== undefined && (url === '/apps' || url.startsWith('/apps/') || url.startsWith('/apps?'))
    );
  }

  /** The host's route, decided once per request: `handles` asks first, `handle` reuses it. */
  private ownerOf(req: IncomingMessage): RouteSpec | undefined {
    // Without a base domain no host is routed: nothing to look up or remember.
    if (!this.config.current.server.base_domain) return undefined;
    const known = this.hostOwners.get(req);
    if (known !== undefined) return known ?? undefined;
    const route = this.hostRoute(req);
    this.hostOwners.set(req, route ?? null);
    return route;
  }

  /**
   * The route that owns the request's host: `<subdomain>.<server.base_domain>` for a route
   * whose effective routing mode is `subdomain` or `both`. The whole host belongs to the app.
   */
  private hostRoute(req: IncomingMessage): RouteSpec | undefined {
    const server = this.config.current.server;
    if (!server.base_domain) return undefined;
    const label = subdomainOf(req.headers.host, server.base_domain);
    if (label === undefined) return undefined;
    const id = this.routes.subdomainOwner(label);
    const route = id === undefined ? undefined : this.routes.route(id);
    if (!route) return undefined;
    const mode = route.routingMode || server.routing_mode || 'path';
    return mode === 'subdomain' || mode === 'both' ? route : undefined;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q);
    const clean = cleanedPath(path);
    if (clean !== undefined) {
      // As Go's ServeMux does for Nekzus; 308 keeps the method and body of anything but a read.
      redirect(res, req.method === 'GET' || req.method === 'HEAD' ? 301 : 308, `${clean}${query}`);
      return;
    }
    const hosted = this.ownerOf(req);
    if (hosted) {
      this.admit(req, res, hosted, path, query, started, true);
      return;
    }
    const route = this.routes.match(path);
    if (!route) {
      sendJson(
        res,
        404,
        errorBody('ROUTE_NOT_FOUND', `no route serves ${path}`, { requestId: requestIdOf(req) }),
      );
      return;
    }
    if (path.length === route.pathBase.length - 1) {
      redirect(res, 301, `${route.pathBase}${query}`);
      return;
    }
    this.admit(req, res, route, path, query, started, false);
  }

  /** Authenticates and authorises (unless the route is public), then forwards. */
  private admit(
    req: IncomingMessage,
    res: ServerResponse,
    route: RouteSpec,
    path: string,
    query: string,
    started: number,
    viaHost: boolean,
  ): void {
    if (route.publicAccess) {
      this.forward(req, res, route, path, query, undefined, started, viaHost);
      return;
    }
    const admit = (principal: Principal) => {
      try {
        this.authorize(principal, route);
      } catch (error) {
        this.refuse(res, error, req);
        return;
      }
      this.forward(req, res, route, path, query, principal, started, viaHost);
    };
    this.withPrincipal(req, admit, (error) => this.refuse(res, error, req));
  }

  /**
   * Who calls, then `admit` or `refuse`. A token already verified (and every other credential)
   * is decided without a promise; revocation and expiry are still checked on this very request.
   */
  private withPrincipal(
    req: IncomingMessage,
    admit: (principal: Principal) => void,
    refuse: (error: unknown) => void,
  ): void {
    let known: Principal | undefined;
    try {
      known = this.authenticator.authenticateFromMemory(req, FOR_PROXY);
    } catch (error) {
      refuse(error);
      return;
    }
    if (known !== undefined) admit(known);
    else this.authenticator.authenticate(req, FOR_PROXY).then(admit, refuse);
  }

  /** The upstream HTTP client in use: the configured one, or undici when llhttp is missing. */
  get upstreamClient(): UpstreamClientKind {
    return this.upstreams.client;
  }

  private runtimeOf(route: RouteSpec): RouteRuntime {
    let runtime = this.runtimes.get(route);
    if (!runtime) {
      const upstream = this.upstreams.of(route);
      const mapper = new PathMapper(route, upstream);
      runtime = {
        upstream,
        mapper: mapper.active ? mapper : undefined,
        traffic: this.metrics.of(route.routeId),
        limiter:
          route.rateLimitPerMinute > 0
            ? new RateLimiter({
                route: { perMinute: route.rateLimitPerMinute, burst: route.rateLimitBurst },
              })
            : undefined,
        host: route.preserveHost ? undefined : upstream.host,
      };
      this.runtimes.set(route, runtime);
    }
    return runtime;
  }

  /**
   * A route's scopes (else `auth.default_scopes`) must all be carried by a device token or
   * API key; administrators and trusted local callers pass; nobody else gets in.
   */
  private authorize(principal: Principal, route: RouteSpec): void {
    if (principal.kind === 'anonymous') throw new AuthRequired();
    if (principal.kind === 'local' || principal.kind === 'admin') return;
    const required =
      route.scopes.length > 0 ? route.scopes : this.config.current.auth.default_scopes;
    if (hasScopes(principal.scopes, required) || hasScopes(principal.scopes, [ADMIN_SCOPE])) return;
    throw new DomainError(
      'PERMISSION_DENIED',
      'forbidden',
      `route "${route.routeId}" needs the scopes ${required.join(', ')}`,
    );
  }

  /**
   * The route's own body limit, else `proxy.max_request_body_bytes` (read live), else the
   * data plane's default; 0 means "not set" at each level.
   */
  private bodyLimitOf(route: RouteSpec): number {
    if (route.maxBodyBytes > 0) return route.maxBodyBytes;
    const configured = this.config.current.proxy.max_request_body_bytes;
    return configured > 0 ? configured : this.limits.maxRequestBodyBytes;
  }

  /** A route's rate limit per client address: 429 with Retry-After past it. */
  private admitRate(req: IncomingMessage, res: ServerResponse, limiter: RateLimiter): boolean {
    const decision = limiter.take('route', this.authenticator.clientAddress(req));
    if (decision.allowed) return true;
    res.setHeader('retry-after', String(decision.retryAfterSeconds));
    sendJson(
      res,
      429,
      errorBody('RATE_LIMITED', 'too many requests to this route; try again later', {
        requestId: requestIdOf(req),
      }),
    );
    return false;
  }

  private refuse(res: ServerResponse, error: unknown, req: IncomingMessage): void {
    sendError(req, res, error);
  }

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    route: RouteSpec,
    path: string,
    query: string,
    principal: Principal | undefined,
    started: number,
    viaHost: boolean,
  ): void {
    if (this.health?.refuses(route)) {
      sendJson(
        res,
        503,
        errorBody('SERVICE_UNHEALTHY', 'Service is currently unhealthy', {
          requestId: requestIdOf(req),
        }),
      );
      return;
    }
    const runtime = this.runtimeOf(route);
    const { upstream, mapper, traffic } = runtime;
    if (runtime.limiter && !this.admitRate(req, res, runtime.limiter)) return;
    traffic.requests++;
    const requestId = requestIdOf(req);
    // On its own host the app sees the path as requested: nothing to strip or rewrite.
    const appPath = route.stripPrefix && !viaHost ? path.slice(route.pathBase.length - 1) : path;
    const rewriteHtml =
      !viaHost &&
      route.rewriteHTML &&
      mapper !== undefined &&
      !mapper.excluded(appPath) &&
      acceptsHtml(req);
    const ctx: ForwardContext = {
      routeId: route.routeId,
      requestId,
      traffic,
      metrics: this.metrics,
      started,
      mapper: mapper && !viaHost && !mapper.excluded(appPath) ? mapper : undefined,
      stripCookies: route.stripResponseCookies,
      htmlBase: rewriteHtml ? path.slice(0, path.lastIndexOf('/') + 1) : undefined,
    };
    const handler = new ForwardHandler(req, res, ctx);
    const bodyLimit = this.bodyLimitOf(route);
    const length = req.headers['content-length'];
    if (length !== undefined && Number(length) > bodyLimit) {
      handler.fail(new BodyTooLarge(bodyLimit));
      return;
    }
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      (length !== undefined && length !== '0') ||
      !NO_BODY.has(req.method ?? 'GET');
    try {
      upstream.dispatch(
        {
          path: `${viaHost ? `${upstream.basePath}${path}` : upstreamPathOf(route, upstream, path)}${query}`,
          method: req.method ?? 'GET',
          headers: upstreamRequestHeaders(req, {
            client: this.authenticator.clientAddress(req),
            requestId,
            prefix: route.stripPrefix && !viaHost ? route.pathBase.slice(0, -1) : undefined,
            principal,
            identityEncoding: rewriteHtml,
            upgrade: false,
            host: runtime.host,
          }),
          body: hasBody ? limitedBody(req, bodyLimit, traffic) : null,
        },
        handler,
      );
    } catch (error) {
      handler.fail(error);
    }
  }

  /**
   * WebSocket (and other upgrades): authorised before anything reaches the upstream, by the
   * same rules as HTTP, then tunnelled byte for byte.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q);
    const requestId = requestIdOf(req);
    const clean = cleanedPath(path) === undefined;
    const hosted = clean ? this.ownerOf(req) : undefined;
    const route = hosted ?? (clean ? this.routes.match(path) : undefined);
    if (!route) {
      refuseUpgrade(socket, 404, `no route serves ${path}`, 'ROUTE_NOT_FOUND', { requestId });
      return;
    }
    const viaHost = hosted !== undefined;
    const open = (principal: Principal | undefined) => {
      try {
        if (principal) this.authorize(principal, route);
      } catch (error) {
        this.refuseUpgradeWith(socket, error, requestId);
        return;
      }
      this.tunnel(req, socket, head, route, path, query, principal, requestId, viaHost);
    };
    if (route.publicAccess) {
      open(undefined);
      return;
    }
    this.withPrincipal(req, open, (error) => this.refuseUpgradeWith(socket, error, requestId));
  }

  private refuseUpgradeWith(socket: Duplex, error: unknown, requestId: string): void {
    if (error instanceof DomainError)
      refuseUpgrade(socket, statusOf(error), error.message, error.code, { requestId });
    else refuseUpgrade(socket, 500, 'the gateway failed to handle this upgrade', 'INTERNAL_ERROR');
  }

  private tunnel(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    route: RouteSpec,
    path: string,
    query: string,
    principal: Principal | undefined,
    requestId: string,
    viaHost: boolean,
  ): void {
    if (this.health?.refuses(route)) {
      refuseUpgrade(socket, 503, 'Service is currently unhealthy', 'SERVICE_UNHEALTHY', {
        requestId,
      });
      return;
    }
    const runtime = this.runtimeOf(route);
    const { upstream, traffic } = runtime;
    if (runtime.limiter) {
      const decision = runtime.limiter.take('route', this.authenticator.clientAddress(req));
      if (!decision.allowed) {
        refuseUpgrade(socket, 429, 'too many requests to this route', 'RATE_LIMITED', {
          requestId,
        });
        return;
      }
    }
    traffic.requests++;
    const slashed = !viaHost && path.length === route.pathBase.length - 1 ? route.pathBase : path;
    const device =
      principal?.kind === 'device'
        ? { deviceId: principal.deviceId, tokenId: principal.tokenId }
        : undefined;
    openTunnel({
      req,
      socket,
      head,
      upstream,
      path: `${viaHost ? `${upstream.basePath}${path}` : upstreamPathOf(route, upstream, slashed)}${query}`,
      headers: upstreamRequestHeaders(req, {
        client: this.authenticator.clientAddress(req),
        requestId,
        prefix: route.stripPrefix && !viaHost ? route.pathBase.slice(0, -1) : undefined,
        principal,
        identityEncoding: false,
        upgrade: true,
        host: runtime.host,
      }),
      timeoutMs: this.limits.upgradeTimeoutMs,
      traffic,
      requestId,
      onOpen: (tunnel) => {
        if (!device) return;
        tunnel.device = device;
        let set = this.tunnels.get(device.deviceId);
        if (!set) this.tunnels.set(device.deviceId, (set = new Set()));
        set.add(tunnel);
        this.recheck ??= setInterval(() => this.recheckTunnels(), this.limits.tunnelRecheckMs);
        this.recheck.unref();
      },
      onClose: (tunnel) => {
        if (!tunnel.device) return;
        const set = this.tunnels.get(tunnel.device.deviceId);
        set?.delete(tunnel);
        if (set?.size === 0) this.tunnels.delete(tunnel.device.deviceId);
        if (this.tunnels.size === 0 && this.recheck) {
          clearInterval(this.recheck);
          this.recheck = undefined;
        }
      },
    });
  }

  /** Closes every open WebSocket tunnel of a device (its revocation); returns how many. */
  closeTunnelsOf(deviceId: string): number {
    const set = this.tunnels.get(deviceId);
    if (!set) return 0;
    const count = set.size;
    for (const tunnel of [...set]) {
      tunnel.client.destroy();
      tunnel.upstream.destroy();
    }
    return count;
  }

  /**
   * Revocation reaches open tunnels even without an event hook: twice a second each device's
   * tunnels are checked against the in-memory device directory (revoked, or paired again).
   */
  private recheckTunnels(): void {
    for (const set of this.tunnels.values())
      for (const tunnel of [...set]) {
        if (!tunnel.device) continue;
        // checkDevice reads only the subject and the token id of the claims.
        const claims = { sub: tunnel.device.deviceId, jti: tunnel.device.tokenId } as TokenClaims;
        try {
          this.authenticator.checkDevice(claims);
        } catch {
          tunnel.client.destroy();
          tunnel.upstream.destroy();
        }
      }
  }

  /** Releases the upstream pools (the server closes the client connections). */
  async close(): Promise<void> {
    if (this.recheck) clearInterval(this.recheck);
    await this.upstreams.close();
  }
}

function redirect(res: ServerResponse, status: number, location: string): void {
  res.writeHead(status, { location, 'content-length': 0 });
  res.end();
}

/** A navigation or page fetch: the only responses worth rewriting. */
function acceptsHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  return accept === undefined || accept.includes('text/html') || accept.includes('*/*');
}

/**
 * The subdomain label(s) of `host` under `baseDomain` (`media.home.lan` under `home.lan` →
 * `media`), case-insensitive, ports and a final dot ignored; undefined for any other host,
 * for the base domain itself and for IP literals.
 */
export function subdomainOf(host: string | undefined, baseDomain: string): string | undefined {
  if (!host || host.startsWith('[')) return undefined;
  const colon = host.lastIndexOf(':');
  let name = (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  let base = baseDomain.toLowerCase();
  const baseColon = base.lastIndexOf(':');
  if (baseColon !== -1) base = base.slice(0, baseColon);
  base = base.replace(/^\.+|\.+$/g, '');
  if (!base || name.length <= base.length + 1 || !name.endsWith(base)) return undefined;
  if (name.charCodeAt(name.length - base.length - 1) !== 46 /* . */) return undefined;
  return name.slice(0, name.length - base.length - 1);
}
