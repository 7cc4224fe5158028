import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import {
  ADMIN_SCOPE,
  AuthRequired,
  isOurApiKey,
  SESSION_COOKIE,
  hasScopes,
  type Authenticator,
} from '#libs/access';
import type { LiveConfig } from '#libs/config';
import { errorBody, pathOf, requestIdOf, sendJson, statusOf, type Principal } from '#libs/http';
import { DomainError } from '#libs/kernel';
import type { RouteSpec, RouteTable } from '#libs/routing';

interface Upstream {
  protocol: string;
  hostname: string;
  port: string;
  host: string;
  /** The target URL's path without its final slash, prefixed to every forwarded path. */
  basePath: string;
  send: typeof httpRequest;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The data plane: `/apps/<id>/…` resolved against the in-memory route table and streamed to
 * the upstream, before (and without) NestJS. This first version forwards plain HTTP; the
 * proxy issue brings connection pooling, WebSocket, subdomains and device auth.
 */
export class DataPlane {
  /** Targets parsed once per route version: a change replaces the RouteSpec object, so its entry goes with it. */
  private readonly upstreams = new WeakMap<RouteSpec, Upstream>();

  constructor(
    private readonly routes: RouteTable,
    private readonly authenticator: Authenticator,
    private readonly config: LiveConfig,
  ) {}

  private upstreamOf(route: RouteSpec): Upstream {
    let upstream = this.upstreams.get(route);
    if (!upstream) {
      const target = new URL(route.to);
      upstream = {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        host: target.host,
        basePath: target.pathname.replace(/\/$/, ''),
        send: target.protocol === 'https:' ? httpsRequest : httpRequest,
      };
      this.upstreams.set(route, upstream);
    }
    return upstream;
  }

  handles(url: string | undefined): boolean {
    return (
      url !== undefined && (url === '/apps' || url.startsWith('/apps/') || url.startsWith('/apps?'))
    );
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const path = pathOf(req);
    const requestId = requestIdOf(req);
    const route = this.routes.match(path);
    if (!route) {
      sendJson(res, 404, errorBody('ROUTE_NOT_FOUND', `no route serves ${path}`, { requestId }));
      return;
    }
    const query = (req.url ?? '').slice(path.length);
    if (`${path}/` === route.pathBase) {
      res.writeHead(301, { location: `${route.pathBase}${query}`, 'content-length': 0 });
      res.end();
      return;
    }
    if (route.publicAccess) this.forward(req, res, route, path, query, requestId, undefined);
    else
      this.authenticator.authenticate(req, { forProxy: true }).then(
        (principal) => {
          try {
            this.authorize(principal, route);
          } catch (error) {
            this.refuse(res, error, requestId);
            return;
          }
          this.forward(req, res, route, path, query, requestId, principal);
        },
        (error: unknown) => this.refuse(res, error, requestId),
      );
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

  private refuse(res: ServerResponse, error: unknown, requestId: string): void {
    if (error instanceof DomainError)
      sendJson(res, statusOf(error), errorBody(error.code, error.message, { requestId }));
    else
      sendJson(
        res,
        500,
        errorBody('INTERNAL_ERROR', 'the gateway failed to handle this request', { requestId }),
      );
  }

  private forward(
    req: IncomingMessage,
    res: ServerResponse,
    route: RouteSpec,
    path: string,
    query: string,
    requestId: string,
    principal: Principal | undefined,
  ): void {
    const target = this.upstreamOf(route);
    const rest = route.stripPrefix ? path.slice(route.pathBase.length - 1) : path;
    const upstreamPath = `${target.basePath}${rest.startsWith('/') ? rest : `/${rest}`}${query}`;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    stripGatewayCredentials(headers, principal);
    headers['x-forwarded-for'] = this.authenticator.clientAddress(req);
    headers['x-forwarded-host'] = req.headers.host ?? '';
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-prefix'] = route.pathBase.slice(0, -1);
    headers['x-request-id'] = requestId;
    headers['host'] = target.host;
    const upstream = target.send(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: upstreamPath,
        headers,
      },
      (up) => {
        const out: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(up.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
        }
        res.writeHead(up.statusCode ?? 502, out);
        up.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (res.headersSent) res.destroy(error);
      else
        sendJson(
          res,
          502,
          errorBody(
            'BAD_GATEWAY',
            `the upstream of route "${route.routeId}" did not answer: ${error.message}`,
            { requestId },
          ),
        );
    });
    req.on('aborted', () => upstream.destroy());
    req.pipe(upstream);
  }

  /** WebSocket proxying arrives with the data-plane issue; until then the upgrade is refused properly. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    refuseUpgrade(socket, 501, 'WebSocket proxying is not available yet');
    void req;
    void head;
  }
}

/** Answers an upgrade that nobody takes with a real HTTP response, never a hanging socket. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify(errorBody(status === 404 ? 'NOT_FOUND' : 'NOT_IMPLEMENTED', message));
  socket.end(
    `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Not Implemented'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * The gateway's own credentials are for the gateway: the upstream never sees the session
 * cookie, one of our API keys, or the bearer token that authenticated the request. An app's
 * own Authorization or X-API-Key (on a public route, or alongside a cookie) passes through.
 */
function stripGatewayCredentials(
  headers: Record<string, string | string[]>,
  principal: Principal | undefined,
): void {
  const key = headers['x-api-key'];
  const keyInHeader = typeof key === 'string' && isOurApiKey(key.trim());
  if (keyInHeader) delete headers['x-api-key'];
  const usedBearer =
    principal !== undefined &&
    (principal.kind === 'device' ||
      (principal.kind === 'admin' && principal.via === 'bearer') ||
      (principal.kind === 'apikey' && !keyInHeader));
  if (usedBearer) delete headers['authorization'];
  const cookie = headers['cookie'];
  if (typeof cookie === 'string') {
    const kept = cookie
      .split(';')
      .filter((part) => part.split('=')[0]?.trim() !== SESSION_COOKIE)
      .join(';')
      .trim();
    if (kept === '') delete headers['cookie'];
    else headers['cookie'] = kept;
  }
}
