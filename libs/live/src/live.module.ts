import { Module } from '@nestjs/common';
import { LiveGateway } from './interface/ws.gateway';
import { WsAdminController } from './interface/ws-admin.controller';

/** The WebSocket at /api/v1/ws. Expects the WsHub instance from the composition root. */
@Module({ controllers: [WsAdminController], providers: [LiveGateway] })
export class LiveModule {}
