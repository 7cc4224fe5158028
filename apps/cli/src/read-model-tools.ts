/** The read models (TypeORM), loaded by the commands that open them when they run. */
export { rebuildProjection } from '../../../libs/projections/src/projection-runner';
export { ReadModelDatabase } from '../../../libs/projections/src/read-model-database';
export { readModelContributions } from '../../gateway/src/read-models';
