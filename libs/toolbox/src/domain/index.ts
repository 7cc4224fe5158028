export * from './toolbox.events';
export * from './deployment.decider';
export * from './variables';
export * from './compose-project';
export * from './template';
export * from './container.events';
