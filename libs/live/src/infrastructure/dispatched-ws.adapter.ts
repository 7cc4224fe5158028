import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WsAdapter } from '@nestjs/platform-ws';
import { WebSocketServer } from 'ws';

/**
 * Nest's ws adapter, but it never touches the HTTP server's `upgrade` event (the stock one
 * destroys every upgrade whose path it does not own, which would kill the proxy's and
 * GraphQL's WebSockets). The gateway's single upgrade dispatcher hands it the upgrades for
 * the paths its gateways declared.
 */
export class DispatchedWsAdapter extends WsAdapter {
  private readonly servers = new Map<string, WebSocketServer>();

  constructor(private readonly maxPayload: number) {
    super();
  }

  override create(_port: number, options: { path?: string } & Record<string, unknown> = {}) {
    const { path = '/', server: _server, ...rest } = options;
    void _server;
    const wss = new WebSocketServer({ noServer: true, maxPayload: this.maxPayload, ...rest });
    wss.on('error', () => undefined);
    this.servers.set(path, wss);
    return wss;
  }

  owns(pathname: string): boolean {
    return this.servers.has(pathname);
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, pathname: string): void {
    const wss = this.servers.get(pathname);
    if (!wss) return;
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  }
}
