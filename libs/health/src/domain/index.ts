export * from './health.events';
export * from './service-health.decider';
export * from './probe-streak';
