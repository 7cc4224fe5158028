export * from './domain/topics';
export * from './application/envelope';
export * from './application/ws-hub';
export { AccessWsAuthenticator } from './application/ws-auth';
export { EventNotifier } from './application/event-notifier';
export { DispatchedWsAdapter } from './infrastructure/dispatched-ws.adapter';
export { WS_PATH } from './interface/ws.gateway';
export { LiveModule } from './live.module';
export { WsUpgradeGate } from './interface/ws-upgrade';
