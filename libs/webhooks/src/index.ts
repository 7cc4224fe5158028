export * from './domain';
export * from './application/webhook-directory';
export * from './application/webhooks.service';
export { Deliverer, DEFAULT_DELIVERY, type DelivererOptions } from './application/deliverer';
export { signature, send } from './infrastructure/webhook-sender';
export { WebhooksModule } from './webhooks.module';
