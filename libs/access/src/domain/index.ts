export * from './scopes';
export * from './access.events';
export * from './admin-account.decider';
export * from './api-key.decider';
