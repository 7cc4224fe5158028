export * from './error-body';
export * from './error.filter';
export * from './json-body.pipe';
export * from './loopback-only.guard';
export * from './request-context';
export * from './principal';
