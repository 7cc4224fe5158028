export * from './domain';
export * from './application/routing.commands';
export * from './application/routing.queries';
export * from './application/routing-read.port';
export * from './application/route-table';
export { routingReadModel } from './infrastructure/routing.read-model';
export { RoutingModule } from './routing.module';
