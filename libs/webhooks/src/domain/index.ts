export * from './webhook.events';
export * from './subscription.decider';
