export * from './domain-error';
export * from './decider';
export * from './decider-specification';
export * from './mutex';
export * from './command-context';
export * from './second-chance-map';
