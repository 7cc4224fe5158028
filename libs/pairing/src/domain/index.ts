export * from './pairing.events';
export * from './pairing-code.decider';
export * from './device.decider';
