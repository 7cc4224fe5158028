import { Controller, Delete, Get, Inject, Param } from '@nestjs/common';
import { WsHub } from '../application/ws-hub';

/** Nekzus's WebSocket admin endpoints (contract A §1.5); administrators only. */
@Controller('api/v1/admin/websocket')
export class WsAdminController {
  constructor(@Inject(WsHub) private readonly hub: WsHub) {}

  @Get('clients')
  clients(): { totalConnections: number; devices: Record<string, number> } {
    return this.hub.stats();
  }

  @Delete('disconnect/:deviceId')
  disconnect(@Param('deviceId') deviceId: string): { deviceId: string; disconnectedCount: number } {
    return { deviceId, disconnectedCount: this.hub.disconnect(deviceId) };
  }
}
