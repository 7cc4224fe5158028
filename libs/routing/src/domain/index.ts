export * from './route';
export * from './app';
export * from './routing.events';
export * from './routing.errors';
export * from './route.decider';
export * from './app.decider';
