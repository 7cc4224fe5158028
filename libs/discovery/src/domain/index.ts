export * from './proposal';
export * from './discovery.events';
export * from './proposal.decider';
export * from './docker-rules';
export * from './kubernetes-rules';
export * from './mdns-rules';
