export * from './read-model';
export * from './read-model-database';
export * from './projection-runner';
export * from './position-tracker';
export const READ_MODEL_DATABASE = Symbol('READ_MODEL_DATABASE');
export const PROJECTION_RUNNER = Symbol('PROJECTION_RUNNER');
