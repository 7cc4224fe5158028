import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { pathOf, rateLimitKeyOf, refuseUpgrade, type RateLimiter } from '#libs/http';
import type { DispatchedWsAdapter } from '../infrastructure/dispatched-ws.adapter';

/**
 * The control plane's share of the upgrade dispatcher: `/api/v1/ws` (and any other path a
 * Nest gateway declares) after a rate limit per address and an origin check — browsers
 * may open it from the gateway's own origin or from `server.allowed_origins`, no other site
 * (Nekzus accepts any origin, so any page a LAN user visits could).
 */
export class WsUpgradeGate {
  constructor(
    private readonly adapter: DispatchedWsAdapter,
    private readonly limiter: RateLimiter,
    private readonly clientAddress: (req: IncomingMessage) => string,
    private readonly allowedOrigins: () => readonly string[],
  ) {}

  owns(req: IncomingMessage): boolean {
    return this.adapter.owns(pathOf(req));
  }

  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const decision = this.limiter.take(
      'websocket',
      `addr:${rateLimitKeyOf(this.clientAddress(req))}`,
    );
    if (!decision.allowed)
      return refuseUpgrade(
        socket,
        429,
        'too many WebSocket connections in a short time',
        'RATE_LIMITED',
        { headers: { 'retry-after': String(decision.retryAfterSeconds) } },
      );
    const origin = req.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin, req.headers.host))
      return refuseUpgrade(
        socket,
        403,
        `pages from ${origin} may not open this WebSocket (add it to server.allowed_origins)`,
        'ORIGIN_NOT_ALLOWED',
      );
    this.adapter.handleUpgrade(req, socket, head, pathOf(req));
  }

  private originAllowed(origin: string, host: string | undefined): boolean {
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      return false;
    }
    if (host !== undefined && parsed.host === host) return true;
    return this.allowedOrigins().some((allowed) => {
      try {
        return new URL(allowed).origin === parsed.origin;
      } catch {
        return false;
      }
    });
  }
}
