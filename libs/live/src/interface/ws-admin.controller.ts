import { Controller, Delete, Get, Inject, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { WsHub } from '../application/ws-hub';

/** Nekzus's WebSocket admin endpoints (contract A §1.5); administrators only. */
@ApiTags('live')
@Controller('api/v1/admin/websocket')
export class WsAdminController {
  constructor(@Inject(WsHub) private readonly hub: WsHub) {}

  @Get('clients')
  @ApiOperation({ summary: 'Open WebSocket connections', description: 'In total and per device.' })
  @ApiOkResponse({
    description: 'The connections.',
    schema: {
      title: 'WebSocketClients',
      type: 'object',
      required: ['totalConnections', 'devices'],
      properties: {
        totalConnections: { type: 'integer' },
        devices: {
          type: 'object',
          additionalProperties: { type: 'integer' },
          description: 'Connections per device id.',
        },
      },
    },
  })
  clients(): { totalConnections: number; devices: Record<string, number> } {
    return this.hub.stats();
  }

  @Delete('disconnect/:deviceId')
  @ApiOperation({
    summary: "Close a device's WebSockets",
    description: '200 with `disconnectedCount: 0` when it has none.',
  })
  @ApiOkResponse({
    description: 'Closed.',
    schema: {
      title: 'WebSocketsDisconnected',
      type: 'object',
      required: ['deviceId', 'disconnectedCount'],
      properties: { deviceId: { type: 'string' }, disconnectedCount: { type: 'integer' } },
    },
  })
  disconnect(@Param('deviceId') deviceId: string): { deviceId: string; disconnectedCount: number } {
    return { deviceId, disconnectedCount: this.hub.disconnect(deviceId) };
  }
}
