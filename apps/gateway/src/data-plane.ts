import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { errorBody, isLoopback, pathOf, requestIdOf, sendJson } from '#libs/http';
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

  constructor(private readonly routes: RouteTable) {}

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
    if (!isLoopback(req.socket.remoteAddress)) {
      sendJson(
        res,
        403,
        errorBody(
          'PERMISSION_DENIED',
          'proxied apps answer only callers on the gateway machine until authentication is set up',
          { requestId },
        ),
      );
      return;
    }
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
    const target = this.upstreamOf(route);
    const rest = route.stripPrefix ? path.slice(route.pathBase.length - 1) : path;
    const upstreamPath = `${target.basePath}${rest.startsWith('/') ? rest : `/${rest}`}${query}`;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
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
  handleUpgrade(req: IncomingMessage, socket: Duplex): void {
    refuseUpgrade(socket, 501, 'WebSocket proxying is not available yet');
    void req;
  }
}

/** Answers an upgrade that nobody takes with a real HTTP response, never a hanging socket. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify(errorBody(status === 404 ? 'NOT_FOUND' : 'NOT_IMPLEMENTED', message));
  socket.end(
    `HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Not Implemented'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
