import { Inject } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { WsHub } from '../application/ws-hub';

export const WS_PATH = '/api/v1/ws';

/** `/api/v1/ws`: every connection goes to the hub, which speaks Nekzus's protocol. */
@WebSocketGateway({ path: WS_PATH })
export class LiveGateway implements OnGatewayConnection {
  constructor(@Inject(WsHub) private readonly hub: WsHub) {}

  handleConnection(socket: WebSocket, req: IncomingMessage): void {
    this.hub.accept(socket, req);
  }
}
